// The on-disk snapshot of known users and groups, so a resolver restarted
// during an outage still answers them (as stale). It holds password hashes,
// so it is root-owned, mode 0600, in a 0700 directory, and written atomically.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Group, User } from '../model/types.js';

export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_FILE = 'snapshot.json';

/** What is saved: every positive user and group entry, and whether full lists were among them. */
export interface Snapshot {
  version: typeof SNAPSHOT_VERSION;
  /** Epoch ms of the save (from the cache's clock). */
  savedAt: number;
  users: User[];
  groups: Group[];
  /** `users` is a complete list (a listUsers answer was cached). */
  usersComplete: boolean;
  /** `groups` is a complete list (a listGroups answer was cached). */
  groupsComplete: boolean;
}

/** The snapshot path for a cache directory. */
export function snapshotPathIn(dir: string): string {
  return join(dir, SNAPSHOT_FILE);
}

// temp file in the same directory + fsync + rename: a crash leaves the old or the new file, never half of one.
/** Writes `snapshot` to `path` atomically, creating the directory (0700) if missing. */
export async function writeSnapshot(path: string, snapshot: Snapshot): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${SNAPSHOT_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(JSON.stringify(snapshot));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

// The rename is only durable once the directory entry is flushed too.
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // some filesystems refuse fsync on a directory; the rename is still atomic
  } finally {
    await handle.close();
  }
}

/**
 * Reads the snapshot at `path`; null when there is none. Throws (with a
 * message naming the file) when it is unsafe or unreadable: a snapshot other
 * users could write would let them inject accounts.
 */
export async function readSnapshot(path: string): Promise<Snapshot | null> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!info.isFile()) throw new Error(`cache snapshot ${path} is not a regular file; remove it`);
  const uid = process.getuid?.() ?? info.uid;
  if (info.uid !== uid)
    throw new Error(`cache snapshot ${path} is owned by uid ${info.uid}, not ${uid}; remove it`);
  if ((info.mode & 0o077) !== 0)
    throw new Error(
      `cache snapshot ${path} has mode ${(info.mode & 0o777).toString(8)}, expected 600; remove it`,
    );
  return parseSnapshot(path, await readFile(path, 'utf8'));
}

// Shape check only: entries were validated by normalize.ts before they were cached.
function parseSnapshot(path: string, text: string): Snapshot {
  const data = JSON.parse(text) as Partial<Snapshot>;
  if (data.version !== SNAPSHOT_VERSION || !Array.isArray(data.users) || !Array.isArray(data.groups))
    throw new Error(`cache snapshot ${path} has an unknown format; remove it`);
  return {
    version: SNAPSHOT_VERSION,
    savedAt: Number(data.savedAt) || 0,
    users: data.users.filter(isUser),
    groups: data.groups.filter(isGroup),
    usersComplete: data.usersComplete === true,
    groupsComplete: data.groupsComplete === true,
  };
}

function isUser(value: unknown): value is User {
  const user = value as User;
  return (
    typeof user?.name === 'string' &&
    Number.isInteger(user.uid) &&
    Number.isInteger(user.gid) &&
    typeof user.gecos === 'string' &&
    typeof user.dir === 'string' &&
    typeof user.shell === 'string' &&
    typeof user.password === 'string' &&
    Array.isArray(user.keys)
  );
}

function isGroup(value: unknown): value is Group {
  const group = value as Group;
  return typeof group?.name === 'string' && Number.isInteger(group.gid) && Array.isArray(group.members);
}
