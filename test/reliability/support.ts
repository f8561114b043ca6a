// Shared by the reliability tests: the secrets every faulty config carries
// (and no message may show), a Go-dialect config writer with TLS and auth,
// and the glibc-rule line checks the hostile and property tests apply.

import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Credentials configured on every faulty endpoint; none may appear in any message. */
export const SECRETS = {
  user: 'stns-reader',
  password: 'pw-Secret-4711-do-not-print',
  token: 'tok-Secret-0815-do-not-print',
} as const;

/** Every form in which a secret could leak: raw, and inside a basic-auth header. */
export const SECRET_FORMS = [
  SECRETS.password,
  SECRETS.token,
  Buffer.from(`${SECRETS.user}:${SECRETS.password}`).toString('base64'),
];

/** Asserts that `text` holds no form of a configured secret. */
export function assertNoSecret(text: string): void {
  for (const secret of SECRET_FORMS) assert.ok(!text.includes(secret), `a secret leaked into: ${text}`);
}

/** What a CLI config file says beyond the endpoints. */
export interface CliConfigOptions {
  endpoints: string[];
  timeoutSec?: number;
  retry?: number;
  maxResponseBytes?: number;
  tlsCa?: string;
  /** Which credential to configure (a file with both draws a warning). @default 'basic' */
  secrets?: 'basic' | 'token' | 'none';
}

/**
 * Writes a Go-dialect config (mode 0600) whose resolver sockets point into
 * `dir`, where nothing listens, so the CLI always takes the direct path.
 */
export function writeCliConfig(dir: string, options: CliConfigOptions): string {
  const lines = [
    `api_end_point = ${JSON.stringify(options.endpoints)}`,
    `request_timeout = ${options.timeoutSec ?? 1}`,
    `retry_request = ${options.retry ?? 1}`,
  ];
  if (options.maxResponseBytes !== undefined) lines.push(`max_response_bytes = ${options.maxResponseBytes}`);
  if (options.tlsCa !== undefined) lines.push(`tls_ca = ${JSON.stringify(options.tlsCa)}`);
  const secrets = options.secrets ?? 'basic';
  if (secrets === 'basic') lines.push(`user = "${SECRETS.user}"`, `password = "${SECRETS.password}"`);
  if (secrets === 'token') lines.push(`auth_token = "${SECRETS.token}"`);
  lines.push(
    '[daemon]',
    `public_socket = "${join(dir, 'nss.sock')}"`,
    `private_socket = "${join(dir, 'private.sock')}"`,
  );
  const path = join(dir, 'libnss_stns.conf');
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

// Runs "$@" after the mounts below; $1 is the nsswitch.conf to put in place.
// -n on every mount: libmount would otherwise create /run/mount on the host.
const OFFLINE_SETUP = `set -eu
mount -n --make-rprivate /
mount -n -t tmpfs -o mode=0755,size=1m stns-offline-run /run
mount -n --bind "$1" /etc/nsswitch.conf
shift
exec "$@"
`;

/**
 * Arguments for `unshare` that run a command (appended) with no network and
 * no DNS: new mount and network namespaces (the only interface, loopback, is
 * down), an /etc/nsswitch.conf saying `hosts: files`, and a tmpfs over /run
 * hiding any nscd socket. A name missing from /etc/hosts then fails to
 * resolve without a packet leaving the machine, whose resolv.conf names a
 * server off it. Needs root, like the other namespace tests.
 */
export function offlineUnshareArgs(dir: string): string[] {
  const nsswitch = join(dir, 'nsswitch-offline.conf');
  writeFileSync(nsswitch, 'passwd: files\ngroup: files\nhosts: files\n', { mode: 0o644 });
  return ['-m', '-n', '--propagation', 'private', 'sh', '-c', OFFLINE_SETUP, 'sh', nsswitch];
}

/** Asserts the CLI's stderr is exactly one `stns-query:` line, without a stack trace. */
export function assertOneLineError(stderr: string): void {
  assert.match(stderr, /^stns-query: [^\n]+\n$/, `stderr is not one line: ${JSON.stringify(stderr)}`);
  assert.doesNotMatch(stderr, /\bat .+:\d+:\d+\)?$/m, 'stderr holds a stack trace');
}

