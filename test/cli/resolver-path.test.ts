// The CLI asks the resident resolver first (private socket as root) and goes
// to the servers itself only when none answers, or when it runs as the NSS
// module's fallback (STNS_QUERY_NSS_CHILD set).
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { silentLog } from '../../src/daemon/log.js';
import { startResolver } from '../../src/daemon/server.js';
import { defer, tempDir } from '../support/cleanup.js';
import { cliAsNobody, expectedPasswd, fixture, runCli, startFixtureServer, writeConfig } from './helpers.js';

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

test('a user who may not read the config (0600 root) is answered by the resolver the NSS module asks', async (t) => {
  const asNobody = await cliAsNobody(t);
  if (asNobody === null) return;
  const server = await startFixtureServer();
  defer(t, () => server.close());
  const dir = tempDir(t, 'stns-cli-');
  chmodSync(dir, 0o755);
  const secret = 'pw-never-shown-7d1';
  const config = writeConfig(
    dir,
    `api_end_point = ["${server.url}/v1"]\nuser = "stns"\npassword = "${secret}"\ncache_dir = "${join(dir, 'cache')}"\ncache_snapshot = false\n`,
  );
  // The module's socket, moved into the temp dir as the module's tests move it.
  const env = { STNS_QUERY_PUBLIC_SOCKET: join(dir, 'nss.sock') };
  const nobody = (...args: string[]) => asNobody(['--config', config, ...args], { env });

  const alone = await nobody('passwd', 'alice');
  assert.equal(alone.code, 78, 'no resolver: the unreadable config is the error');
  assert.match(
    alone.stderr,
    /^stns-query: no resolver answers at \S+nss\.sock, and uid 65534 may not read \S+libnss_stns\.conf to ask the servers: start the resolver/,
  );
  assert.equal(alone.stderr.split('\n').length, 2, 'one line');

  const resolver = await startResolver({ config: loadConfig(config, { warn: () => {} }), log: silentLog });
  defer(t, () => resolver.close());
  const passwd = await nobody('passwd', 'alice');
  assert.equal(passwd.code, 0, passwd.stderr);
  assert.equal(passwd.stdout, `${expectedPasswd('alice')}\n`);
  const keys = await nobody('keys', 'alice');
  assert.equal(keys.code, 0, keys.stderr);
  assert.equal(keys.stdout, `${fixture().users.alice?.keys.join('\n')}\n`);
  assert.match(keys.stderr, /chain_ssh_wrapper, if set, was not run: .*EACCES/);
  const status = await nobody('status');
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^resolver +pid /);
  const shadow = await nobody('shadow', 'alice');
  assert.equal(shadow.code, 77, 'hashes stay root-only');
  for (const run of [alone, passwd, keys, status, shadow])
    assert.ok(!`${run.stdout}${run.stderr}`.includes(secret));
});
