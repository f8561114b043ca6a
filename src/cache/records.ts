// The cache's compact form of a user or group: one flat string holding the
// getent line (the resolver's answer, as src/model/format.ts prints it), then
// one '\n'-separated field per extra value (a user's hash, then each key). One
// string per entry instead of an object, an array and a string per field;
// objects are rebuilt only when the library API is asked for one. Round trips
// are exact: validated fields hold no ':' or newline, members no ','.

import { formatGroup, formatPasswd } from '../model/format.js';
import type { Group, User } from '../model/types.js';

/** `passwd line \n hash [\n key]...` */
export type UserRecord = string;
/** `group line \n` */
export type GroupRecord = string;

// Array#join copies into one flat string; a template literal would keep every part (and its parent) alive.
/** The compact record of `user`. */
export function packUser(user: User): UserRecord {
  return [formatPasswd(user), user.password, ...user.keys].join('\n');
}

/** The compact record of `group`. */
export function packGroup(group: Group): GroupRecord {
  return [formatGroup(group), ''].join('\n');
}

/** The passwd line of a user record. */
export function passwdLine(record: UserRecord): string {
  return record.slice(0, record.indexOf('\n'));
}

/** The group line of a group record. */
export function groupLine(record: GroupRecord): string {
  return record.slice(0, -1);
}

/** The User a record was packed from. */
export function unpackUser(record: UserRecord): User {
  const [line = '', password = '', ...keys] = record.split('\n');
  const [name = '', , uid, gid, gecos = '', dir = '', shell = ''] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid), gecos, dir, shell, password, keys };
}

/** The Group a record was packed from. */
export function unpackGroup(record: GroupRecord): Group {
  const [name = '', , gid, members = ''] = groupLine(record).split(':');
  return { name, gid: Number(gid), members: members === '' ? [] : members.split(',') };
}

/** A user record's name, without splitting it. */
export function userName(record: UserRecord): string {
  return record.slice(0, record.indexOf(':'));
}

/** A group record's name, without splitting it. */
export const groupName: (record: GroupRecord) => string = userName;

/** A user or group record's numeric id (the third field). */
export function recordId(record: string): number {
  const start = record.indexOf(':', record.indexOf(':') + 1) + 1;
  return Number(record.slice(start, record.indexOf(':', start)));
}

// Scans the member field for `name` between ',' / ':' / end of line, allocating nothing.
/** Does the group record list `name` as a member? */
export function hasMember(record: GroupRecord, name: string): boolean {
  const end = record.length - 1;
  const start = record.lastIndexOf(':', end) + 1;
  for (let at = record.indexOf(name, start); at >= 0 && at < end; at = record.indexOf(name, at + 1)) {
    const after = at + name.length;
    if (
      (at === start || record.charCodeAt(at - 1) === 0x2c) &&
      (after === end || record.charCodeAt(after) === 0x2c)
    )
      return true;
  }
  return false;
}
