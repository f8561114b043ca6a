// Measures the resident resolver the way the NSS module uses it: one unix
// socket connection per lookup, from C threads (scripts/bench/loadgen.c,
// compiled with gcc into a temp dir). Every figure is set against a baseline
// measured in the same run: the same generator against a trivial Node echo
// server (the floor any Node resolver can reach) and a C echo server (the
// floor of the machine).

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient } from '../src/api/client.js';
import { askResolver } from '../src/daemon/client.js';
import { testConfig } from '../test/support/config.js';
import { startStnsServer, type TestServer } from '../test/support/stns-server.js';

const BIN = fileURLToPath(new URL('../../bin/stns-query', import.meta.url));
const LOADGEN_SOURCE = fileURLToPath(new URL('../../scripts/bench/loadgen.c', import.meta.url));
const USERS = 10_000;
const GROUPS = 10_000;
const HIT_REQUESTS = 10_000;
const HIT_REPEATS = 3;
const CONCURRENCY = [1, 4, 16] as const;
const SETTLE_MS = 15_000;
/** The young-generation cap suggested for the systemd unit, measured as a variant. */
const UNIT_FILE = fileURLToPath(new URL('../../contrib/stns-query.service', import.meta.url));

/** The `Environment=` settings of the shipped systemd unit, so the bench measures what it runs. */
function unitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of readFileSync(UNIT_FILE, 'utf8').matchAll(
    /^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm,
  )) {
    env[match[1] as string] = match[2] as string;
  }
  return env;
}
/** Installed in the bench's daemon only: SIGUSR2 forces a full GC, so RSS can be read both ways. */
const GC_ON_SIGUSR2 = 'data:text/javascript,process.on("SIGUSR2",()=>globalThis.gc())';
const ECHO_RESPONSE = 'STNS1 0 37\\nu1:x:10001:20001::/home/u1:/bin/bash\\n';
const NODE_ECHO = `
const server = require('node:net').createServer({ allowHalfOpen: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.once('data', () => socket.end('${ECHO_RESPONSE}', () => socket.destroy()));
});
server.listen(process.argv[1], () => console.log('listening'));`;

/** One loadgen run: C threads, one connection per lookup. */
export interface LoadRun {
  lookupsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

interface HitRow {
  concurrentClients: number;
  daemon: LoadRun;
  nodeEchoServer: LoadRun;
  cEchoServer: LoadRun;
  daemonThroughputVsNodeEcho: number;
  daemonThroughputVsCEcho: number;
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

// Deterministic base64-looking text, distinct per seed, so no two keys share a string.
function pseudoBase64(seed: number, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let state = (seed * 2654435761) >>> 0 || 1;
  let text = '';
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    text += alphabet[(state >>> 0) % 64];
  }
  return text;
}

// Realistic sizes: an ed25519 key each, an RSA-3072 key for every other user, a sha512-crypt hash, 3-5 members per group.
export function dataset(): string {
  const lines: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const keys = [`"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${pseudoBase64(i, 43)} u${i}@laptop"`];
    if (i % 2 === 0)
      keys.push(`"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ${pseudoBase64(i + USERS, 520)} u${i}@desktop"`);
    lines.push(
      `[users.u${i}]`,
      `id = ${10_000 + i}`,
      `group_id = ${20_000 + (i % GROUPS)}`,
      `directory = "/home/u${i}"`,
      `shell = "/bin/bash"`,
      `gecos = "User Number ${i},Room ${i % 500},+81-3-0000-${String(i).padStart(4, '0')}"`,
      `password = "$6$${pseudoBase64(i + 2 * USERS, 16)}$${pseudoBase64(i + 3 * USERS, 86)}"`,
      `keys = [${keys.join(', ')}]`,
    );
  }
  for (let i = 0; i < GROUPS; i++) {
    const members = Array.from({ length: 3 + (i % 3) }, (_, k) => `"u${(i * 7 + k * 131) % USERS}"`);
    lines.push(`[groups.g${i}]`, `id = ${20_000 + i}`, `users = [${members.join(', ')}]`);
  }
  return lines.join('\n');
}

function compileLoadgen(dir: string): string {
  const binary = join(dir, 'loadgen');
  execFileSync('gcc', ['-O2', '-pthread', '-o', binary, LOADGEN_SOURCE], { stdio: 'inherit' });
  return binary;
}

