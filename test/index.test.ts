// The public surface: every documented export is there and typed as documented.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { Config, Group, StnsClient, User } from '../src/index.js';
import * as lib from '../src/index.js';

test('the library exports its documented API', () => {
  for (const name of [
    'createClient',
    'loadConfig',
    'parseConfig',
    'worstCaseMs',
    'formatPasswd',
    'formatGroup',
  ]) {
    assert.equal(typeof (lib as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(lib.DEFAULT_CONFIG_PATH, '/etc/stns/libnss_stns.conf');
});

test('every error class carries a stable code and an exit status', () => {
  const cases: Array<[lib.StnsError, string, number]> = [
    [new lib.ConfigError('x'), 'STNS_ERR_CONFIG', 78],
    [new lib.ConfigUnreadableError('x', '/x.conf'), 'STNS_ERR_CONFIG_UNREADABLE', 78],
    [new lib.UsageError('x'), 'STNS_ERR_USAGE', 1],
    [new lib.AuthError('x'), 'STNS_ERR_AUTH', 77],
    [new lib.PermissionError('x'), 'STNS_ERR_PERMISSION', 77],
    [new lib.EnumerationDisabledError('x'), 'STNS_ERR_ENUMERATION_DISABLED', 3],
    [new lib.TimeoutError('x'), 'STNS_ERR_TIMEOUT', 69],
    [new lib.ConnectError('x'), 'STNS_ERR_CONNECT', 69],
    [new lib.TlsError('x'), 'STNS_ERR_TLS', 69],
    [new lib.HttpStatusError('x', 503), 'STNS_ERR_HTTP_STATUS', 69],
    [new lib.ProtocolError('x'), 'STNS_ERR_PROTOCOL', 69],
    [new lib.UnavailableError('x'), 'STNS_ERR_UNAVAILABLE', 69],
  ];
  for (const [error, code, exit] of cases) {
    assert.equal(error.code, code);
    assert.equal(error.exitCode, exit);
    assert.ok(lib.StnsError.isStnsError(error));
    assert.equal(lib.exitCodeOf(error), exit);
  }
  assert.equal(lib.exitCodeOf(new Error('bug')), 70);
  assert.equal(lib.StnsError.isStnsError(new Error('plain')), false);
});

test('the formatter prints getent-exact lines', () => {
  const user: User = {
    name: 'alice',
    uid: 1001,
    gid: 2001,
    gecos: 'Alice',
    dir: '/home/alice',
    shell: '/bin/bash',
    password: '',
    keys: [],
  };
  const group: Group = { name: 'dev', gid: 2001, members: ['alice', 'bob'] };
  assert.equal(lib.formatPasswd(user), 'alice:x:1001:2001:Alice:/home/alice:/bin/bash');
  assert.equal(lib.formatGroup(group), 'dev:x:2001:alice,bob');
  assert.equal(lib.formatShadow(user), 'alice:!!:::::::');
  assert.equal(lib.formatShadow({ ...user, password: '$6$salt$hash' }), 'alice:$6$salt$hash:::::::');
});

test('importing the library does not load undici until a request is made', () => {
  // undici is CommonJS, so once loaded it sits in require.cache even when imported from ESM.
  const entry = new URL('../src/index.js', import.meta.url).href;
  const probe = (afterImport: string): string => {
    const code = `const lib = await import(${JSON.stringify(entry)}); ${afterImport}
      const { createRequire } = await import('node:module');
      const cached = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(String(cached.some((p) => p.includes('/undici/'))));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout;
  };
  assert.equal(probe(''), 'false');
  // The probe can see undici when it is loaded: a request through a client loads it.
  const request = `const c = lib.createClient(lib.parseConfig('api_end_point = ["http://127.0.0.1:9/v1"]\\nretry_request = 0\\nrequest_timeout = 1\\n', '/probe.conf'));
      await c.getUserByName('alice').catch(() => {}); await c.close();`;
  assert.equal(probe(request), 'true');
});

// Compile-time checks: these only have to type-check.
export function typeChecks(client: StnsClient, config: Config): void {
  const user: Promise<User | null> = client.getUserByName('alice');
  const groups: Promise<Group[]> = client.getGroupsForUser('alice');
  const timeout: number = config.requestTimeoutMs;
  void user;
  void groups;
  void timeout;
}
