// Turns one protocol op into one Answer (status + getent lines). The CLI's
// direct path and the resident resolver both answer through here, which is
// what makes their output byte-identical.

import { type Answer, type Op, Status } from '../daemon/protocol.js';
import { StnsError } from '../errors.js';
import { formatGroup, formatPasswd, formatShadow } from '../model/format.js';
import type { StnsClient } from './types.js';

export interface ResolveOptions {
  /** May the caller see password hashes (root CLI, private socket)? */
  privileged: boolean;
}

const found = (lines: string[]): Answer => ({ status: Status.FOUND, lines });
const notFound: Answer = { status: Status.NOT_FOUND, lines: [] };
const one = <T>(entry: T | null, format: (e: T) => string): Answer =>
  entry === null ? notFound : found([format(entry)]);

/** A decimal id in 0..2^32-2, or null: anything else can never match an entry. */
export function parseId(text: string): number | null {
  if (!/^[0-9]{1,10}$/.test(text)) return null;
  const id = Number(text);
  return id <= 0xfffffffe ? id : null;
}

/** Answers `op arg` from `client`; typed failures become their status, never a throw. */
export async function resolve(
  client: StnsClient,
  op: Op,
  arg: string | undefined,
  options: ResolveOptions,
): Promise<Answer> {
  try {
    return await dispatch(client, op, arg ?? '', options);
  } catch (error) {
    if (!StnsError.isStnsError(error)) throw error;
    return { status: error.exitCode, lines: [error.message] };
  }
}

async function dispatch(client: StnsClient, op: Op, arg: string, options: ResolveOptions): Promise<Answer> {
  switch (op) {
    case 'getpwnam':
      return one(await client.getUserByName(arg), formatPasswd);
    case 'getpwuid': {
      const uid = parseId(arg);
      return uid === null ? notFound : one(await client.getUserById(uid), formatPasswd);
    }
    case 'getpwent':
      return found((await client.listUsers()).map(formatPasswd));
    case 'getgrnam':
      return one(await client.getGroupByName(arg), formatGroup);
    case 'getgrgid': {
      const gid = parseId(arg);
      return gid === null ? notFound : one(await client.getGroupById(gid), formatGroup);
    }
    case 'getgrent':
      return found((await client.listGroups()).map(formatGroup));
    case 'getspnam':
      if (!options.privileged) return refused('shadow entries are only shown to root');
      return one(await client.getUserByName(arg), formatShadow);
    case 'getspent':
      if (!options.privileged) return refused('shadow entries are only shown to root');
      return found((await client.listUsers()).map(formatShadow));
    case 'initgroups': {
      const groups = await client.getGroupsForUser(arg);
      return found(groups.map((g) => String(g.gid)));
    }
    case 'keys': {
      const keys = await client.getKeys(arg);
      return keys === null ? notFound : found(keys);
    }
    case 'status':
    case 'cache-clear':
      return { status: Status.BAD_REQUEST, lines: [`${op} is answered by the resident resolver only`] };
  }
}

function refused(message: string): Answer {
  return { status: Status.REFUSED, lines: [message] };
}
