// Load (issue 5, `npm run test:load`): STNS_LOAD_LOOKUPS (default 1,000,000)
// lookups through a `stns-query serve` child from 32 concurrent clients (a C
// program compiled at test time: scripts/bench/loadgen.c --cases), over hits, misses and enumerations. Every
// answer is checked against the truth written into the server's TOML, and
// the daemon's resident memory must not grow after the first quarter.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { askResolver } from '../../src/daemon/client.js';
import { compileC } from '../e2e/support/cprog.js';
import { NODE, ROOT } from '../e2e/support/paths.js';
import { baseEnv, waitFor } from '../e2e/support/proc.js';
import {
  resolverPid,
  serveArgs,
  socketsIn,
  tempDir,
  vmRssKb,
  writeResolverConfig,
} from '../reliability/resolver-harness.js';
import { defer } from '../support/cleanup.js';
import { startStnsServer } from '../support/stns-server.js';

const LOOKUPS = Number(process.env.STNS_LOAD_LOOKUPS ?? 1_000_000);
const CLIENTS = 32;
const USERS = 300;
const GROUPS = 30;
/** Allowed RSS growth from the 25 % sample to any later one. */
const MAX_GROWTH = 0.1;

/** The server's truth: what every lookup must answer. */
interface Truth {
  toml: string;
  passwd: Map<string, string>;
  passwdById: Map<number, string>;
  group: Map<string, string>;
  groupById: Map<number, string>;
}

// USERS users in GROUPS groups, every field distinct, written as STNS TOML with the lines they must produce.
function makeTruth(): Truth {
  const truth: Truth = {
    toml: '',
    passwd: new Map(),
    passwdById: new Map(),
    group: new Map(),
    groupById: new Map(),
  };
  const parts: string[] = [];
  const members: string[][] = Array.from({ length: GROUPS }, () => []);
  for (let i = 0; i < USERS; i++) {
    const name = `load${i}`;
    const uid = 10000 + i;
    const gid = 20000 + (i % GROUPS);
    parts.push(
      `[users.${name}]\nid = ${uid}\ngroup_id = ${gid}\ndirectory = "/home/${name}"\nshell = "/bin/bash"\ngecos = "Load User ${i}"\n`,
    );
    const line = `${name}:x:${uid}:${gid}:Load User ${i}:/home/${name}:/bin/bash`;
    truth.passwd.set(name, line);
    truth.passwdById.set(uid, line);
    if (i % 3 !== 0) members[(i * 7) % GROUPS]?.push(name);
  }
  for (let j = 0; j < GROUPS; j++) {
    const name = `team${j}`;
    const gid = 20000 + j;
    const list = members[j] ?? [];
    parts.push(`[groups.${name}]\nid = ${gid}\nusers = ${JSON.stringify(list)}\n`);
    const line = `${name}:x:${gid}:${list.join(',')}`;
    truth.group.set(name, line);
    truth.groupById.set(gid, line);
  }
  truth.toml = parts.join('\n');
  return truth;
}

// The exact response for a found entry.
function found(lines: string[]): Buffer {
  const body = lines.map((line) => `${line}\n`).join('');
  return Buffer.from(`STNS1 0 ${Buffer.byteLength(body)}\n${body}`);
}

// One record of the generator's cases file.
function record(request: string, expect: Buffer | string): Buffer {
  if (typeof expect === 'string') return Buffer.from(`${request}\nS ${expect}\n`);
  return Buffer.concat([Buffer.from(`${request}\nE ${expect.length}\n`), expect]);
}

// Checks a full list against the truth as a set, returning the exact bytes every later answer must repeat.
async function checkedList(
  socket: string,
  op: 'getpwent' | 'getgrent',
  truth: Map<string, string>,
): Promise<Buffer> {
  const answer = await askResolver(socket, op);
  assert.equal(answer?.status, 0, `${op} status ${answer?.status}`);
  assert.deepEqual(
    [...(answer?.lines ?? [])].sort(),
    [...truth.values()].sort(),
    `${op} differs from the TOML`,
  );
  return found(answer?.lines ?? []);
}

