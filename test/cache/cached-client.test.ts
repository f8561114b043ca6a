// The cache against the real test STNS server, with a controllable clock:
// every assertion about "asked the server or not" counts server requests.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createClient } from '../../src/api/client.js';
import { type CachedClient, type CachedClientOptions, createCachedClient } from '../../src/cache/index.js';
import type { Config } from '../../src/config/types.js';
import { AuthError, EnumerationDisabledError, UnavailableError } from '../../src/errors.js';
import { formatPasswd } from '../../src/model/format.js';
import type { User } from '../../src/model/types.js';
import { defer } from '../support/cleanup.js';
import { testConfig } from '../support/config.js';
import { startStnsServer, type TestServer } from '../support/stns-server.js';

const USERS = readFileSync(new URL('../../../test/fixtures/users.toml', import.meta.url), 'utf8');

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (sec: number): void => {
      now += sec * 1000;
    },
  };
}

interface Setup {
  server: TestServer;
  cache: CachedClient;
  clock: ReturnType<typeof manualClock>;
  config: Config;
  dataRequests(): number;
}

// One real server + one cached client; both torn down after the test.
async function setup(
  t: { after(fn: () => Promise<void> | void): void },
  cache: Partial<Config['cache']> = {},
  options: CachedClientOptions = {},
  overrides: Partial<Config> = {},
): Promise<Setup> {
  const server = await startStnsServer({ data: USERS });
  const clock = manualClock();
  const config = testConfig({
    endpoints: [`${server.url}/v1`],
    requestTimeoutMs: 1000,
    retryRequest: 0,
    endpointCooldownSec: 0,
    ...overrides,
    cache: {
      ttlSec: 600,
      negativeTtlSec: 10,
      maxStaleSec: 3600,
      snapshot: false,
      ...cache,
    } as Config['cache'],
  });
  const cached = createCachedClient(createClient(config), config.cache, {
    now: clock.now,
    refreshAheadRatio: 0,
    snapshotPath: null,
    ...options,
  });
  defer(t, async () => {
    await cached.close();
    await server.close();
  });
  const dataRequests = () => server.requests.filter((r) => !/\/(status|healthcheck)$/.test(r.url)).length;
  return { server, cache: cached, clock, config, dataRequests };
}

test('a found user is served from cache until the TTL, then asked again', async (t) => {
  const { cache, clock, dataRequests } = await setup(t);
  assert.equal((await cache.getUserByName('alice'))?.uid, 1001);
  assert.equal(dataRequests(), 1);
  clock.advance(599);
  assert.equal((await cache.getUserByName('alice'))?.uid, 1001);
  assert.equal(dataRequests(), 1);
  clock.advance(2);
  assert.equal((await cache.getUserByName('alice'))?.uid, 1001);
  assert.equal(dataRequests(), 2);
  const stats = cache.stats();
  assert.equal(stats.hits, 1);
  assert.equal(stats.misses, 2);
});

test('a not-found answer is cached for negativeTtlSec only', async (t) => {
  const { cache, clock, dataRequests } = await setup(t);
  assert.equal(await cache.getUserByName('nobody'), null);
  assert.equal(await cache.getUserByName('nobody'), null);
  assert.equal(dataRequests(), 1);
  assert.equal(cache.stats().negativeHits, 1);
  clock.advance(11);
  assert.equal(await cache.getUserByName('nobody'), null);
  assert.equal(dataRequests(), 2);
});

test('a user found by name also answers by id without a request', async (t) => {
  const { cache, dataRequests } = await setup(t);
  await cache.getUserByName('bob');
  assert.equal((await cache.getUserById(1002))?.name, 'bob');
  await cache.getGroupById(2002);
  assert.equal((await cache.getGroupByName('ops'))?.gid, 2002);
  assert.equal(dataRequests(), 2);
});

test('list fetches fill by-name and by-id entries; keys and memberships derive from them', async (t) => {
  const { cache, dataRequests } = await setup(t);
  assert.equal((await cache.listUsers()).length, 2);
  assert.equal((await cache.listGroups()).length, 2);
  const before = dataRequests();
  assert.equal((await cache.getUserById(1001))?.name, 'alice');
  assert.equal((await cache.getUserByName('bob'))?.uid, 1002);
  assert.equal((await cache.getGroupByName('dev'))?.gid, 2001);
  assert.equal((await cache.getGroupById(2002))?.name, 'ops');
  assert.equal((await cache.getKeys('alice'))?.length, 2);
  assert.deepEqual(
    (await cache.getGroupsForUser('alice')).map((g) => g.gid),
    [2001, 2002],
  );
  assert.deepEqual(
    (await cache.getGroupsForUser('bob')).map((g) => g.gid),
    [2001],
  );
  assert.equal(dataRequests(), before);
});

test('100 concurrent misses for one key make exactly one server request', async (t) => {
  const { server, cache, dataRequests } = await setup(t);
  server.setFault({ kind: 'slow', delayMs: 100 });
  const answers = await Promise.all(Array.from({ length: 100 }, () => cache.getUserByName('alice')));
  assert.ok(answers.every((user) => user?.uid === 1001));
  assert.equal(dataRequests(), 1);
});

