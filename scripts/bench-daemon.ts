// Measures the resident resolver the way the NSS module uses it: one unix
// socket connection per lookup. The Node load generator shares the two cores
// with the daemon, so the same generator is also run against a trivial echo
// server in the same run; the ratio between the two is the meaningful number.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient } from '../src/api/client.js';
import { askResolver } from '../src/daemon/client.js';
import { encodeResponse, type Op } from '../src/daemon/protocol.js';
import { testConfig } from '../test/support/config.js';
import { startStnsServer, type TestServer } from '../test/support/stns-server.js';

const BIN = fileURLToPath(new URL('../../bin/stns-query', import.meta.url));
const USERS = 10_000;
const GROUPS = 10_000;
const REQUESTS_PER_RUN = 3000;

interface LatencyRun {
  concurrency: number;
  lookupsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

function dataset(): string {
  const lines: string[] = [];
  for (let i = 0; i < USERS; i++)
    lines.push(`[users.u${i}]`, `id = ${10_000 + i}`, `group_id = ${20_000 + (i % GROUPS)}`);
  for (let i = 0; i < GROUPS; i++) lines.push(`[groups.g${i}]`, `id = ${20_000 + i}`, `users = ["u${i}"]`);
  return lines.join('\n');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

// `concurrency` async loops, each doing one connection per request until the total is reached.
async function load(
  socket: string,
  concurrency: number,
  op: Op,
  arg: (i: number) => string,
  total = REQUESTS_PER_RUN,
): Promise<LatencyRun> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      const answer = await askResolver(socket, op, arg(i));
      if (answer?.status !== 0)
        throw new Error(`bench lookup ${op} ${arg(i)} failed: ${JSON.stringify(answer)}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    lookupsPerSec: Math.round(latencies.length / elapsed),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
  };
}

// The cheapest possible resolver: answers every line with one fixed passwd line.
async function startEcho(path: string): Promise<Server> {
  const response = encodeResponse({ status: 0, lines: ['u1:x:10001:20001::/home/u1:/bin/bash'] });
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', () => socket.end(response, () => socket.destroy()));
  });
  await new Promise<void>((done) => server.listen(path, done));
  return server;
}

async function spawnDaemon(configPath: string, dir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      '--config',
      configPath,
      'serve',
      '--public-socket',
      join(dir, 'nss.sock'),
      '--private-socket',
      join(dir, 'private.sock'),
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if ((await askResolver(join(dir, 'nss.sock'), 'status')) !== null) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('bench: the resolver did not start within 15 s');
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return round(kib / 1024, 1);
}

// Median latency of `count` lookups of names no cache has seen.
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

async function missVersusDirect(server: TestServer, socket: string): Promise<Record<string, number>> {
  const direct = createClient(testConfig({ endpoints: [`${server.url}/v1`] }));
  try {
    await direct.getUserByName('u9999');
    const daemonMiss = await medianMs(200, (i) => askResolver(socket, 'getpwnam', `u${i}`));
    const directRequest = await medianMs(200, (i) => direct.getUserByName(`u${1000 + i}`));
    return { daemonMissP50Ms: daemonMiss, directRequestP50Ms: directRequest };
  } finally {
    await direct.close();
  }
}

/** Runs every daemon measurement once and returns them as one flat-ish record. */
export async function benchDaemon(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'stns-bench-daemon-'));
  const server = await startStnsServer({ data: dataset() });
  const configPath = join(dir, 'libnss_stns.conf');
  writeFileSync(
    configPath,
    [
      `api_end_point = ["${server.url}/v1"]`,
      `cache_dir = "${join(dir, 'cache')}"`,
      'cache_snapshot = false',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const socket = join(dir, 'nss.sock');
  const echoSocket = join(dir, 'echo.sock');
  let daemon: ChildProcess | undefined;
  let echo: Server | undefined;
  try {
    daemon = await spawnDaemon(configPath, dir);
    const miss = await missVersusDirect(server, socket);

    const before = server.requests.length;
    await askResolver(join(dir, 'private.sock'), 'cache-clear');
    await load(socket, 16, 'getpwnam', (i) => `u${i % 100}`, 10_000);
    const serverRequestsFor100Distinct = server.requests.length - before;

    await askResolver(socket, 'getpwent');
    await askResolver(socket, 'getgrent');
    const rssWith10kUsersAnd10kGroupsMiB = rssMiB(daemon.pid as number);

    echo = await startEcho(echoSocket);
    await load(echoSocket, 4, 'getpwnam', (i) => `u${i}`);
    const hits: LatencyRun[] = [];
    const baseline: LatencyRun[] = [];
    for (const concurrency of [1, 4, 16]) {
      baseline.push(await load(echoSocket, concurrency, 'getpwnam', (i) => `u${i % USERS}`));
      hits.push(await load(socket, concurrency, 'getpwnam', (i) => `u${i % USERS}`));
    }
    return {
      cacheHit: hits,
      echoBaseline: baseline,
      hitVsEchoThroughput: hits.map((run, i) =>
        round(run.lookupsPerSec / (baseline[i]?.lookupsPerSec ?? 1), 2),
      ),
      ...miss,
      rssWith10kUsersAnd10kGroupsMiB,
      serverRequestsFor10kLookupsOf100Users: serverRequestsFor100Distinct,
      note: 'load generator is Node on the same cores; compare cacheHit with echoBaseline',
    };
  } finally {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((done) => daemon?.once('exit', done));
      daemon.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((done) => (echo ? echo.close(() => done()) : done()));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchDaemon(), null, 2));
}
