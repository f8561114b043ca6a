// Raw server records -> User/Group. Anything that could corrupt a getent line,
// an authorized_keys file or a privilege check is refused here, once, with a
// warning naming the entry (never its hash). glibc has no escaping (STNS.md §5).

import type { Group, Query, User } from './types.js';

/** The config fields normalisation reads. */
export interface NormalizeOptions {
  uidShift: number;
  gidShift: number;
  minUid: number;
  minGid: number;
}

export type Warn = (message: string) => void;

const MAX_ID = 0xfffffffe;
// \p{Cs} is a lone surrogate: it prints as U+FFFD, i.e. as another string than the model holds.
const FIELD_FORBIDDEN = /[:\n\r\0\p{Cs}]/u;
const GECOS_REWRITE = /[:\n\r\0\p{Cs}]/gu;
// The characters no lookup key may hold (docs/PROTOCOL.md §Request), so no listed name is unreachable.
// U+FFFD too: Node decodes a key of invalid UTF-8 (argv, a request) to it, so a
// name holding it could answer for bytes that are not its name.
const NAME_FORBIDDEN = /[\s/:,\p{Cc}\p{Cs}\uFFFD]/u;
const MEMBER_FORBIDDEN = /[,:\s\p{Cc}\p{Cs}\uFFFD]/u;
const KEY_FORBIDDEN = /[\n\r\0\p{Cs}]/u;
const SHOW_MAX = 64;

/** Thrown internally to drop one entry; the message becomes the warning. */
class Refused extends Error {}

// A server value for a warning: short (a hostile server may send megabytes), and
// never recursing into nested JSON (JSON.stringify overflows the stack on deep nesting).
function show(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'string' && value.length > SHOW_MAX)
    return `${JSON.stringify(value.slice(0, SHOW_MAX))}…`;
  return JSON.stringify(value) ?? String(value);
}

/** Could `name` be an entry's name: 1..255 bytes, no whitespace, `/`, `:`, `,` or control character, not `.`, `..` or root? */
export function isValidName(name: string): boolean {
  const bytes = Buffer.byteLength(name);
  return bytes >= 1 && bytes <= 255 && !NAME_FORBIDDEN.test(name) && !['.', '..', 'root'].includes(name);
}

// A valid entry name (see isValidName); `.` and `..` would make the default home a traversal.
function checkName(value: unknown): string {
  if (typeof value !== 'string') throw new Refused(`name ${show(value)} is not a string`);
  if (value === 'root') throw new Refused('the name "root" is refused');
  if (!isValidName(value)) {
    throw new Refused(
      `name ${show(value)} must be 1..255 bytes without whitespace, "/", ":", ",", control or replacement characters, "." or ".."`,
    );
  }
  return value;
}

// A server id shifted into local space, refused unless in min..2^32-2 and never 0.
function checkId(value: unknown, shift: number, min: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_ID) {
    throw new Refused(`${what} ${show(value)} is not an integer in 0..${MAX_ID}`);
  }
  const shifted = value + shift;
  if (value === 0 || shifted === 0) throw new Refused(`${what} 0 is refused`);
  if (shifted < min || shifted > MAX_ID) throw new Refused(`${what} ${shifted} is outside ${min}..${MAX_ID}`);
  return shifted;
}

// A string field that must not contain `:`/newline/NUL; unset ('' or null) gives the fallback.
function checkField(value: unknown, what: string, fallback: string): string {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'string') throw new Refused(`${what} is not a string`);
  if (FIELD_FORBIDDEN.test(value)) throw new Refused(`${what} contains ":", a newline or NUL`);
  return value;
}

// Strings from an optional array, dropping (with a warning) those `bad` rejects.
function cleanList(value: unknown, what: string, bad: RegExp, warn: (m: string) => void): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Refused(`${what} is not an array`);
  return value.filter((item): item is string => {
    const ok = typeof item === 'string' && item !== '' && !bad.test(item);
    if (!ok) warn(`dropped ${what.replace(/s$/, '')} ${show(item)}`);
    return ok;
  });
}

/** A User from a raw record, or null (with a warning) when it must be refused. */
export function normalizeUser(
  raw: Record<string, unknown>,
  options: NormalizeOptions,
  warn: Warn,
): User | null {
  const label = `user ${show(raw.name)}`;
  try {
    const name = checkName(raw.name);
    return {
      name,
      uid: checkId(raw.id, options.uidShift, options.minUid, 'uid'),
      gid: checkId(raw.group_id, options.gidShift, options.minGid, 'gid'),
      gecos: typeof raw.gecos === 'string' ? raw.gecos.replace(GECOS_REWRITE, ' ') : '',
      dir: checkField(raw.directory, 'directory', `/home/${name}`),
      shell: checkField(raw.shell, 'shell', '/bin/bash'),
      password: checkField(raw.password, 'password', ''),
      keys: cleanList(raw.keys, 'keys', KEY_FORBIDDEN, (m) => warn(`${label}: ${m}`)),
    };
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    warn(`ignored ${label} from the server: ${error.message}`);
    return null;
  }
}

/** A Group from a raw record, or null (with a warning) when it must be refused. */
export function normalizeGroup(
  raw: Record<string, unknown>,
  options: NormalizeOptions,
  warn: Warn,
): Group | null {
  const label = `group ${show(raw.name)}`;
  try {
    return {
      name: checkName(raw.name),
      gid: checkId(raw.id, options.gidShift, options.minGid, 'gid'),
      members: cleanList(raw.users, 'members', MEMBER_FORBIDDEN, (m) => warn(`${label}: ${m}`)),
    };
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    warn(`ignored ${label} from the server: ${error.message}`);
    return null;
  }
}

/** Keeps the first entry for each name and id in a list, warning about the rest. */
export function dedupe<T extends User | Group>(entries: T[], warn: Warn): T[] {
  const names = new Set<string>();
  const ids = new Set<number>();
  return entries.filter((entry) => {
    const id = 'uid' in entry ? entry.uid : entry.gid;
    if (names.has(entry.name) || ids.has(id)) {
      warn(`ignored duplicate entry ${show(entry.name)} (id ${id}) in the server's list`);
      return false;
    }
    names.add(entry.name);
    ids.add(id);
    return true;
  });
}

/** The entry answering a single query, or null (with a warning) when the server answered another. */
export function matchQuery<T extends User | Group>(query: Query, entries: T[], warn: Warn): T | null {
  if (query.by === 'list') throw new TypeError('matchQuery needs a name or id query');
  const hit = entries.find((entry) =>
    query.by === 'name' ? entry.name === query.name : ('uid' in entry ? entry.uid : entry.gid) === query.id,
  );
  if (!hit && entries.length > 0) {
    const asked = query.by === 'name' ? show(query.name) : `id ${query.id}`;
    warn(`the server answered ${query.kind} ${asked} with another entry; treated as not found`);
  }
  return hit ?? null;
}
