import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createClient, worstCaseMs } from '../../src/api/client.js';
import type { StnsClient } from '../../src/api/types.js';
import type { Config } from '../../src/config/types.js';
import { AuthError, ConfigError, EnumerationDisabledError, UnavailableError } from '../../src/errors.js';
import { testConfig } from '../support/config.js';
import { refusedUrl, startBlackhole, startStnsServer, type TestServer } from '../support/stns-server.js';

const data = readFileSync(new URL('../../../test/fixtures/users.toml', import.meta.url), 'utf8');
const clients: StnsClient[] = [];

// A client with fast test timeouts, closed after the file's tests.
function client(overrides: Partial<Config>, warn?: (m: string) => void) {
  const c = createClient(
    testConfig({ requestTimeoutMs: 400, retryRequest: 0, ...overrides }),
    warn ? { warn } : {},
  );
  clients.push(c);
  return c;
}
after(async () => {
  for (const c of clients) await c.close();
});

describe('client against a live server', () => {
  let server: TestServer;
  let backup: TestServer;
  before(async () => {
    server = await startStnsServer({ data });
    backup = await startStnsServer({ data });
  });
  after(async () => {
    await server.close();
    await backup.close();
  });

  for (const suffix of ['/v1', '/v2', '/v3', '']) {
    test(`every lookup works over generation "${suffix || 'root'}"`, async () => {
      const c = client({ endpoints: [`${server.url}${suffix}`] });
      assert.equal((await c.getUserByName('alice'))?.uid, 1001);
      assert.equal((await c.getUserById(1002))?.name, 'bob');
      assert.equal(await c.getUserByName('nobody'), null);
      assert.equal(await c.getUserById(4242), null);
      assert.equal((await c.getGroupByName('ops'))?.gid, 2002);
      assert.deepEqual((await c.getGroupById(2001))?.members, ['alice', 'bob']);
      assert.deepEqual((await c.listUsers()).map((u) => u.name).sort(), ['alice', 'bob']);
      assert.equal((await c.listGroups()).length, 2);
      assert.equal((await c.getKeys('alice'))?.length, 2);
      assert.equal(await c.getKeys('nobody'), null);
      assert.deepEqual((await c.getGroupsForUser('alice')).map((g) => g.name).sort(), ['dev', 'ops']);
    });
  }

  test('shift applies both ways', async () => {
    const c = client({ endpoints: [`${server.url}/v1`], uidShift: 100000, gidShift: 50000 });
    const alice = await c.getUserById(101001);
    assert.equal(alice?.name, 'alice');
    assert.equal(alice?.gid, 52001);
    assert.equal(server.requests.at(-1)?.url, '/v1/users?id=1001');
    assert.equal((await c.getGroupById(52002))?.name, 'ops');
    assert.equal(await c.getUserById(1001), null);
  });

  test('enumerate = false refuses lists but not getGroupsForUser', async () => {
    const c = client({ endpoints: [`${server.url}/v1`], enumerate: false });
    await assert.rejects(c.listUsers(), EnumerationDisabledError);
    await assert.rejects(c.listGroups(), EnumerationDisabledError);
    assert.equal((await c.getGroupsForUser('bob')).length, 1);
  });

  test('a 404 is authoritative: no failover', async () => {
    const before = backup.requests.length;
    const c = client({ endpoints: [`${server.url}/v2`, `${backup.url}/v2`] });
    assert.equal(await c.getUserByName('nobody'), null);
    assert.equal(backup.requests.length, before);
  });

  test('fail over from a refused, a blackholed and a 500 endpoint', async () => {
    const hole = await startBlackhole();
    try {
      for (const first of [await refusedUrl(), hole.url]) {
        const c = client({ endpoints: [`${first}/v1`, `${backup.url}/v1`] });
        assert.equal((await c.getUserByName('alice'))?.uid, 1001, first);
      }
      server.setFault({ kind: 'status', status: 500 });
      const c = client({ endpoints: [`${server.url}/v1`, `${backup.url}/v1`] });
      assert.equal((await c.getUserByName('bob'))?.uid, 1002);
      assert.equal(c.endpointHealth()[0]?.state, 'failing');
      assert.equal(c.endpointHealth()[0]?.lastError?.code, 'STNS_ERR_HTTP_STATUS');
      assert.equal(c.endpointHealth()[1]?.state, 'healthy');
    } finally {
      server.setFault(null);
      await hole.close();
    }
  });

  test('bad answers fail over: HTML 200, truncated JSON, 429, redirect loop, wrong shape', async () => {
    const faults = [
      { kind: 'body', body: '<html>oops</html>' },
      { kind: 'body', body: '[{"id":1001,"na' },
      { kind: 'body', body: '{"not":"an array"}' },
      { kind: 'body', status: 404, body: '<html>404</html>' },
      { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
      { kind: 'status', status: 302, headers: { location: '/v1/users?name=alice' } },
    ] as const;
    for (const fault of faults) {
      server.setFault(fault);
      const c = client({ endpoints: [`${server.url}/v1`, `${backup.url}/v1`] });
      assert.equal((await c.getUserByName('alice'))?.uid, 1001, JSON.stringify(fault));
    }
    server.setFault(null);
  });

  test('hostile entries are dropped with a warning', async () => {
    const hostile = await startStnsServer({
      data: '[users.root]\nid = 0\ngroup_id = 0\n[users.eve]\nid = 1003\ngroup_id = 2001\nkeys = ["a\\nb", "ok"]\n',
    });
    try {
      const warnings: string[] = [];
      const c = client({ endpoints: [`${hostile.url}/v1`] }, (m) => warnings.push(m));
      assert.deepEqual(
        (await c.listUsers()).map((u) => [u.name, u.keys]),
        [['eve', ['ok']]],
      );
      assert.equal(await c.getUserByName('root'), null);
      assert.equal(warnings.length, 2);
    } finally {
      await hostile.close();
    }
  });
});

describe('client failure handling', () => {
  test('basic and token auth accepted; 401 is AuthError at once, no retry, no failover', async () => {
    const server = await startStnsServer({ data, auth: { user: 'u', password: 'p', token: 't' } });
    const other = await startStnsServer({ data });
    try {
      const endpoints = [`${server.url}/v1`, `${other.url}/v1`];
      assert.equal((await client({ endpoints, user: 'u', password: 'p' }).getUserByName('alice'))?.uid, 1001);
      assert.equal((await client({ endpoints, authToken: 't' }).getUserByName('alice'))?.uid, 1001);
      const before = server.requests.length;
      const bad = client({ endpoints, authToken: 'wrong', retryRequest: 3 });
      await assert.rejects(bad.getUserByName('alice'), (e: Error) => {
        assert.ok(e instanceof AuthError);
        assert.doesNotMatch(e.message, /wrong/);
        return true;
      });
      assert.equal(server.requests.length - before, 1);
      assert.equal(other.requests.length, 0);
    } finally {
      await server.close();
      await other.close();
    }
  });

  test('retry rounds are counted on the server and bounded by worstCaseMs', async () => {
    const server = await startStnsServer({ data });
    try {
      server.setFault({ kind: 'status', status: 503 });
      const config = { endpoints: [`${server.url}/v1`, await refusedUrl()], retryRequest: 2 };
      const started = Date.now();
      await assert.rejects(client(config).getUserByName('alice'), (e: Error) => {
        assert.ok(e instanceof UnavailableError);
        assert.equal(e.errors.length, 2);
        return true;
      });
      assert.equal(server.requests.length, 3);
      assert.ok(Date.now() - started < worstCaseMs(testConfig({ ...config, requestTimeoutMs: 400 })) + 2000);
    } finally {
      await server.close();
    }
  });

  test('a timed-out endpoint cools down; every endpoint cooling fails at once', async () => {
    const hole = await startBlackhole();
    const server = await startStnsServer({ data });
    try {
      const slow = { endpointCooldownSec: 60, requestTimeoutMs: 1500 };
      const c = client({ endpoints: [hole.url, `${server.url}/v1`], ...slow });
      assert.equal((await c.getUserByName('alice'))?.uid, 1001);
      const started = Date.now();
      assert.equal((await c.getUserByName('bob'))?.uid, 1002);
      assert.ok(Date.now() - started < 1000, 'second lookup waited on the blackhole');
      assert.equal(c.endpointHealth()[0]?.state, 'cooling-down');
      const alone = client({ endpoints: [hole.url], ...slow, retryRequest: 2 });
      await assert.rejects(alone.getUserByName('alice'), UnavailableError);
      const again = Date.now();
      await assert.rejects(alone.getUserByName('alice'), /next try after/);
      assert.ok(Date.now() - again < 1000);
    } finally {
      await hole.close();
      await server.close();
    }
  });

  test('worstCaseMs follows the documented formula', () => {
    const config = testConfig({
      endpoints: ['http://a', 'http://b'],
      requestTimeoutMs: 1000,
      retryRequest: 3,
    });
    assert.equal(worstCaseMs(config), 4 * 2 * 1000 + 100 + 200 + 400);
    assert.equal(worstCaseMs({ ...config, retryRequest: 0 }), 2000);
  });

  test('bad configs are refused up front', () => {
    assert.throws(() => createClient(testConfig({ endpoints: [] })), ConfigError);
    assert.throws(() => createClient(testConfig({ endpoints: ['ftp://x'] })), ConfigError);
    assert.throws(() => createClient(testConfig({ retryRequest: -1 })), ConfigError);
  });
});
