// Both dialects map onto the same Config: a Go-era libnss_stns.conf and a
// libnss-stns-v2 client/stns.conf read unchanged, plus the built-in defaults.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig, loadConfig, parseConfig } from '../../src/config/index.js';
import type { Config } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { makeCerts } from '../support/certs.js';
import { collectWarnings, fixturePath, tempDir } from './temp.js';

// The fixtures name keys/ca.pem etc. relative to the file, as STNS.md's example does.
/** Copies a fixture into `dir` next to real generated TLS files, mode 0600. */
async function installFixture(dir: string, name: string): Promise<string> {
  const certs = await makeCerts();
  mkdirSync(join(dir, 'keys'));
  copyFileSync(certs.caCert, join(dir, 'keys', 'ca.pem'));
  copyFileSync(certs.clientCert, join(dir, 'keys', 'client.crt'));
  copyFileSync(certs.clientKey, join(dir, 'keys', 'client.key'));
  const path = join(dir, name);
  writeFileSync(path, readFileSync(fixturePath(name)), { mode: 0o600 });
  for (const file of ['ca.pem', 'client.crt', 'client.key']) {
    writeFileSync(join(dir, 'keys', file), readFileSync(join(dir, 'keys', file)), { mode: 0o600 });
  }
  return path;
}

const sharedDefaults = () => {
  const d = defaultConfig();
  return { maxResponseBytes: d.maxResponseBytes, minUid: 1000, minGid: 1000, enumerate: true };
};

test('a Go-era libnss_stns.conf maps onto Config', async (t) => {
  const dir = tempDir(t);
  const path = await installFixture(dir, 'go.conf');
  const { warn, warnings } = collectWarnings();
  const config = loadConfig(path, { warn });
  const expected: Config = {
    ...defaultConfig('libnss_stns'),
    ...sharedDefaults(),
    source: path,
    dialect: 'libnss_stns',
    endpoints: ['https://stns1.example.jp:1104/v2', 'https://stns2.example.jp:1104/v2'],
    requestTimeoutMs: 5000,
    retryRequest: 3,
    endpointCooldownSec: 10,
    user: 'stns',
    password: 'go-era-secret-pw',
    headers: { 'X-Stns-Client': 'bastion-01' },
    httpProxy: 'http://proxy.example.jp:3128',
    tls: {
      verify: true,
      caFile: join(dir, 'keys', 'ca.pem'),
      certFile: join(dir, 'keys', 'client.crt'),
      keyFile: join(dir, 'keys', 'client.key'),
    },
    uidShift: 2000,
    gidShift: -100,
    wrapperPath: '/usr/local/bin/stns-query-wrapper',
    chainSshWrapper: '/usr/libexec/openssh/ssh-ldap-wrapper',
  };
  assert.deepEqual(config, expected);
  assert.deepEqual(warnings, []);
});

test('a libnss-stns-v2 client/stns.conf is read unchanged', async (t) => {
  const dir = tempDir(t);
  const path = await installFixture(dir, 'v2.conf');
  const { warn, warnings } = collectWarnings();
  const config = loadConfig(path, { warn });
  const defaults = defaultConfig('stns-v2');
  const expected: Config = {
    ...defaults,
    source: path,
    dialect: 'stns-v2',
    endpoints: ['https://stns.example.com:1104/v1'],
    requestTimeoutMs: 10000,
    retryRequest: 3,
    endpointCooldownSec: 60,
    user: 'stns_user',
    password: 'v2-basic-secret',
    authToken: 'v2-token-0123456789abcdef',
    headers: { 'X-API-TOKEN': 'v2-header-secret' },
    httpProxy: 'http://proxy.example.com:8080',
    tls: {
      verify: true,
      caFile: join(dir, 'keys', 'ca.pem'),
      certFile: join(dir, 'keys', 'client.crt'),
      keyFile: join(dir, 'keys', 'client.key'),
    },
    uidShift: 1000,
    gidShift: 2000,
    wrapperPath: '/usr/local/bin/stns-wrapper',
    chainSshWrapper: '/usr/libexec/openssh/ssh-ldap-wrapper',
    cache: { ...defaults.cache, enabled: true, dir: '/var/cache/stns', ttlSec: 600, negativeTtlSec: 10 },
  };
  assert.deepEqual(config, expected);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0] ?? '', /auth_token and user\/password are both set; auth_token is sent/);
  assert.match(warnings[1] ?? '', /\[cached\] enable = true is ignored/);
});