const MAX_ID = 0xfffffffe;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A passwd line split on `:` the way glibc's parser splits it, with ids as numbers. */
export interface GlibcPasswd {
  name: string;
  passwd: string;
  uid: number;
  gid: number;
  gecos: string;
  dir: string;
  shell: string;
}

/** A group line split the way glibc splits it: 4 `:` fields, members on `,`. */
export interface GlibcGroup {
  name: string;
  passwd: string;
  gid: number;
  members: string[];
}

// The line's UTF-8 bytes split on byte `sep`, each part decoded strictly (glibc sees bytes, not UTF-16).
function splitBytes(line: string, sep: string): string[] {
  const bytes = Buffer.from(line, 'utf8');
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === sep.charCodeAt(0)) {
      parts.push(utf8.decode(bytes.subarray(start, i)));
      start = i + 1;
    }
  }
  return parts;
}

// A decimal id field as strtoul reads it, required in 1..2^32-2 (0 would be root).
function glibcId(text: string, what: string, line: string): number {
  assert.match(text, /^[0-9]{1,10}$/, `${what} field ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  const id = Number(text);
  assert.ok(id >= 1 && id <= MAX_ID, `${what} ${id} out of 1..${MAX_ID} in ${JSON.stringify(line)}`);
  return id;
}

// No NUL, CR or newline anywhere: glibc would cut the line there.
function assertNoBreaks(line: string): void {
  assert.doesNotMatch(line, /[\n\r\0]/, `line holds a newline, CR or NUL: ${JSON.stringify(line)}`);
  assert.equal(
    Buffer.from(line, 'utf8').toString('utf8'),
    line,
    `line is not valid Unicode: ${JSON.stringify(line)}`,
  );
}

/** Parses a passwd line with glibc's rules, asserting it is one a getent caller reads as we meant it. */
export function glibcPasswd(line: string): GlibcPasswd {
  assertNoBreaks(line);
  const f = splitBytes(line, ':');
  assert.equal(f.length, 7, `passwd line needs exactly 7 fields: ${JSON.stringify(line)}`);
  const [name = '', passwd = '', uid = '', gid = '', gecos = '', dir = '', shell = ''] = f;
  assert.ok(name !== '' && name !== 'root', `bad passwd name in ${JSON.stringify(line)}`);
  assert.doesNotMatch(name, /[\s,]/, `passwd name with whitespace or ',': ${JSON.stringify(line)}`);
  return {
    name,
    passwd,
    uid: glibcId(uid, 'uid', line),
    gid: glibcId(gid, 'gid', line),
    gecos,
    dir,
    shell,
  };
}

/** Parses a group line with glibc's rules (members split on `,`). */
export function glibcGroup(line: string): GlibcGroup {
  assertNoBreaks(line);
  const f = splitBytes(line, ':');
  assert.equal(f.length, 4, `group line needs exactly 4 fields: ${JSON.stringify(line)}`);
  const [name = '', passwd = '', gid = '', members = ''] = f;
  assert.ok(name !== '' && name !== 'root', `bad group name in ${JSON.stringify(line)}`);
  const list = members === '' ? [] : members.split(',');
  const bad = list.find((m) => !/^[^\s,:]+$/.test(m));
  assert.equal(bad, undefined, `bad member ${JSON.stringify(bad)} in group ${JSON.stringify(name)}`);
  return { name, passwd, gid: glibcId(gid, 'gid', line), members: list };
}

/** An authorized_keys line: one line, no NUL or CR, not empty. */
export function assertKeyLine(line: string): void {
  assertNoBreaks(line);
  assert.notEqual(line.trim(), '', 'empty key line');
}
