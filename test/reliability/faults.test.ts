// The fault matrix (issue 5): every way an STNS endpoint can fail, through the
// real CLI's direct path and through the library client. Each must end in
// bounded time as "unavailable" (exit 69), never "not found" or a wrong
// answer, with one line naming the URL and no secret. Then every mix of
// refused / blackholed / alive endpoints, and the cooldown that makes a
// blackholed endpoint cost one timeout per window instead of per lookup.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient, worstCaseMs } from '../../src/api/client.js';
import type { Config } from '../../src/config/types.js';
import { UnavailableError } from '../../src/errors.js';
import { BIN, expectedPasswd, fixtureText, runCli } from '../cli/helpers.js';
import { type Certs, makeCerts } from '../support/certs.js';
import { testConfig } from '../support/config.js';
import { type Fault, refusedUrl, startBlackhole, startStnsServer } from '../support/stns-server.js';
import type { ProbeResult } from './lookup-probe.js';
import {
  assertNoSecret,
  assertOneLineError,
  offlineUnshareArgs,
  SECRETS,
  writeCliConfig,
} from './support.js';

const TIMEOUT_MS = 1000;
/** Headroom for a loaded 2-core machine: the library path, and the CLI (which also starts Node). */
const LIB_SLACK_MS = 1500;
const CLI_SLACK_MS = 3000;
const HUGE_BYTES = 100 * 1024 * 1024;
/** Peak RSS growth allowed while the huge body streams: buffering it whole would need ≥ 100 MiB. */
const RSS_GROWTH_MIB = 80;
const BODY_CAP = 1024 * 1024;

