// Crash and restart (issue 5): `kill -9` the resolver while lookups run
// through the module — they go on through the exec fallback, each bounded —
// and a systemd-like Restart=always loop brings it back on the sockets;
// the STNS server restarting while entries are cached (even expired ones)
// surfaces no error to their callers.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixtureText } from '../cli/helpers.js';
import { NODE } from '../e2e/support/paths.js';
import { startDaemon, waitFor } from '../e2e/support/proc.js';
import { startResolver as startFakeResolver } from '../nss/helpers.js';
import { defer } from '../support/cleanup.js';
import { startStnsServer } from '../support/stns-server.js';
import {
  driver,
  moduleEnv,
  resolverPid,
  serveArgs,
  socketsIn,
  startTcpSwitch,
  type TimedRun,
  tempDir,
  writeCliHelper,
  writeResolverConfig,
} from './resolver-harness.js';

const ALICE = 'alice:x:1001:2001:Alice:/home/alice:/bin/bash';
const BOB = 'bob:x:1002:2001:Bob:/home/bob:/bin/zsh';
/** The module's own budget (STNS_TIMEOUT_MS, 10 s) plus slack: no lookup may hang past it. */
const LOOKUP_BOUND_MS = 10000 + 3000;

/** One lookup made while the load ran. */
interface Sample extends TimedRun {
  startedAt: number;
}

// `workers` loops of getpwnam alice through the module until stop() is called.
function lookupLoad(env: NodeJS.ProcessEnv, workers: number) {
  const samples: Sample[] = [];
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const startedAt = Date.now();
      samples.push({ ...(await driver(env, 'getpwnam', 'alice')), startedAt });
    }
  };
  const done = Promise.all(Array.from({ length: workers }, loop));
  return {
    samples,
    stop: async (): Promise<Sample[]> => {
      running = false;
      await done;
      return samples;
    },
  };
}

// A helper for STNS_QUERY_PATH that logs one line per exec, then runs the CLI.
function countingHelper(dir: string, cliHelper: string): { path: string; calls(): number } {
  const log = join(dir, 'fallback.log');
  writeFileSync(log, '');
  const path = join(dir, 'counting-helper');
  writeFileSync(path, `#!/bin/sh\necho "$*" >> ${log}\nexec ${cliHelper} "$@"\n`, { mode: 0o755 });
  return { path, calls: () => readFileSync(log, 'utf8').split('\n').length - 1 };
}

