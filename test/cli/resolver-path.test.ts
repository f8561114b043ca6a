// The CLI asks the resident resolver first (private socket as root) and goes
// to the servers itself only when none answers, or when it runs as the NSS
// module's fallback (STNS_QUERY_NSS_CHILD set).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { silentLog } from '../../src/daemon/log.js';
import { startResolver } from '../../src/daemon/server.js';
import { defer, tempDir } from '../support/cleanup.js';
import { expectedPasswd, fixture, runCli, startFixtureServer, writeConfig } from './helpers.js';

test('lookups go through a running resolver, and past it when STNS_QUERY_NSS_CHILD is set', async (t) => {
  const server = await startFixtureServer();
  defer(t, () => server.close());
  const dir = tempDir(t, 'stns-cli-');
  const config = writeConfig(
    dir,
    `api_end_point = ["${server.url}/v1"]\nretry_request = 0\ncache_dir = "${join(dir, 'cache')}"\ncache_snapshot = false\n`,
  );
  const resolver = await startResolver({ config: loadConfig(config, { warn: () => {} }), log: silentLog });
  // Deferred last so it stops first: its sockets and cache live in `dir`, removed only after.
  defer(t, () => resolver.close());

  const first = await runCli(['--config', config, 'passwd', 'alice']);
  assert.equal(first.stdout, `${expectedPasswd('alice')}\n`);
  const shadow = await runCli(['--config', config, 'shadow', 'alice']);
  assert.equal(
    shadow.stdout,
    `alice:${fixture().users.alice?.password}:::::::\n`,
    'root asks the private socket',
  );

  await server.close();
  const cached = await runCli(['--config', config, 'passwd', 'alice']);
  assert.equal(cached.code, 0, 'the server is gone: only the resolver can answer');
  assert.equal(cached.stdout, first.stdout, 'byte-identical to the direct answer');

  const direct = await runCli(['--config', config, 'passwd', 'alice'], {
    env: { STNS_QUERY_NSS_CHILD: '1' },
  });
  assert.equal(direct.code, 69, 'as the NSS fallback it must not ask the resolver again');
  assert.equal(direct.stdout, '');
});