test('an empty file gives the documented defaults', () => {
  const { warn, warnings } = collectWarnings();
  const config = parseConfig('', '/etc/stns/libnss_stns.conf', { warn });
  assert.deepEqual(config, {
    source: '/etc/stns/libnss_stns.conf',
    dialect: 'libnss_stns',
    endpoints: ['http://localhost:1104'],
    requestTimeoutMs: 3000,
    retryRequest: 1,
    endpointCooldownSec: 10,
    maxResponseBytes: 33554432,
    headers: {},
    tls: { verify: true },
    uidShift: 0,
    gidShift: 0,
    minUid: 1000,
    minGid: 1000,
    enumerate: true,
    wrapperPath: '/usr/local/bin/stns-query',
    bootGuardProcesses: [
      'init',
      'systemd',
      '(systemd)',
      'systemd-resolved',
      '(resolved)',
      'dbus-daemon',
      'dbus-broker',
    ],
    cache: {
      enabled: true,
      ttlSec: 600,
      negativeTtlSec: 10,
      maxStaleSec: 86400,
      dir: '/var/cache/stns-query',
      snapshot: true,
    },
    daemon: { publicSocket: '/run/stns-query/nss.sock', privateSocket: '/run/stns-query/private.sock' },
  } satisfies Config);
  assert.deepEqual(warnings, []);
});

test('the dialect is detected from the keys present', () => {
  const cases: Array<[string, Config['dialect']]> = [
    ['api_end_point = ["http://a:1104/v2"]', 'libnss_stns'],
    ['api_endpoint = "http://a:1104/v1"', 'stns-v2'],
    ['request_retry = 2', 'stns-v2'],
    ['[http_headers]\nX-A = "b"', 'stns-v2'],
    ['[tls]\nverify_not_a_key = 1', 'stns-v2'],
    ['auth_token = "t"', 'stns-v2'],
    ['api_end_point = ["http://a:1104/v1"]\nauth_token = "t"', 'libnss_stns'],
    ['request_timeout = 4', 'libnss_stns'],
    ['retry_request = 2', 'libnss_stns'],
  ];
  for (const [text, dialect] of cases) {
    assert.equal(parseConfig(text, '/x.conf', { warn: () => {} }).dialect, dialect, text);
  }
});

test('a v2 file without api_endpoint defaults to a local modern (/v1) server', () => {
  const config = parseConfig('request_retry = 0', '/x.conf', { warn: () => {} });
  assert.deepEqual(config.endpoints, ['http://localhost:1104/v1']);
  assert.equal(config.retryRequest, 0);
});

test('our own keys work in both dialects', () => {
  const own = [
    'min_uid = 2000',
    'min_gid = 3000',
    'enumerate = false',
    'endpoint_cooldown = 0',
    'max_response_bytes = 1048576',
    'cache_max_stale = 3600',
    'cache_snapshot = false',
    'boot_guard_processes = ["init"]',
    'auth_token = "t"',
  ].join('\n');
  const tail = '[daemon]\npublic_socket = "/tmp/p.sock"\nprivate_socket = "/tmp/q.sock"\n';
  for (const head of ['api_end_point = ["http://a/v2"]', 'api_endpoint = "http://a/v1"']) {
    const config = parseConfig(`${head}\n${own}\n${tail}`, '/x.conf', { warn: () => {} });
    assert.equal(config.minUid, 2000);
    assert.equal(config.minGid, 3000);
    assert.equal(config.enumerate, false);
    assert.equal(config.endpointCooldownSec, 0);
    assert.equal(config.maxResponseBytes, 1048576);
    assert.equal(config.cache.maxStaleSec, 3600);
    assert.equal(config.cache.snapshot, false);
    assert.deepEqual(config.bootGuardProcesses, ['init']);
    assert.equal(config.authToken, 't');
    assert.deepEqual(config.daemon, { publicSocket: '/tmp/p.sock', privateSocket: '/tmp/q.sock' });
  }
});

test('an endpoint may be one string in either dialect and loses its trailing slash', () => {
  const go = parseConfig('api_end_point = "https://Stns.Example.jp:1104/v3/"', '/x.conf');
  assert.deepEqual(go.endpoints, ['https://stns.example.jp:1104/v3']);
  const v2 = parseConfig('api_endpoint = ["http://a:1104/", "http://b:1104/v1"]', '/x.conf');
  assert.deepEqual(v2.endpoints, ['http://a:1104', 'http://b:1104/v1']);
});

test('naming one setting in both dialects is an error naming both keys', () => {
  const pairs: Array<[string, string, string]> = [
    ['api_end_point = ["http://a"]', 'api_endpoint = "http://b"', 'api_endpoint'],
    ['retry_request = 1', 'request_retry = 1', 'request_retry'],
    ['endpoint_cooldown = 5', 'request_locktime = 5', 'request_locktime'],
    ['wrapper_path = "/a"', 'query_wrapper = "/b"', 'query_wrapper'],
    ['tls_ca = "/a"\n[tls]', 'ca = "/b"', 'tls.ca'],
    ['[request_header]\nA = "1"\n[http_headers]', 'B = "2"', 'http_headers'],
  ];
  for (const [first, second, v2Name] of pairs) {
    const firstName = first.split(/[ =\n[\]]/).find((s) => s !== '') ?? '';
    assert.throws(
      () => parseConfig(`${first}\n${second}\n`, '/etc/stns/x.conf'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^\/etc\/stns\/x\.conf: /);
        assert.ok(error.message.includes(firstName), `${error.message} names ${firstName}`);
        assert.ok(error.message.includes(v2Name), `${error.message} names ${v2Name}`);
        assert.match(error.message, /keep one/);
        return true;
      },
    );
  }
});
