// Mirrors nss/protocol.h; docs/PROTOCOL.md is the spec. A test checks the two agree.

export const PROTOCOL_MAGIC = 'STNS1';

/**
 * Loop guard shared with the module (nss/common.c): set in a process, it makes
 * every libnss_stns lookup in that process fail at once. The module sets it for
 * the helper it execs; the resolver sets it on itself, so nothing either does
 * can ask the resolver back and wait on itself.
 */
export const NSS_CHILD_ENV = 'STNS_QUERY_NSS_CHILD';
/** Moves the public socket the module (and the CLI without a readable config) asks; ignored by setuid callers. */
export const PUBLIC_SOCKET_ENV = 'STNS_QUERY_PUBLIC_SOCKET';
/** PATH the module gives its helper (and Debian's sshd its AuthorizedKeysCommand): `env node` must resolve here. */
export const HELPER_PATH = '/usr/local/bin:/usr/bin:/bin';
export const MAX_REQUEST_BYTES = 256;
export const MAX_HEADER_BYTES = 64;
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
export const REQUEST_READ_TIMEOUT_MS = 2000;
export const RESPONSE_WRITE_TIMEOUT_MS = 10000;
export const MAX_CONNECTIONS = 512;

/** Every op a request may carry, with whether it takes an argument. */
export const OPS = {
  getpwnam: 'required',
  getpwuid: 'required',
  getpwent: 'none',
  getgrnam: 'required',
  getgrgid: 'required',
  getgrent: 'none',
  getspnam: 'required',
  getspent: 'none',
  initgroups: 'required',
  keys: 'required',
  status: 'none',
  'cache-clear': 'optional',
} as const;
export type Op = keyof typeof OPS;

/** Ops the public (0666) socket refuses with status 77. */
export const PRIVATE_OPS: ReadonlySet<Op> = new Set<Op>(['getspnam', 'getspent', 'cache-clear']);

/** Response statuses; identical to the CLI exit codes in src/errors.ts. */
export const Status = {
  FOUND: 0,
  BAD_REQUEST: 1,
  NOT_FOUND: 2,
  ENUMERATION_DISABLED: 3,
  UNAVAILABLE: 69,
  REFUSED: 77,
  CONFIG: 78,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/** One answer: a status and the lines of its body (without trailing newlines). */
export interface Answer {
  status: number;
  lines: string[];
}

export function encodeRequest(op: Op, arg?: string): string {
  return arg === undefined ? `${PROTOCOL_MAGIC} ${op}\n` : `${PROTOCOL_MAGIC} ${op} ${arg}\n`;
}

export function encodeResponse(answer: Answer): Buffer {
  const body = Buffer.from(answer.lines.map((line) => `${line}\n`).join(''), 'utf8');
  const header = Buffer.from(`${PROTOCOL_MAGIC} ${answer.status} ${body.length}\n`, 'ascii');
  return Buffer.concat([header, body]);
}
