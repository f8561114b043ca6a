// The one inverse of format.ts: getent lines back into plain objects, for
// `--json` output. Lines come from format.ts (directly or through the
// resolver), which guarantees no field holds `:` or a newline, so a split is exact.

import type { Group, User } from './types.js';

/** A passwd line as an object (no hash, no keys: those are not in the line). */
export type PasswdEntry = Omit<User, 'password' | 'keys'>;

/** A group line as an object: everything a Group holds. */
export type GroupEntry = Group;

/** A shadow line as an object; STNS has no aging data, so only these two fields carry anything. */
export type ShadowEntry = Pick<User, 'name' | 'password'>;

/** The line kinds the CLI prints. */
export type LineKind = 'passwd' | 'group' | 'shadow' | 'gid' | 'key';

// Splits a line into exactly `count` fields, or throws naming the kind and the field count.
function fields(line: string, count: number, kind: string): string[] {
  const parts = line.split(':');
  if (parts.length !== count) {
    throw new TypeError(`not a ${kind} line: expected ${count} ':'-separated fields, got ${parts.length}`);
  }
  return parts;
}

// A decimal id field; anything else means the line did not come from format.ts.
function id(text: string | undefined, kind: string): number {
  if (text === undefined || !/^[0-9]{1,10}$/.test(text)) {
    throw new TypeError(`not a ${kind} line: id field ${JSON.stringify(text)} is not a decimal number`);
  }
  return Number(text);
}

/** Inverse of formatPasswd: `name:x:uid:gid:gecos:dir:shell`. */
export function parsePasswd(line: string): PasswdEntry {
  const [name = '', , uid, gid, gecos = '', dir = '', shell = ''] = fields(line, 7, 'passwd');
  return { name, uid: id(uid, 'passwd'), gid: id(gid, 'passwd'), gecos, dir, shell };
}

/** Inverse of formatGroup: `name:x:gid:m1,m2`. */
export function parseGroup(line: string): GroupEntry {
  const [name = '', , gid, members = ''] = fields(line, 4, 'group');
  return { name, gid: id(gid, 'group'), members: members === '' ? [] : members.split(',') };
}

/** Inverse of formatShadow: `name:hash:::::::`. */
export function parseShadow(line: string): ShadowEntry {
  const [name = '', password = ''] = fields(line, 9, 'shadow');
  return { name, password };
}

/** One line of CLI output as the value `--json` prints for it. */
export function parseLine(
  kind: LineKind,
  line: string,
): PasswdEntry | GroupEntry | ShadowEntry | number | string {
  switch (kind) {
    case 'passwd':
      return parsePasswd(line);
    case 'group':
      return parseGroup(line);
    case 'shadow':
      return parseShadow(line);
    case 'gid':
      return id(line, 'initgroups');
    case 'key':
      return line;
  }
}