// Runs the C generator in a child process, so this process's event loop (the STNS server) stays free.
function loadgen(
  binary: string,
  socket: string,
  threads: number,
  requests: number,
  userPrefix = 'u',
  distinct = USERS,
): Promise<LoadRun> {
  return new Promise((resolve, reject) => {
    const args = [socket, String(threads), String(requests), 'getpwnam', userPrefix, String(distinct)];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) return reject(new Error(`loadgen ${args.join(' ')} exited ${status}`));
      const run = JSON.parse(out) as LoadRun & { threads: number; requests: number };
      resolve({
        lookupsPerSec: run.lookupsPerSec,
        p50Ms: run.p50Ms,
        p99Ms: run.p99Ms,
        maxMs: run.maxMs,
        errors: run.errors,
      });
    });
  });
}

// The run with the median throughput of `repeats`, so one scheduler hiccup does not decide the figure.
async function medianRun(repeats: number, once: () => Promise<LoadRun>): Promise<LoadRun> {
  const runs: LoadRun[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await once());
  runs.sort((a, b) => a.lookupsPerSec - b.lookupsPerSec);
  return runs[Math.floor(runs.length / 2)] as LoadRun;
}

// Starts `command` and resolves once `ready()` says it answers; killed if it never does.
async function spawnReady(
  command: string,
  args: string[],
  ready: () => Promise<boolean>,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildProcess> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await ready()) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`bench: ${what} did not start within 15 s`);
}

function spawnDaemon(
  configPath: string,
  dir: string,
  env: Record<string, string> = {},
  name = '',
): Promise<ChildProcess> {
  const socket = join(dir, `${name}nss.sock`);
  const args = ['--expose-gc', '--import', GC_ON_SIGUSR2, BIN, '--config', configPath, 'serve'];
  args.push('--public-socket', socket, '--private-socket', join(dir, `${name}private.sock`));
  return spawnReady(
    process.execPath,
    args,
    async () => (await askResolver(socket, 'status')) !== null,
    'the resolver',
    { ...process.env, ...env },
  );
}