test('while the server is down, known entries are served stale and unknown ones stay unavailable', async (t) => {
  const { server, cache, clock } = await setup(t, { ttlSec: 60, maxStaleSec: 3600 });
  await cache.getUserByName('alice');
  await cache.getKeys('alice');
  await cache.listGroups();
  await cache.getUserByName('ghost');
  await server.close();
  clock.advance(120);
  assert.equal((await cache.getUserByName('alice'))?.uid, 1001);
  assert.equal((await cache.getUserById(1001))?.name, 'alice');
  assert.equal((await cache.getKeys('alice'))?.length, 2);
  assert.deepEqual(
    (await cache.getGroupsForUser('bob')).map((g) => g.name),
    ['dev'],
  );
  assert.equal(cache.stats().servingStale, true);
  assert.ok(cache.stats().staleServes >= 3);
  await assert.rejects(cache.getUserByName('carol'), UnavailableError);
  // a cached "not found" is never served stale: it would read as "no such user"
  await assert.rejects(cache.getUserByName('ghost'), UnavailableError);
  clock.advance(60 + 3600);
  await assert.rejects(cache.getUserByName('alice'), UnavailableError);
});

test('auth refusals and disabled enumeration are rethrown, never cached or answered stale', async (t) => {
  const { cache } = await setup(t, {}, {}, { enumerate: false });
  await assert.rejects(cache.listUsers(), EnumerationDisabledError);
  assert.equal(cache.stats().entries, 0);
  const server = await startStnsServer({ data: USERS, auth: { token: 'right-token' } });
  defer(t, () => server.close());
  const make = (token: string) => {
    const config = testConfig({ endpoints: [`${server.url}/v1`], authToken: token, retryRequest: 0 });
    const client = createCachedClient(
      createClient(config),
      { ...config.cache, ttlSec: 0 },
      { snapshotPath: null },
    );
    defer(t, () => client.close());
    return client;
  };
  const good = make('right-token');
  assert.equal((await good.getUserByName('alice'))?.uid, 1001);
  const refused = make('wrong-token');
  refused.adoptEntries(good);
  await assert.rejects(refused.getUserByName('alice'), AuthError);
  assert.equal(refused.stats().staleServes, 0);
});

test('cache.enabled = false passes every call through', async (t) => {
  const { cache, dataRequests } = await setup(t, { enabled: false });
  await cache.getUserByName('alice');
  await cache.getUserByName('alice');
  assert.equal(dataRequests(), 2);
  assert.equal(cache.stats().enabled, false);
  assert.equal(cache.clear(), 0);
});

test('the entry bound evicts the least recently used entry', async (t) => {
  const { cache, dataRequests } = await setup(t, {}, { maxEntries: 2 });
  await cache.getGroupByName('nope1');
  await cache.getGroupByName('nope2');
  await cache.getGroupByName('nope1');
  await cache.getGroupByName('nope3');
  assert.equal(cache.stats().entries, 2);
  assert.equal(dataRequests(), 3);
  await cache.getGroupByName('nope1');
  assert.equal(dataRequests(), 3);
  await cache.getGroupByName('nope2');
  assert.equal(dataRequests(), 4);
});

test('clear(key) drops that name and its id; clear() drops everything', async (t) => {
  const { cache, dataRequests } = await setup(t);
  await cache.getUserByName('alice');
  await cache.getUserByName('bob');
  assert.ok(cache.clear('alice') >= 2);
  await cache.getUserById(1001);
  await cache.getUserByName('bob');
  assert.equal(dataRequests(), 3);
  assert.ok(cache.clear() > 0);
  assert.equal(cache.stats().entries, 0);
});

test('a fresh entry read past 80% of its TTL is refreshed in the background', async (t) => {
  const { server, cache, clock, dataRequests } = await setup(t, { ttlSec: 100 }, { refreshAheadRatio: 0.8 });
  await cache.getUserByName('alice');
  server.setData(USERS.replace('gecos = "Alice"', 'gecos = "Alice Liddell"'));
  clock.advance(50);
  assert.equal((await cache.getUserByName('alice'))?.gecos, 'Alice');
  assert.equal(dataRequests(), 1);
  clock.advance(35);
  assert.equal((await cache.getUserByName('alice'))?.gecos, 'Alice');
  for (let i = 0; i < 100 && dataRequests() < 2; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(dataRequests(), 2);
  clock.advance(30);
  assert.equal((await cache.getUserByName('alice'))?.gecos, 'Alice Liddell');
  assert.equal(dataRequests(), 2);
});

test('hitLine answers fresh entries only (by name and id, negative too) and counts hits', async (t) => {
  const { cache, clock, dataRequests } = await setup(t);
  assert.equal(cache.hitLine('userByName', 'alice'), undefined);
  await cache.getUserByName('alice');
  await cache.getUserByName('ghost');
  const alice = formatPasswd((await cache.getUserByName('alice')) as User);
  const before = cache.stats().hits;
  assert.equal(cache.hitLine('userByName', 'alice'), alice);
  assert.equal(cache.hitLine('userById', 1001), alice);
  assert.equal(cache.hitLine('userByName', 'ghost'), null);
  assert.equal(cache.stats().hits - before, 3);
  assert.equal(cache.stats().negativeHits, 1);
  clock.advance(601);
  assert.equal(cache.hitLine('userByName', 'alice'), undefined);
  assert.equal(dataRequests(), 2);
});
