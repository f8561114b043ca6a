// Shared by the resolver-* reliability tests and test/load: a config file
// writer for a child resolver, a TCP switch that makes one endpoint URL
// refuse, blackhole or forward on demand, the C driver and getent through
// the module, and the daemon's resident memory.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { askResolver } from '../../src/daemon/client.js';
import { CLI, NODE, NSS_DIR, NSS_MODULE, ROOT } from '../e2e/support/paths.js';
import { baseEnv, type RunResult, run } from '../e2e/support/proc.js';
import { tempDir as sharedTempDir } from '../support/cleanup.js';

/** The C driver that calls _nss_stns_* and prints the entry or "STATUS ERRNO". */
export const DRIVER = join(ROOT, 'nss', 'build', 'driver');

/** A temp dir (0755, so nobody can reach sockets and helpers in it), removed after the test. */
export function tempDir(t: Pick<TestContext, 'after'>, prefix: string): string {
  const dir = sharedTempDir(t, prefix);
  writeFileSync(join(dir, '.keep'), '');
  return dir;
}

/** Socket paths of a resolver living in `dir`. */
export interface Sockets {
  publicSocket: string;
  privateSocket: string;
}

/** Where a resolver in `dir` listens (the run dir is created 0755). */
export function socketsIn(dir: string): Sockets {
  mkdirSync(join(dir, 'run'), { recursive: true, mode: 0o755 });
  return { publicSocket: join(dir, 'run', 'nss.sock'), privateSocket: join(dir, 'run', 'private.sock') };
}

/** What a child resolver's config file says. */
export interface ResolverConfigOptions {
  /** Endpoint URLs as configured (with /v1). */
  endpoints: string[];
  /** @default 1 */
  timeoutSec?: number;
  /** @default 0 */
  retry?: number;
  /** @default 0 */
  cooldownSec?: number;
  /** @default true */
  cache?: boolean;
  /** @default 600 */
  cacheTtlSec?: number;
  tlsCa?: string;
  /** Raw TOML lines added before [daemon]. @default [] */
  extra?: string[];
}

/** Writes a Go-dialect config (0644, no secrets) for a resolver on `sockets`; returns its path. */
export function writeResolverConfig(dir: string, sockets: Sockets, options: ResolverConfigOptions): string {
  const lines = [
    `api_end_point = ${JSON.stringify(options.endpoints)}`,
    `request_timeout = ${options.timeoutSec ?? 1}`,
    `retry_request = ${options.retry ?? 0}`,
    `endpoint_cooldown = ${options.cooldownSec ?? 0}`,
    `cache = ${options.cache ?? true}`,
    `cache_ttl = ${options.cacheTtlSec ?? 600}`,
    `cache_dir = ${JSON.stringify(join(dir, 'cache'))}`,
    'cache_snapshot = false',
    ...(options.tlsCa === undefined ? [] : [`tls_ca = ${JSON.stringify(options.tlsCa)}`]),
    ...(options.extra ?? []),
    '[daemon]',
    `public_socket = ${JSON.stringify(sockets.publicSocket)}`,
    `private_socket = ${JSON.stringify(sockets.privateSocket)}`,
  ];
  const path = join(dir, 'libnss_stns.conf');
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o644 });
  return path;
}

/** The argv (after node) of `stns-query serve` with this config. */
export function serveArgs(config: string, sockets: Sockets): string[] {
  return [
    CLI,
    '--config',
    config,
    'serve',
    '--public-socket',
    sockets.publicSocket,
    '--private-socket',
    sockets.privateSocket,
  ];
}

/** A helper script for STNS_QUERY_PATH that runs the CLI with `config`. */
export function writeCliHelper(dir: string, config: string): string {
  const path = join(dir, 'stns-query-helper');
  writeFileSync(path, `#!/bin/sh\nexec ${NODE} ${CLI} --config ${config} "$@"\n`, { mode: 0o755 });
  return path;
}

/** The environment of a module-using program pointed at `sockets` and `helper`. */
export function moduleEnv(
  sockets: Sockets,
  helper: string,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return baseEnv({
    LD_LIBRARY_PATH: NSS_DIR,
    STNS_QUERY_PUBLIC_SOCKET: sockets.publicSocket,
    STNS_QUERY_PRIVATE_SOCKET: sockets.privateSocket,
    STNS_QUERY_PATH: helper,
    ...extra,
  });
}

/** One finished run with its wall time. */
export interface TimedRun extends RunResult {
  elapsedMs: number;
}

// Runs a command and measures how long it took from spawn to exit.
async function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<TimedRun> {
  const started = Date.now();
  const result = await run(command, args, { env, timeoutMs: 60000 });
  return { ...result, elapsedMs: Date.now() - started };
}

/** `driver libnss_stns.so.2 <op> <key> 65536`: stdout is the entry or "STATUS ERRNO". */
export function driver(
  env: NodeJS.ProcessEnv,
  op: string,
  key: string,
  module = NSS_MODULE,
): Promise<TimedRun> {
  return timed(DRIVER, [module, op, key, '65536'], env);
}

/** `getent -s <db>:stns <db> [key]` with the module from env's LD_LIBRARY_PATH. */
export function getent(env: NodeJS.ProcessEnv, db: string, key?: string): Promise<TimedRun> {
  return timed('getent', ['-s', `${db}:stns`, db, ...(key === undefined ? [] : [key])], env);
}

/** The resident set size of a process in KiB, from /proc/<pid>/status. */
export function vmRssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/** The pid the resolver on `socket` reports in its status answer. */
export async function resolverPid(socket: string): Promise<number | null> {
  try {
    const answer = await askResolver(socket, 'status');
    if (answer?.status !== 0) return null;
    return (JSON.parse(answer.lines[0] ?? '{}') as { pid?: number }).pid ?? null;
  } catch {
    return null;
  }
}

/** How the switch treats new connections. */
export type SwitchMode = { kind: 'refuse' } | { kind: 'blackhole' } | { kind: 'forward'; port: number };

/** One 127.0.0.1 port whose behaviour a test changes while a resolver uses it. */
export interface TcpSwitch {
  url: string;
  port: number;
  /** Connections accepted while blackholing. */
  blackholed(): number;
  set(mode: SwitchMode): Promise<void>;
  close(): Promise<void>;
}

// Joins a client connection to 127.0.0.1:port in both directions.
function pipeTo(client: Socket, port: number): void {
  const upstream = tcpConnect(port, '127.0.0.1');
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.pipe(upstream).pipe(client);
}

// Listens on 127.0.0.1:port (0 = any) and returns the bound port.
function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

/** Starts a switch in `forward` or `refuse` mode; closing the listener is what makes it refuse. */
export async function startTcpSwitch(initial: SwitchMode): Promise<TcpSwitch> {
  let mode: SwitchMode = initial;
  let blackholed = 0;
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const open = async (port: number): Promise<number> => {
    server = createServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => {});
      if (mode.kind === 'forward') pipeTo(client, mode.port);
      else blackholed++;
    });
    return listenOn(server, port);
  };
  const shut = (): Promise<void> => {
    const current = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => (current ? current.close(() => resolve()) : resolve()));
  };
  const port = await open(0);
  if (initial.kind === 'refuse') await shut();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    blackholed: () => blackholed,
    set: async (next) => {
      mode = next;
      if (next.kind === 'refuse') await shut();
      else if (server === null) await open(port);
    },
    close: shut,
  };
}