function answersOn(socket: string): () => Promise<boolean> {
  return async () => (await askResolver(socket, 'getpwnam', 'u1', 1000)) !== null;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return round(kib / 1024, 1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * RSS 1 s after the work, after a forced full GC (SIGUSR2 in the bench's
 * daemon), and after `settleMs` idle: V8 gives the grown young generation
 * back only when its memory reducer runs on an idle heap, which gc() does not do.
 */
async function rssThreeWays(pid: number, settleMs: number) {
  await sleep(1000);
  const asIs = rssMiB(pid);
  process.kill(pid, 'SIGUSR2');
  await sleep(1000);
  const afterGc = rssMiB(pid);
  await sleep(settleMs);
  return { asIs, afterGc, afterIdle: rssMiB(pid) };
}

// Fills a fresh daemon started with `env` with every user and group; its RSS three ways.
async function filledRss(configPath: string, dir: string, env: Record<string, string>, name: string) {
  const daemon = await spawnDaemon(configPath, dir, env, name);
  try {
    const socket = join(dir, `${name}nss.sock`);
    const idle = await rssThreeWays(daemon.pid as number, 0);
    if ((await askResolver(socket, 'getpwent'))?.lines.length !== USERS) throw new Error('bench: getpwent');
    if ((await askResolver(socket, 'getgrent'))?.lines.length !== GROUPS) throw new Error('bench: getgrent');
    return { idle, full: await rssThreeWays(daemon.pid as number, SETTLE_MS) };
  } finally {
    await stop(daemon);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

// Median latency of `count` sequential lookups of names no cache has seen.
async function medianMs(count: number, lookup: (i: number) => Promise<unknown>): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await lookup(i);
    latencies.push(performance.now() - t0);
  }
  return round(
    percentile(
      latencies.sort((a, b) => a - b),
      0.5,
    ),
  );
}

async function missVersusDirect(server: TestServer, socket: string) {
  const direct = createClient(testConfig({ endpoints: [`${server.url}/v1`] }));
  try {
    await direct.getUserByName('u9999');
    const viaDaemon = await medianMs(200, (i) => askResolver(socket, 'getpwnam', `u${i}`));
    const direct1 = await medianMs(200, (i) => direct.getUserByName(`u${1000 + i}`));
    return {
      cacheMissThroughDaemonP50Ms: viaDaemon,
      directHttpRequestP50Ms: direct1,
      cacheMissVsDirect: round(viaDaemon / direct1, 2),
    };
  } finally {
    await direct.close();
  }
}

const dataRequests = (server: TestServer): number =>
  server.requests.filter((r) => !/\/(status|healthcheck)$/.test(r.url)).length;

interface RssFigures {
  idleEmptyCacheAfterGcMiB: number;
  with10kUsersAnd10kGroupsMiB: number;
  with10kUsersAnd10kGroupsAfterGcMiB: number;
  with10kUsersAnd10kGroupsAfterIdleMiB: number;
}

function markdownTable(
  rows: HitRow[],
  rss: RssFigures & { incrementAfterIdleMiB: number; asTheSystemdUnitRunsIt: RssFigures },
  miss: Record<string, number>,
  served: number,
) {
  const three = (r: RssFigures) =>
    `${r.with10kUsersAnd10kGroupsMiB} / ${r.with10kUsersAnd10kGroupsAfterGcMiB} / ${r.with10kUsersAnd10kGroupsAfterIdleMiB} MiB`;
  const run = (r: LoadRun) => `${r.lookupsPerSec} /s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`;
  const lines = [
    '| concurrent clients | daemon (cache hit, the unit Environment=) | Node echo server | C echo server | daemon ÷ Node echo | daemon ÷ C echo |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.concurrentClients} | ${run(r.daemon)} | ${run(r.nodeEchoServer)} | ${run(r.cEchoServer)} | ${r.daemonThroughputVsNodeEcho}× | ${r.daemonThroughputVsCEcho}× |`,
    ),
    '',
    '| measure | value |',
    '|---|---|',
    `| RSS idle, empty cache (after GC) | ${rss.idleEmptyCacheAfterGcMiB} MiB |`,
    `| RSS with ${USERS} users + ${GROUPS} groups cached (1 s after / forced GC / ${SETTLE_MS / 1000} s idle) | ${three(rss)} |`,
    `| same, run as contrib/stns-query.service runs it (${Object.entries(unitEnvironment())
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}) | ${three(rss.asTheSystemdUnitRunsIt)} |`,
    `| RSS increment for the cached entries (idle vs idle) | ${rss.incrementAfterIdleMiB} MiB |`,
    `| cache miss through the daemon vs direct HTTP request (p50) | ${miss.cacheMissThroughDaemonP50Ms} ms vs ${miss.directHttpRequestP50Ms} ms (${miss.cacheMissVsDirect}×) |`,
    `| STNS server requests for 10000 lookups of 100 distinct users | ${served} |`,
  ];
  return lines.join('\n');
}

/** Runs every daemon measurement once and returns them, with a markdown table under `markdown`. */
export async function benchDaemon(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'stns-bench-daemon-'));
  const server = await startStnsServer({ data: dataset() });
  const configPath = join(dir, 'libnss_stns.conf');
  const config = [`api_end_point = ["${server.url}/v1"]`, `cache_dir = "${join(dir, 'cache')}"`];
  writeFileSync(configPath, [...config, 'cache_snapshot = false', ''].join('\n'), { mode: 0o600 });
  const socket = join(dir, 'nss.sock');
  const nodeEchoSocket = join(dir, 'node-echo.sock');
  const cEchoSocket = join(dir, 'c-echo.sock');
  const children: ChildProcess[] = [];
  try {
    const binary = compileLoadgen(dir);
    const daemon = await spawnDaemon(configPath, dir);
    children.push(daemon);
    const miss = await missVersusDirect(server, socket);

    await askResolver(join(dir, 'private.sock'), 'cache-clear');
    const before = dataRequests(server);
    const fanIn = await loadgen(binary, socket, 16, 10_000, 'u', 100);
    if (fanIn.errors > 0) throw new Error(`bench: ${fanIn.errors} lookups of 100 users failed`);
    const serverRequests = dataRequests(server) - before;

    await stop(daemon);
    const plain = await filledRss(configPath, dir, {}, 'rss-');
    const capped = await filledRss(configPath, dir, unitEnvironment(), 'rss-unit-');
    const rss = {
      idleEmptyCacheAfterGcMiB: plain.idle.afterGc,
      with10kUsersAnd10kGroupsMiB: plain.full.asIs,
      with10kUsersAnd10kGroupsAfterGcMiB: plain.full.afterGc,
      with10kUsersAnd10kGroupsAfterIdleMiB: plain.full.afterIdle,
      incrementAfterIdleMiB: round(plain.full.afterIdle - plain.idle.afterGc, 1),
      asTheSystemdUnitRunsIt: {
        idleEmptyCacheAfterGcMiB: capped.idle.afterGc,
        with10kUsersAnd10kGroupsMiB: capped.full.asIs,
        with10kUsersAnd10kGroupsAfterGcMiB: capped.full.afterGc,
        with10kUsersAnd10kGroupsAfterIdleMiB: capped.full.afterIdle,
      },
    };
    const hitDaemon = await spawnDaemon(configPath, dir, unitEnvironment(), 'hit-');
    children.push(hitDaemon);
    const hitSocket = join(dir, 'hit-nss.sock');
    if ((await askResolver(hitSocket, 'getpwent'))?.lines.length !== USERS)
      throw new Error('bench: getpwent');
    const nodeEcho = await spawnReady(
      process.execPath,
      ['-e', NODE_ECHO, nodeEchoSocket],
      answersOn(nodeEchoSocket),
      'node echo',
    );
    children.push(nodeEcho);
    children.push(await spawnReady(binary, ['--echo', cEchoSocket], answersOn(cEchoSocket), 'C echo'));
    for (const target of [hitSocket, nodeEchoSocket, cEchoSocket]) await loadgen(binary, target, 4, 3000);
    const hits: HitRow[] = [];
    for (const clients of CONCURRENCY) {
      const daemonRun = await medianRun(HIT_REPEATS, () => loadgen(binary, hitSocket, clients, HIT_REQUESTS));
      const nodeEchoRun = await medianRun(HIT_REPEATS, () =>
        loadgen(binary, nodeEchoSocket, clients, HIT_REQUESTS),
      );
      const cEcho = await medianRun(HIT_REPEATS, () => loadgen(binary, cEchoSocket, clients, HIT_REQUESTS));
      hits.push({
        concurrentClients: clients,
        daemon: daemonRun,
        nodeEchoServer: nodeEchoRun,
        cEchoServer: cEcho,
        daemonThroughputVsNodeEcho: round(daemonRun.lookupsPerSec / nodeEchoRun.lookupsPerSec, 2),
        daemonThroughputVsCEcho: round(daemonRun.lookupsPerSec / cEcho.lookupsPerSec, 2),
      });
    }
    return {
      machine: { cpus: cpus().length, node: process.version },
      method:
        'C load generator (scripts/bench/loadgen.c), one thread per concurrent client, one unix-socket connection per getpwnam over 10000 cached users; each figure is the median-throughput run of 3 x 10000 lookups; the daemon runs with the Environment= of contrib/stns-query.service, as shipped',
      cacheHitGetpwnam: hits,
      targetsMet: {
        atLeast10kLookupsPerSec: hits.every((r) => r.daemon.lookupsPerSec >= 10_000),
        p99Below2Ms: hits.every((r) => r.daemon.p99Ms < 2),
        // The same two targets for the trivial Node echo server: when it misses them too, the machine is the limit.
        nodeEchoAtLeast10kLookupsPerSec: hits.every((r) => r.nodeEchoServer.lookupsPerSec >= 10_000),
        nodeEchoP99Below2Ms: hits.every((r) => r.nodeEchoServer.p99Ms < 2),
        rssAfterGcAtMost80MiB: plain.full.afterGc <= 80,
        rssAfterIdleAtMost80MiB: plain.full.afterIdle <= 80,
        rssAfterGcAtMost80MiBAsTheUnitRunsIt: capped.full.afterGc <= 80,
        rssAfterIdleAtMost80MiBAsTheUnitRunsIt: capped.full.afterIdle <= 80,
      },
      ...miss,
      rss,
      serverRequestsFor10kLookupsOf100DistinctUsers: serverRequests,
      markdown: markdownTable(hits, rss, miss, serverRequests),
    };
  } finally {
    for (const child of children.reverse()) await stop(child);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await benchDaemon();
  const { markdown, ...rest } = figures;
  console.log(JSON.stringify(rest, null, 2));
  console.log(markdown);
}
