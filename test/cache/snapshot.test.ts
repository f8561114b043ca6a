// The snapshot file: atomic, private (0600 in a 0700 dir), refused when
// others could have written it, and loaded as stale-only entries.

import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClient } from '../../src/api/client.js';
import { createCachedClient, readSnapshot, type Snapshot, writeSnapshot } from '../../src/cache/index.js';
import { UnavailableError } from '../../src/errors.js';
import { defer, tempDir as sharedTempDir } from '../support/cleanup.js';
import { testConfig } from '../support/config.js';
import { refusedUrl, startStnsServer } from '../support/stns-server.js';

const USERS = readFileSync(new URL('../../../test/fixtures/users.toml', import.meta.url), 'utf8');

const tempDir = (t: Parameters<typeof sharedTempDir>[0]): string => sharedTempDir(t, 'stns-snapshot-');

const sample: Snapshot = {
  version: 1,
  savedAt: 1_700_000_000_000,
  users: [
    {
      name: 'alice',
      uid: 1001,
      gid: 2001,
      gecos: '',
      dir: '/home/alice',
      shell: '/bin/sh',
      password: '',
      keys: [],
    },
  ],
  groups: [{ name: 'dev', gid: 2001, members: ['alice'] }],
  usersComplete: true,
  groupsComplete: false,
};

test('writeSnapshot creates a 0700 directory and a 0600 file, leaving no temp file', async (t) => {
  const dir = join(tempDir(t), 'cache', 'stns-query');
  const path = join(dir, 'snapshot.json');
  await writeSnapshot(path, sample);
  await writeSnapshot(path, { ...sample, savedAt: sample.savedAt + 1 });
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ['snapshot.json']);
  assert.deepEqual(await readSnapshot(path), { ...sample, savedAt: sample.savedAt + 1 });
});

test('readSnapshot: none is null; a group/world-accessible or malformed file is refused', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'snapshot.json');
  assert.equal(await readSnapshot(path), null);
  await writeSnapshot(path, sample);
  chmodSync(path, 0o644);
  await assert.rejects(readSnapshot(path), /mode 644/);
  writeFileSync(path, '{"version":99}', { mode: 0o600 });
  chmodSync(path, 0o600);
  await assert.rejects(readSnapshot(path), /unknown format/);
});

test('a restarted cache answers snapshot users only while the server is unreachable', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'snapshot.json');
  const server = await startStnsServer({ data: USERS });
  defer(t, () => server.close());
  const config = testConfig({ endpoints: [`${server.url}/v1`], retryRequest: 0 });
  const first = createCachedClient(createClient(config), config.cache, { snapshotPath: path });
  await first.listUsers();
  await first.getGroupByName('ops');
  await first.close();
  const saved = await readSnapshot(path);
  assert.deepEqual(saved?.users.map((u) => u.name).sort(), ['alice', 'bob']);
  assert.equal(saved?.usersComplete, true);

  const down = testConfig({ endpoints: [await refusedUrl()], retryRequest: 0, endpointCooldownSec: 0 });
  const second = createCachedClient(createClient(down), down.cache, { snapshotPath: path });
  defer(t, () => second.close());
  assert.equal(await second.loadSnapshot(), 3);
  assert.equal((await second.getUserByName('alice'))?.uid, 1001);
  assert.equal((await second.getUserById(1002))?.name, 'bob');
  assert.equal((await second.getGroupById(2002))?.name, 'ops');
  assert.equal((await second.listUsers()).length, 2);
  await assert.rejects(second.getUserByName('carol'), UnavailableError);
  assert.equal(second.stats().servingStale, true);

  const requestsBefore = server.requests.length;
  const third = createCachedClient(createClient(config), config.cache, { snapshotPath: path });
  defer(t, () => third.close());
  await third.loadSnapshot();
  await third.getUserByName('alice');
  assert.equal(server.requests.length, requestsBefore + 1, 'snapshot entries are never fresh');
});
