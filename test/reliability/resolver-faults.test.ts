// The fault matrix through the resolver and the NSS module (issue 5): each
// broken endpoint makes the module answer TRYAGAIN/EAGAIN (getent exit 2)
// in bounded time, a miss during the outage is never "not found", and once
// the endpoint recovers the very next lookup succeeds: nothing was cached
// as negative. With two endpoints, a blackholed first one costs one
// timeout per cooldown window, not one per lookup.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { silentLog } from '../../src/daemon/log.js';
import { startResolver } from '../../src/daemon/server.js';
import { fixtureText } from '../cli/helpers.js';
import { makeCerts } from '../support/certs.js';
import { defer } from '../support/cleanup.js';
import { startStnsServer, type TestServer } from '../support/stns-server.js';
import {
  driver,
  getent,
  moduleEnv,
  type ResolverConfigOptions,
  type Sockets,
  socketsIn,
  startTcpSwitch,
  type TcpSwitch,
  tempDir,
  writeResolverConfig,
} from './resolver-harness.js';

const TIMEOUT_MS = 1000;
/** Headroom for a loaded 2-core machine on top of one request timeout. */
const BOUND_MS = TIMEOUT_MS + 4000;
const ALICE = 'alice:x:1001:2001:Alice:/home/alice:/bin/bash';

type After = { after(fn: () => Promise<void> | void): void };

/** One broken endpoint: how to break it before the first lookup and how to heal it. */
interface Fault {
  name: string;
  /** The endpoint (behind a switch), its config extras, and the two transitions. */
  start(
    t: After,
  ): Promise<{ endpoint: string; tlsCa?: string; fail(): Promise<void>; heal(): Promise<void> }>;
}

// An HTTP test server with the fixture users behind a switch, so the endpoint URL never changes.
async function switched(t: After): Promise<{ server: TestServer; sw: TcpSwitch }> {
  const server = await startStnsServer({ data: fixtureText() });
  defer(t, () => server.close());
  const sw = await startTcpSwitch({ kind: 'forward', port: server.port });
  defer(t, () => sw.close());
  return { server, sw };
}

// A fault injected by the test server itself (status, body), cleared to heal.
function serverFault(name: string, fault: Parameters<TestServer['setFault']>[0]): Fault {
  return {
    name,
    start: async (t) => {
      const { server, sw } = await switched(t);
      return {
        endpoint: `${sw.url}/v1`,
        fail: async () => server.setFault(fault),
        heal: async () => server.setFault(null),
      };
    },
  };
}

// A fault of the connection (refused, blackholed), healed by forwarding again.
function switchFault(name: string, kind: 'refuse' | 'blackhole'): Fault {
  return {
    name,
    start: async (t) => {
      const { server, sw } = await switched(t);
      return {
        endpoint: `${sw.url}/v1`,
        fail: () => sw.set({ kind }),
        heal: () => sw.set({ kind: 'forward', port: server.port }),
      };
    },
  };
}

const FAULTS: Fault[] = [
  switchFault('endpoint refused', 'refuse'),
  switchFault('blackholed (accepts, never answers)', 'blackhole'),
  serverFault('503', { kind: 'status', status: 503, body: 'Service Unavailable\n' }),
  serverFault('truncated JSON', { kind: 'body', body: '[{"name":"alice","id":1001,"group_i' }),
  {
    name: 'TLS with a wrong CA',
    start: async (t) => {
      const certs = await makeCerts();
      const data = fixtureText();
      const wrong = await startStnsServer({
        data,
        tls: { cert: certs.wrongCaServerCert, key: certs.wrongCaServerKey },
      });
      defer(t, () => wrong.close());
      const good = await startStnsServer({ data, tls: { cert: certs.serverCert, key: certs.serverKey } });
      defer(t, () => good.close());
      const sw = await startTcpSwitch({ kind: 'forward', port: wrong.port });
      defer(t, () => sw.close());
      return {
        endpoint: `https://127.0.0.1:${sw.port}/v1`,
        tlsCa: certs.caCert,
        fail: () => sw.set({ kind: 'forward', port: wrong.port }),
        heal: () => sw.set({ kind: 'forward', port: good.port }),
      };
    },
  },
];

// A resolver (in this process, from a real config file) on temp sockets; the module has no helper to fall back to.
async function resolverFor(
  t: After & Parameters<typeof tempDir>[0],
  options: ResolverConfigOptions,
): Promise<{ sockets: Sockets; env: NodeJS.ProcessEnv }> {
  const dir = tempDir(t, 'stns-rfaults-');
  const sockets = socketsIn(dir);
  const file = writeResolverConfig(dir, sockets, options);
  const config = loadConfig(file, { warn: () => {} });
  const resolver = await startResolver({ config, log: silentLog });
  defer(t, () => resolver.close({ drainMs: 100 }));
  return { sockets, env: moduleEnv(sockets, `${dir}/no-such-helper`) };
}