describe('resolver crash and STNS server restart under load', { timeout: 120000 }, () => {
  test('kill -9 mid-load: exec fallback, no hang; Restart=always brings the socket back', async (t) => {
    const dir = tempDir(t, 'stns-crash-');
    const server = await startStnsServer({ data: fixtureText() });
    defer(t, () => server.close());
    const sockets = socketsIn(dir);
    const config = writeResolverConfig(dir, sockets, { endpoints: [`${server.url}/v1`] });
    const helper = countingHelper(dir, writeCliHelper(dir, config));
    const restarts = join(dir, 'restarts.log');
    const loop = `while :; do echo start >> ${restarts}; "$0" "$@"; sleep 1; done`;
    const supervisor = startDaemon('supervisor', 'sh', ['-c', loop, NODE, ...serveArgs(config, sockets)]);
    defer(t, () => supervisor.stop());
    await waitFor(
      'resolver',
      async () => (await resolverPid(sockets.publicSocket)) !== null,
      15000,
      supervisor,
    );
    const firstPid = (await resolverPid(sockets.publicSocket)) as number;
    const env = moduleEnv(sockets, helper.path);

    const load = lookupLoad(env, 3);
    await sleep(1000);
    const killedAt = Date.now();
    process.kill(firstPid, 'SIGKILL');
    let secondPid: number | null = null;
    await waitFor(
      'restarted resolver',
      async () => {
        secondPid = await resolverPid(sockets.publicSocket);
        return secondPid !== null && secondPid !== firstPid;
      },
      20000,
      supervisor,
    );
    const back = Date.now();
    await sleep(1000);
    const samples = await load.stop();

    const slowest = Math.max(...samples.map((s) => s.elapsedMs));
    assert.ok(slowest < LOOKUP_BOUND_MS, `a lookup took ${slowest} ms`);
    const afterKill = samples.filter((s) => s.startedAt > killedAt + 50);
    const wrong = afterKill.filter((s) => s.stdout !== `${ALICE}\n`);
    assert.deepEqual(
      wrong.map((s) => s.stdout),
      [],
      'a lookup started after the kill failed',
    );
    const inFlight = samples.filter((s) => s.startedAt <= killedAt + 50 && s.stdout !== `${ALICE}\n`);
    assert.ok(inFlight.length <= 3, `${inFlight.length} lookups around the kill failed`);
    assert.ok(helper.calls() > 0, 'no lookup went through the exec fallback while the resolver was down');
    assert.ok(
      afterKill.some((s) => s.startedAt > back),
      'no lookup ran after the restart',
    );
    assert.equal(readFileSync(restarts, 'utf8'), 'start\nstart\n');

    const calls = helper.calls();
    const overSocket = await driver(moduleEnv(sockets, join(dir, 'no-such-helper')), 'getpwnam', 'bob');
    assert.equal(overSocket.stdout, `${BOB}\n`, 'the restarted resolver does not answer on the socket');
    assert.equal(helper.calls(), calls);
    t.diagnostic(
      `kill -9: ${samples.length} lookups, ${afterKill.length} after the kill, ${calls} via the fallback, ` +
        `${inFlight.length} failed in flight, slowest ${slowest} ms, back after ${back - killedAt} ms`,
    );
  });

  test('a lookup whose connection the dying resolver closes falls back to the helper', async (t) => {
    const dir = tempDir(t, 'stns-dying-');
    const server = await startStnsServer({ data: fixtureText() });
    defer(t, () => server.close());
    const sockets = socketsIn(dir);
    const config = writeResolverConfig(dir, sockets, { endpoints: [`${server.url}/v1`] });
    const dying = await startFakeResolver(sockets.privateSocket, () => 'close');
    defer(t, () => dying.close());
    const found = await driver(moduleEnv(sockets, writeCliHelper(dir, config)), 'getpwnam', 'alice');
    assert.equal(dying.requests.length, 1);
    assert.equal(found.stdout, `${ALICE}\n`, `the module gave up instead of falling back: ${found.stdout}`);
  });

  test('STNS server restarted mid-load: cached entries (fresh or expired) never fail', async (t) => {
    const dir = tempDir(t, 'stns-restart-');
    let server = await startStnsServer({ data: fixtureText() });
    defer(t, () => server.close());
    const sw = await startTcpSwitch({ kind: 'forward', port: server.port });
    defer(t, () => sw.close());
    const sockets = socketsIn(dir);
    const config = writeResolverConfig(dir, sockets, { endpoints: [`${sw.url}/v1`], cacheTtlSec: 1 });
    const resolver = startDaemon('resolver', NODE, serveArgs(config, sockets));
    defer(t, () => resolver.stop());
    await waitFor(
      'resolver',
      async () => (await resolverPid(sockets.publicSocket)) !== null,
      15000,
      resolver,
    );
    const env = moduleEnv(sockets, join(dir, 'no-such-helper'));
    assert.equal((await driver(env, 'getpwnam', 'alice')).stdout, `${ALICE}\n`, 'warm-up');

    const load = lookupLoad(env, 3);
    await sleep(500);
    await sw.set({ kind: 'refuse' });
    await server.close();
    await sleep(2500);
    server = await startStnsServer({ data: fixtureText() });
    await sw.set({ kind: 'forward', port: server.port });
    await sleep(1500);
    const samples = await load.stop();

    const failed = samples.filter((s) => s.stdout !== `${ALICE}\n`);
    assert.deepEqual(
      failed.map((s) => s.stdout),
      [],
      'a caller whose entry was cached saw an error',
    );
    const slowest = Math.max(...samples.map((s) => s.elapsedMs));
    assert.ok(slowest < 3000, `a cached lookup took ${slowest} ms during the restart`);
    const status = await driver(env, 'getpwnam', 'bob');
    assert.equal(status.stdout, `${BOB}\n`, 'the resolver does not reach the restarted server');
    t.diagnostic(`server restart: ${samples.length} cached lookups, 0 failed, slowest ${slowest} ms`);
  });
});
