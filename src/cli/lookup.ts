// The one lookup path every lookup command takes: boot guard, config, the
// resident resolver, else the servers directly. Answers go through
// src/api/resolve.ts either way, so the output is byte-identical to the
// resolver's (and therefore to what getent prints through the NSS module).
import { resolve } from '../api/resolve.js';
import { defaultConfig } from '../config/defaults.js';
import type { Config } from '../config/types.js';
import { askResolver } from '../daemon/client.js';
import {
  type Answer,
  encodeResponse,
  NSS_CHILD_ENV,
  OPS,
  type Op,
  PRIVATE_OPS,
  PUBLIC_SOCKET_ENV,
  Status,
} from '../daemon/protocol.js';
import { ConfigUnreadableError } from '../errors.js';
import { type LineKind, parseLine } from '../model/parse.js';
import { calledByGuardedProcess } from './boot-guard.js';
import { printError, warn, writeOut } from './io.js';
import { loadCliConfig } from './load-config.js';
import type { GlobalOptions } from './program.js';

/** Set by the NSS module when it execs us: it already found no resolver, so do not ask one again. */
export { NSS_CHILD_ENV };

const NOT_FOUND: Answer = { status: Status.NOT_FOUND, lines: [] };

/** What the lines of each op's answer are, for `--json`. */
const LINE_KIND: Record<Exclude<Op, 'status' | 'cache-clear'>, LineKind> = {
  getpwnam: 'passwd',
  getpwuid: 'passwd',
  getpwent: 'passwd',
  getgrnam: 'group',
  getgrgid: 'group',
  getgrent: 'group',
  getspnam: 'shadow',
  getspent: 'shadow',
  initgroups: 'gid',
  keys: 'key',
};

/** Is this process root (the only caller that may see password hashes)? */
export function isPrivileged(): boolean {
  return process.geteuid?.() === 0;
}

/**
 * Where a lookup is answered from: the config (its resolver, then its
 * servers), or, for a caller who may not read the config (0600 root: it holds
 * credentials), the resolver on the default public socket alone, which needs
 * none of it.
 */
export type LookupSource = Config | ConfigUnreadableError;

/** The config, or the refusal to read it when that leaves a non-root caller the resolver. */
export async function loadSource(global: Pick<GlobalOptions, 'config'>): Promise<LookupSource> {
  try {
    return await loadCliConfig(global);
  } catch (error) {
    if (error instanceof ConfigUnreadableError && !isPrivileged()) return error;
    throw error;
  }
}

/**
 * The lookup source, or null when an early-boot caller must get "not found" at once.
 * The built-in list is checked before the config is even read; the configured one right after.
 */
export async function sourceUnlessGuarded(
  global: Pick<GlobalOptions, 'config'>,
): Promise<LookupSource | null> {
  if (calledByGuardedProcess()) return null;
  const source = await loadSource(global);
  if (source instanceof ConfigUnreadableError) return source;
  return calledByGuardedProcess(source.bootGuardProcesses) ? null : source;
}

/**
 * The resolver socket this caller asks: the config's (the private one for
 * root); without a readable config, the one the NSS module asks, which its
 * environment may move as it does the module's.
 */
export function resolverSocket(source: LookupSource, privileged: boolean): string {
  if (source instanceof ConfigUnreadableError)
    return process.env[PUBLIC_SOCKET_ENV] || defaultConfig().daemon.publicSocket;
  return privileged ? source.daemon.privateSocket : source.daemon.publicSocket;
}

// A key that no server entry can have (protocol §Request): answering it needs no network.
function impossibleArg(arg: string): boolean {
  return Buffer.byteLength(arg) > 255 || /[\s:,\p{Cc}]/u.test(arg);
}

/** Answers `op arg`: the resident resolver when one listens, else the servers directly. */
export async function answer(source: LookupSource, op: Op, arg: string | undefined): Promise<Answer> {
  const privileged = isPrivileged();
  if (PRIVATE_OPS.has(op) && !privileged) {
    return { status: Status.REFUSED, lines: ['shadow entries are only shown to root: run this as root'] };
  }
  if (OPS[op] === 'required' && (arg === undefined || arg === '' || impossibleArg(arg))) return NOT_FOUND;
  const socket = resolverSocket(source, privileged);
  if (process.env[NSS_CHILD_ENV] === undefined) {
    const fromResolver = await askResolver(socket, op, arg);
    if (fromResolver !== null) return fromResolver;
  }
  if (source instanceof ConfigUnreadableError) {
    const message = `no resolver answers at ${socket}, and uid ${process.geteuid?.()} may not read ${source.path} to ask the servers: start the resolver (systemctl start stns-query) or run as root`;
    throw new ConfigUnreadableError(message, source.path);
  }
  const { createClient } = await import('../api/client.js');
  const client = createClient(source, { warn });
  try {
    return await resolve(client, op, arg, { privileged });
  } finally {
    await client.close();
  }
}

/** stdout text for found lines: getent lines, or one JSON array with `--json`. */
export function renderLines(op: Op, lines: readonly string[], json: boolean): string {
  if (!json) return lines.map((line) => `${line}\n`).join('');
  const kind = op in LINE_KIND ? LINE_KIND[op as keyof typeof LINE_KIND] : 'key';
  return `${JSON.stringify(lines.map((line) => parseLine(kind, line)))}\n`;
}

/** Prints a non-zero answer's message (nothing for "not found", like getent) and returns its status. */
export function reportFailure(result: Answer): number {
  const message = result.lines[0];
  if (message !== undefined && message !== '') printError(message);
  return result.status;
}

/** `stns-query <op> [arg]` and `passwd|group|shadow [key]`: prints the answer, returns the exit code. */
export async function runLookup(op: Op, arg: string | undefined, global: GlobalOptions): Promise<number> {
  const source = await sourceUnlessGuarded(global);
  const result = source === null ? NOT_FOUND : await answer(source, op, arg);
  if (global.framed) {
    await writeOut(encodeResponse(result));
    return result.status;
  }
  if (result.status !== Status.FOUND) return reportFailure(result);
  await writeOut(renderLines(op, result.lines, global.json));
  return Status.FOUND;
}