// The mix: per 100 lookups about 70 hits (by name and id), 24 misses, 6 enumerations.
async function writeCases(file: string, socket: string, truth: Truth): Promise<void> {
  const records: Buffer[] = [];
  const names = [...truth.passwd.keys()];
  const groups = [...truth.group.keys()];
  for (let k = 0; k < 70; k++) {
    const user = names[(k * 37) % names.length] ?? '';
    const group = groups[(k * 11) % groups.length] ?? '';
    const line = truth.passwd.get(user) ?? '';
    if (k % 4 === 0) records.push(record(`STNS1 getpwnam ${user}`, found([line])));
    if (k % 4 === 1) records.push(record(`STNS1 getpwuid ${line.split(':')[2]}`, found([line])));
    if (k % 4 === 2) records.push(record(`STNS1 getgrnam ${group}`, found([truth.group.get(group) ?? ''])));
    if (k % 4 === 3) {
      const gid = 20000 + (k % GROUPS);
      records.push(record(`STNS1 getgrgid ${gid}`, found([truth.groupById.get(gid) ?? ''])));
    }
  }
  for (let k = 0; k < 24; k++) {
    if (k % 3 === 0) records.push(record(`STNS1 getpwnam nobody${k}`, 'STNS1 2 '));
    if (k % 3 === 1) records.push(record(`STNS1 getpwuid ${90000 + k}`, 'STNS1 2 '));
    if (k % 3 === 2) records.push(record(`STNS1 getgrnam noteam${k}`, 'STNS1 2 '));
  }
  const passwdList = await checkedList(socket, 'getpwent', truth.passwd);
  const groupList = await checkedList(socket, 'getgrent', truth.group);
  for (let k = 0; k < 3; k++) {
    records.push(record('STNS1 getpwent', passwdList));
    records.push(record('STNS1 getgrent', groupList));
  }
  writeFileSync(file, Buffer.concat(records));
}

// The middle value (upper middle for an even count).
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

// Starts the resolver under a watchdog long enough for the whole run, in its own process group.
function startLongResolver(args: string[]): ChildProcess {
  const child = spawn('timeout', ['-k', '5', '1800', NODE, ...args], {
    env: baseEnv(),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  return child;
}

test(`${LOOKUPS} lookups from ${CLIENTS} clients: zero wrong answers, no memory growth`, {
  timeout: 1_800_000,
}, async (t) => {
  const dir = tempDir(t, 'stns-load-');
  const truth = makeTruth();
  const server = await startStnsServer({ data: truth.toml });
  defer(t, () => server.close());
  const sockets = socketsIn(dir);
  const config = writeResolverConfig(dir, sockets, { endpoints: [`${server.url}/v1`], timeoutSec: 5 });
  const daemon = startLongResolver(serveArgs(config, sockets));
  defer(t, () => {
    if (daemon.pid !== undefined) process.kill(-daemon.pid, 'SIGKILL');
  });
  await waitFor('resolver', async () => (await resolverPid(sockets.publicSocket)) !== null, 20000);
  const pid = (await resolverPid(sockets.publicSocket)) as number;

  const loadgen = await compileC(join(ROOT, 'scripts', 'bench', 'loadgen.c'), join(dir, 'loadgen'));
  const cases = join(dir, 'cases');
  await writeCases(cases, sockets.publicSocket, truth);

  const rss: Record<string, number> = { start: vmRssKb(pid) };
  const args = ['--cases', sockets.publicSocket, String(CLIENTS), String(LOOKUPS), cases];
  const generator = spawn(loadgen, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  defer(t, () => generator.kill('SIGKILL'));
  let stderr = '';
  generator.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let summary = '';
  for await (const line of createInterface({ input: generator.stdout })) {
    const progress = /^progress (\d+)$/.exec(line);
    if (progress) rss[`${progress[1]}%`] = vmRssKb(pid);
    if (line.startsWith('done ')) summary = line;
  }
  const code = await new Promise<number | null>((resolve) =>
    generator.exitCode !== null ? resolve(generator.exitCode) : generator.once('exit', resolve),
  );
  const figures = Object.fromEntries(
    summary
      .slice(5)
      .split(' ')
      .map((kv) => kv.split('='))
      .map(([k, v]) => [k, Number(v)]),
  );
  t.diagnostic(
    `${summary}; ${Math.round((LOOKUPS / (figures.ms ?? 1)) * 1000)} lookups/s; RSS KiB ${JSON.stringify(rss)}`,
  );
  assert.equal(figures.lookups, LOOKUPS, `generator ended early (exit ${code}): ${stderr}`);
  assert.equal(figures.wrong, 0, `wrong answers: ${stderr}`);
  assert.equal(figures.errors, 0, `transport errors: ${stderr}`);
  assert.equal(code, 0);

  // RSS of a garbage-collected process saws up and down; a single peak says
  // nothing about a leak. A leak lifts the whole curve, so compare the median
  // of the late samples (60-100 %) with that of the early ones after warm-up (20-50 %).
  const at = (percents: number[]) => percents.map((p) => rss[`${p}%`] ?? 0);
  const warm = median(at([20, 30, 40, 50]));
  const late = median(at([60, 70, 80, 90, 100]));
  const growth = (late - warm) / warm;
  assert.ok(
    growth < MAX_GROWTH,
    `RSS grew ${(growth * 100).toFixed(1)} % after warm-up: ${JSON.stringify(rss)}`,
  );
});