const temp = mkdtempSync(join(tmpdir(), 'stns-faults-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** One failing endpoint as a scenario starts it. */
interface Started {
  /** Endpoint URL as configured (with the generation suffix). */
  endpoint: string;
  /** What the one-line message must name. */
  names: string;
  tlsCa?: string;
  maxResponseBytes?: number;
  /** Look up with no network and no DNS (offlineUnshareArgs), in a child process. */
  offline?: true;
  close(): Promise<void>;
}

interface Scenario {
  name: string;
  start(certs: Certs): Promise<Started>;
}

// A test STNS server with the fixture users, misbehaving with `fault` once started.
function faulty(fault: (url: string) => Fault, extra: Partial<Started> = {}): Scenario['start'] {
  return async () => {
    const server = await startStnsServer({ data: fixtureText() });
    server.setFault(fault(server.url));
    return { endpoint: `${server.url}/v1`, names: server.url, ...extra, close: () => server.close() };
  };
}

// An HTTPS test server with the given certificate; the client pins the good CA.
function tlsServer(pick: (c: Certs) => { cert: string; key: string }, requireClientCert = false) {
  return async (certs: Certs): Promise<Started> => {
    const tls = { ...pick(certs), ...(requireClientCert ? { ca: certs.caCert, requireClientCert } : {}) };
    const server = await startStnsServer({ data: fixtureText(), tls });
    return {
      endpoint: `${server.url}/v1`,
      names: server.url,
      tlsCa: certs.caCert,
      close: () => server.close(),
    };
  };
}

const SCENARIOS: Scenario[] = [
  {
    name: 'endpoint refused',
    start: async () => {
      const url = await refusedUrl();
      return { endpoint: `${url}/v1`, names: url, close: async () => {} };
    },
  },
  {
    name: 'blackholed (accepts, never answers)',
    start: async () => {
      const hole = await startBlackhole();
      return { endpoint: `${hole.url}/v1`, names: hole.url, close: () => hole.close() };
    },
  },
  { name: 'headers then the body stalls', start: faulty(() => ({ kind: 'stall-body' })) },
  { name: '1-byte-per-second body', start: faulty(() => ({ kind: 'drip', bytesPerSec: 1 })) },
  { name: 'HTTP 500', start: faulty(() => ({ kind: 'status', status: 500, body: 'oops' })) },
  { name: 'HTTP 502', start: faulty(() => ({ kind: 'status', status: 502, body: 'bad gateway' })) },
  { name: 'HTTP 503', start: faulty(() => ({ kind: 'status', status: 503, body: 'unavailable' })) },
  {
    name: 'HTTP 429 with Retry-After: 3600',
    start: faulty(() => ({ kind: 'status', status: 429, headers: { 'retry-after': '3600' } })),
  },
  {
    name: 'truncated JSON',
    start: faulty(() => ({ kind: 'body', body: '[{"id":1001,"name":"alice","group_id":20' })),
  },
  {
    name: 'valid JSON of the wrong shape',
    start: faulty(() => ({ kind: 'body', body: '{"users":[{"id":1001,"name":"alice"}]}' })),
  },
  {
    name: 'HTML error page with 200',
    start: faulty(() => ({
      kind: 'body',
      body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
      headers: { 'content-type': 'text/html' },
    })),
  },
  {
    name: 'redirect loop',
    start: faulty((url) => ({
      kind: 'status',
      status: 302,
      headers: { location: `${url}/v1/users?name=alice` },
    })),
  },
  {
    name: '100 MB body (streamed)',
    start: faulty(() => ({ kind: 'huge', bytes: HUGE_BYTES }), { maxResponseBytes: BODY_CAP }),
  },
  {
    name: 'TLS with a wrong CA',
    start: tlsServer((c) => ({ cert: c.wrongCaServerCert, key: c.wrongCaServerKey })),
  },
  {
    name: 'expired server certificate',
    start: tlsServer((c) => ({ cert: c.expiredCert, key: c.expiredKey })),
  },
  { name: 'hostname mismatch', start: tlsServer((c) => ({ cert: c.otherHostCert, key: c.otherHostKey })) },
  {
    name: 'server requires a client certificate we do not have',
    start: tlsServer((c) => ({ cert: c.serverCert, key: c.serverKey }), true),
  },
  {
    // Offline: resolving the name on this machine would send a DNS query off it.
    name: 'DNS name that does not resolve (.invalid)',
    start: async () => ({
      endpoint: 'http://stns.invalid:1104/v1',
      names: 'http://stns.invalid:1104',
      offline: true,
      close: async () => {},
    }),
  },
];

// The library config for one faulty endpoint: short timeout, one retry round, every secret set.
function libConfig(started: Started): Config {
  return testConfig({
    endpoints: [started.endpoint],
    requestTimeoutMs: TIMEOUT_MS,
    retryRequest: 1,
    user: SECRETS.user,
    password: SECRETS.password,
    authToken: SECRETS.token,
    ...(started.maxResponseBytes ? { maxResponseBytes: started.maxResponseBytes } : {}),
    ...(started.tlsCa ? { tls: { verify: true, caFile: started.tlsCa } } : {}),
  });
}

// A preload that records the CLI's peak RSS (KiB) in a file when it exits.
function rssProbe(): { env: NodeJS.ProcessEnv; peakKiB(): number } {
  const script = join(temp, 'rss-probe.mjs');
  const out = join(temp, `rss-${process.hrtime.bigint()}.txt`);
  writeFileSync(
    script,
    "import { writeFileSync } from 'node:fs';\n" +
      "process.on('exit', () => writeFileSync(process.env.STNS_TEST_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
  return {
    env: { NODE_OPTIONS: `--import=${pathToFileURL(script).href}`, STNS_TEST_RSS_FILE: out },
    peakKiB: () => Number(readFileSync(out, 'utf8')),
  };
}

// Peak RSS of the same CLI lookup against a refused endpoint: what the CLI costs with no body at all.
async function baselinePeakMiB(dir: string): Promise<number> {
  const config = writeCliConfig(mkdtempSync(join(dir, 'base-')), { endpoints: [`${await refusedUrl()}/v1`] });
  const probe = rssProbe();
  await runCli(['--config', config, 'passwd', 'alice'], { env: probe.env });
  return probe.peakKiB() / 1024;
}

const LOOKUP_PROBE = fileURLToPath(new URL('./lookup-probe.js', import.meta.url));

// One library lookup in a child process (offline: with no network and no DNS).
async function probeLookup(fields: Partial<Config>, offline = false): Promise<ProbeResult> {
  const argv = [LOOKUP_PROBE, JSON.stringify(fields)];
  const result = offline
    ? await runCli([...offlineUnshareArgs(temp), process.execPath, ...argv], { command: 'unshare' })
    : await runCli(argv, { command: process.execPath });
  assert.equal(result.code, 0, `lookup probe: ${result.stderr}`);
  return JSON.parse(result.stdout) as ProbeResult;
}

/** How one library lookup of alice failed (error null: found), how long it took, what it warned. */
interface LibraryOutcome {
  error: ProbeResult['error'];
  ms: number;
  warnings: string[];
}

// One library lookup: in this process, or offline in a child process (its warnings are not collected).
async function libraryLookup(config: Config, offline: boolean): Promise<LibraryOutcome> {
  if (offline) {
    const { error, ms } = await probeLookup(config, true);
    return { error, ms, warnings: [] };
  }
  const warnings: string[] = [];
  const client = createClient(config, { warn: (m) => warnings.push(m) });
  const t0 = performance.now();
  try {
    const error = await client.getUserByName('alice').then(
      () => null,
      (e: unknown) => e,
    );
    const ms = performance.now() - t0;
    if (error === null) return { error, ms, warnings };
    assert.ok(error instanceof UnavailableError, `not UnavailableError: ${String(error)}`);
    return { error: { name: error.name, exitCode: error.exitCode, message: error.message }, ms, warnings };
  } finally {
    await client.close();
  }
}

// Peak RSS growth of one library lookup run in a child process (the test server's own buffers stay out).
async function libraryPeakGrowthMiB(endpoint: string, cap: number): Promise<number> {
  const { grewKiB, error } = await probeLookup({
    endpoints: [endpoint],
    maxResponseBytes: cap,
    requestTimeoutMs: 5000,
  });
  assert.match(error?.message ?? '', /max_response_bytes/);
  return grewKiB / 1024;
}

describe('fault matrix: one failing endpoint', () => {
  let certs: Certs;
  before(async () => {
    certs = await makeCerts();
  });

  for (const [index, scenario] of SCENARIOS.entries()) {
    test(`CLI: ${scenario.name} → exit 69 in bounded time, one line naming the URL`, async (t) => {
      const started = await scenario.start(certs);
      const dir = mkdtempSync(join(temp, 'cli-'));
      try {
        const config = writeCliConfig(dir, {
          endpoints: [started.endpoint],
          secrets: index % 2 === 0 ? 'basic' : 'token',
          ...(started.tlsCa ? { tlsCa: started.tlsCa } : {}),
          ...(started.maxResponseBytes ? { maxResponseBytes: started.maxResponseBytes } : {}),
        });
        const probe = rssProbe();
        const args = ['--config', config, 'passwd', 'alice'];
        const result = started.offline
          ? await runCli([...offlineUnshareArgs(dir), process.execPath, BIN, ...args], {
              command: 'unshare',
              env: probe.env,
            })
          : await runCli(args, { env: probe.env });
        const bound = worstCaseMs({
          endpoints: [started.endpoint],
          requestTimeoutMs: TIMEOUT_MS,
          retryRequest: 1,
        });
        assert.equal(result.code, 69, `exit ${result.code}, stderr ${result.stderr}`);
        assert.equal(result.stdout, '');
        assertOneLineError(result.stderr);
        assert.ok(
          result.stderr.includes(started.names),
          `stderr does not name ${started.names}: ${result.stderr}`,
        );
        assertNoSecret(result.stderr);
        assert.ok(
          result.ms <= bound + CLI_SLACK_MS,
          `${Math.round(result.ms)} ms > ${bound} + ${CLI_SLACK_MS}`,
        );
        if (started.maxResponseBytes) {
          const peakMiB = probe.peakKiB() / 1024;
          const baseMiB = await baselinePeakMiB(dir);
          assert.ok(
            peakMiB - baseMiB < RSS_GROWTH_MIB,
            `CLI peak RSS ${peakMiB.toFixed(0)} MiB vs ${baseMiB.toFixed(0)} MiB idle while a 100 MB body streamed`,
          );
          t.diagnostic(
            `measured: CLI peak RSS ${peakMiB.toFixed(0)} MiB (${baseMiB.toFixed(0)} MiB for a refused lookup)`,
          );
        }
        t.diagnostic(
          `measured: CLI ${scenario.name}: exit ${result.code} in ${Math.round(result.ms)} ms (bound ${bound})`,
        );
      } finally {
        await started.close();
      }
    });

    test(`library: ${scenario.name} → UnavailableError in bounded time, naming the URL`, async (t) => {
      const started = await scenario.start(certs);
      const config = libConfig(started);
      try {
        const { error, ms, warnings } = await libraryLookup(config, started.offline === true);
        assert.ok(error !== null, 'alice was found');
        assert.equal(error.name, 'UnavailableError', `not UnavailableError: ${error.message}`);
        assert.equal(error.exitCode, 69);
        assert.doesNotMatch(error.message, /\n/);
        assert.ok(
          error.message.includes(started.names),
          `message does not name ${started.names}: ${error.message}`,
        );
        assertNoSecret(error.message);
        for (const w of warnings) assertNoSecret(w);
        assert.ok(ms <= worstCaseMs(config) + LIB_SLACK_MS, `${Math.round(ms)} ms > ${worstCaseMs(config)}`);
        if (started.maxResponseBytes) {
          assert.match(error.message, /max_response_bytes/);
          const grewMiB = await libraryPeakGrowthMiB(started.endpoint, started.maxResponseBytes);
          assert.ok(
            grewMiB < RSS_GROWTH_MIB,
            `peak RSS grew ${grewMiB.toFixed(0)} MiB while a 100 MB body streamed`,
          );
          t.diagnostic(
            `measured: library peak RSS grew ${grewMiB.toFixed(0)} MiB (lookup in a child process)`,
          );
        }
        t.diagnostic(`measured: library ${scenario.name}: ${error.name} in ${Math.round(ms)} ms`);
      } finally {
        await started.close();
      }
    });
  }
});

type State = 'dead' | 'blackholed' | 'alive';
const STATES: State[] = ['dead', 'blackholed', 'alive'];

// Every sequence of `n` endpoint states.
function combinations(n: number): State[][] {
  if (n === 0) return [[]];
  return combinations(n - 1).flatMap((rest) => STATES.map((s) => [s, ...rest]));
}
const COMBOS = [...combinations(2), ...combinations(3)];

// Timeouts one fresh lookup pays: each blackhole before the first alive endpoint, once (cooldown skips it in round 2).
function expectedTimeouts(states: State[]): number {
  const alive = states.indexOf('alive');
  return (alive === -1 ? states : states.slice(0, alive)).filter((s) => s === 'blackholed').length;
}

describe('fault matrix: two and three endpoints, every mix of dead / blackholed / alive', () => {
  const urls: Record<State, string> = { dead: '', blackholed: '', alive: '' };
  const closers: Array<() => Promise<void>> = [];
  before(async () => {
    const alive = await startStnsServer({ data: fixtureText() });
    const hole = await startBlackhole();
    closers.push(
      () => alive.close(),
      () => hole.close(),
    );
    urls.alive = `${alive.url}/v1`;
    urls.blackholed = `${hole.url}/v1`;
    urls.dead = `${await refusedUrl()}/v1`;
  });
  after(async () => {
    for (const close of closers) await close();
  });

  describe('library', { concurrency: true }, () => {
    for (const states of COMBOS) {
      const succeeds = states.includes('alive');
      test(`[${states.join(', ')}] → ${succeeds ? 'alice' : 'unavailable'}`, async () => {
        const config = testConfig({
          endpoints: states.map((s) => urls[s]),
          requestTimeoutMs: TIMEOUT_MS,
          retryRequest: 1,
        });
        const client = createClient(config);
        const t0 = performance.now();
        try {
          const outcome = await client.getUserByName('alice').then(
            (user) => user,
            (error: unknown) => error,
          );
          const ms = performance.now() - t0;
          if (succeeds) assert.equal((outcome as { uid?: number } | null)?.uid, 1001);
          else
            assert.ok(
              outcome instanceof UnavailableError,
              `expected UnavailableError, got ${String(outcome)}`,
            );
          assert.ok(ms <= worstCaseMs(config) + LIB_SLACK_MS, `${Math.round(ms)} ms > documented bound`);
          const cost = expectedTimeouts(states) * TIMEOUT_MS;
          assert.ok(ms <= cost + LIB_SLACK_MS, `${Math.round(ms)} ms > ${cost} ms of blackhole timeouts`);
        } finally {
          await client.close();
        }
      });
    }
  });

  describe('CLI', { concurrency: 4 }, () => {
    for (const states of COMBOS) {
      const succeeds = states.includes('alive');
      test(`[${states.join(', ')}] → ${succeeds ? 'exit 0, alice' : 'exit 69'}`, async () => {
        const dir = mkdtempSync(join(temp, 'combo-'));
        const endpoints = states.map((s) => urls[s]);
        const config = writeCliConfig(dir, { endpoints, secrets: 'none' });
        const result = await runCli(['--config', config, 'passwd', 'alice']);
        if (succeeds) {
          assert.equal(result.code, 0, result.stderr);
          assert.equal(result.stdout, `${expectedPasswd('alice')}\n`);
        } else {
          assert.equal(result.code, 69);
          assert.equal(result.stdout, '');
          assertOneLineError(result.stderr);
        }
        const bound = worstCaseMs({ endpoints, requestTimeoutMs: TIMEOUT_MS, retryRequest: 1 });
        assert.ok(result.ms <= bound + CLI_SLACK_MS, `${Math.round(result.ms)} ms > documented ${bound}`);
        const cost = expectedTimeouts(states) * TIMEOUT_MS;
        assert.ok(
          result.ms <= cost + CLI_SLACK_MS,
          `${Math.round(result.ms)} ms > ${cost} ms of blackhole timeouts`,
        );
      });
    }
  });
});

describe('cooldown: a blackholed endpoint costs one timeout per window, not per lookup', () => {
  test('library, [blackholed, alive]: 5 lookups ≈ one timeout, one request on the blackhole; again after the window', async (t) => {
    const hole = await startStnsServer({ data: fixtureText() });
    hole.setFault({ kind: 'hang' });
    const alive = await startStnsServer({ data: fixtureText() });
    let offsetMs = 0;
    const config = testConfig({
      endpoints: [`${hole.url}/v1`, `${alive.url}/v1`],
      requestTimeoutMs: TIMEOUT_MS,
      retryRequest: 1,
      endpointCooldownSec: 10,
    });
    const client = createClient(config, { now: () => Date.now() + offsetMs });
    try {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) assert.equal((await client.getUserByName('alice'))?.uid, 1001);
      const ms = performance.now() - t0;
      assert.equal(hole.requests.length, 1, 'the blackhole was asked more than once in one window');
      assert.equal(alive.requests.length, 5);
      assert.ok(
        ms >= TIMEOUT_MS - 50 && ms <= TIMEOUT_MS + LIB_SLACK_MS,
        `5 lookups took ${Math.round(ms)} ms`,
      );
      t.diagnostic(
        `measured: cooldown: 5 lookups in ${Math.round(ms)} ms, ${hole.requests.length} blackhole request`,
      );
      offsetMs = config.endpointCooldownSec * 1000 + 1;
      assert.equal((await client.getUserByName('alice'))?.uid, 1001);
      assert.equal(hole.requests.length, 2, 'after the window the endpoint is tried again, once');
    } finally {
      await client.close();
      await hole.close();
      await alive.close();
    }
  });

  test('library, [blackholed] alone: after the first timeout, lookups fail fast as unavailable (never not found)', async () => {
    const hole = await startStnsServer({ data: fixtureText() });
    hole.setFault({ kind: 'hang' });
    const client = createClient(testConfig({ endpoints: [`${hole.url}/v1`], requestTimeoutMs: TIMEOUT_MS }));
    try {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) {
        await assert.rejects(client.getUserByName('alice'), (e: unknown) => {
          assert.ok(e instanceof UnavailableError);
          assert.ok(e.message.includes(hole.url), e.message);
          return true;
        });
      }
      const ms = performance.now() - t0;
      assert.equal(hole.requests.length, 1);
      assert.ok(ms <= TIMEOUT_MS + LIB_SLACK_MS, `5 lookups took ${Math.round(ms)} ms`);
    } finally {
      await client.close();
      await hole.close();
    }
  });
});