// Asserts a lookup through the module ended as "try again" within the bound.
function assertTryAgain(run: { stdout: string; code: number | null; elapsedMs: number }, what: string): void {
  assert.equal(run.stdout, 'TRYAGAIN EAGAIN\n', `${what}: module said ${JSON.stringify(run.stdout)}`);
  assert.equal(run.code, 2, what);
  assert.ok(run.elapsedMs < BOUND_MS, `${what} took ${run.elapsedMs} ms, bound ${BOUND_MS} ms`);
}

describe('fault matrix through the resolver and the module', { timeout: 120000 }, () => {
  for (const fault of FAULTS) {
    test(`${fault.name}: TRYAGAIN in bounded time, getent exit 2, nothing cached`, async (t) => {
      const endpoint = await fault.start(t);
      await endpoint.fail();
      const { env } = await resolverFor(t, {
        endpoints: [endpoint.endpoint],
        timeoutSec: TIMEOUT_MS / 1000,
        ...(endpoint.tlsCa ? { tlsCa: endpoint.tlsCa } : {}),
      });
      const failed = await driver(env, 'getpwnam', 'alice');
      assertTryAgain(failed, 'getpwnam alice');
      assertTryAgain(await driver(env, 'getpwnam', 'nosuchuser'), 'getpwnam of an unknown name');
      assertTryAgain(await driver(env, 'getgrgid', '2001'), 'getgrgid 2001');
      const viaGetent = await getent(env, 'passwd', 'alice');
      assert.equal(viaGetent.code, 2, `getent exit ${viaGetent.code}: ${viaGetent.stderr}`);
      assert.equal(viaGetent.stdout, '');
      assert.ok(viaGetent.elapsedMs < BOUND_MS, `getent took ${viaGetent.elapsedMs} ms`);

      await endpoint.heal();
      const found = await driver(env, 'getpwnam', 'alice');
      assert.equal(found.stdout, `${ALICE}\n`, 'the first lookup after recovery must succeed');
      const missing = await driver(env, 'getpwnam', 'nosuchuser');
      assert.equal(missing.stdout, 'NOTFOUND ENOENT\n', 'a miss after recovery is a real not-found');
      const viaGetentAfter = await getent(env, 'passwd', 'alice');
      assert.equal(viaGetentAfter.code, 0, viaGetentAfter.stderr);
      assert.equal(viaGetentAfter.stdout, `${ALICE}\n`);
      t.diagnostic(
        `${fault.name}: TRYAGAIN in ${failed.elapsedMs} ms, getent exit 2 in ${viaGetent.elapsedMs} ms`,
      );
    });
  }

  test('two endpoints, first blackholed: one timeout for the first lookup, none within the cooldown', async (t) => {
    const server = await startStnsServer({ data: fixtureText() });
    defer(t, () => server.close());
    const hole = await startTcpSwitch({ kind: 'blackhole' });
    defer(t, () => hole.close());
    const { env } = await resolverFor(t, {
      endpoints: [`${hole.url}/v1`, `${server.url}/v1`],
      timeoutSec: 2,
      cooldownSec: 60,
      cache: false,
    });
    const first = await driver(env, 'getpwnam', 'alice');
    assert.equal(first.stdout, `${ALICE}\n`, first.stderr);
    assert.ok(
      first.elapsedMs < 2000 + 4000,
      `first lookup took ${first.elapsedMs} ms: more than one timeout`,
    );
    const triedFirst = hole.blackholed();
    assert.ok(triedFirst >= 1, 'the first lookup never tried the blackholed endpoint');
    const later: number[] = [];
    for (const key of ['alice', 'bob', 'alice', 'bob', 'alice']) {
      const again = await driver(env, 'getpwnam', key);
      assert.match(again.stdout, new RegExp(`^${key}:x:`), again.stdout);
      later.push(again.elapsedMs);
    }
    assert.equal(
      hole.blackholed(),
      triedFirst,
      'the blackholed endpoint was tried again within its cooldown',
    );
    assert.ok(
      later.every((ms) => ms < 2000),
      `a lookup within the cooldown waited a timeout: ${later.join(', ')} ms`,
    );
    t.diagnostic(
      `first ${first.elapsedMs} ms, then ${later.join(', ')} ms; blackhole connections ${triedFirst}`,
    );
  });
});
