// Unix socket files for the resolver: create the directory, replace a stale
// socket left by a crash, refuse to steal one a live resolver still answers
// on, and never delete something that is not a socket.

import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';

/** What is at `path`: nothing, a live resolver, a dead socket, or something else. */
type SocketState = 'absent' | 'live' | 'stale' | 'not-a-socket';

// A connect attempt is the only portable way to tell a live socket from a leftover file.
function probe(path: string): Promise<'live' | 'stale'> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'stale' : 'live');
    });
  });
}

async function stateOf(path: string): Promise<SocketState> {
  try {
    if (!lstatSync(path).isSocket()) return 'not-a-socket';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  return probe(path);
}

/** Makes `path` free to bind: creates its directory (0755) and removes a dead socket. */
export async function prepareSocketPath(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const state = await stateOf(path);
  if (state === 'not-a-socket')
    throw new ConfigError(`${path} exists and is not a socket; remove it or choose another socket path`);
  if (state === 'live')
    throw new ConfigError(
      `another resolver already answers at ${path}; stop it (systemctl stop stns-query) or choose another socket path`,
    );
  if (state === 'stale') unlinkSync(path);
}

// The umask covers the window between bind() and chmod(): the private socket is never wider than 0600.
/** Binds `server` to `path` with exactly `mode`. */
export async function listenOnSocket(server: Server, path: string, mode: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const previous = process.umask(~mode & 0o777);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
  await chmod(path, mode);
}

/** Removes our socket file on shutdown, only if it is still a socket. */
export function removeSocketFile(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}
