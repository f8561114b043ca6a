// `stns-query check` against real servers: one line per endpoint, the
// config summary without secrets, and exit 0 / 69 / 77 / 78 as documented.
import assert from 'node:assert/strict';
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeCerts } from '../support/certs.js';
import { defer, tempDir } from '../support/cleanup.js';
import { refusedUrl, startStnsServer } from '../support/stns-server.js';
import { fixtureText, runCli, startFixtureServer, writeConfig } from './helpers.js';

const endpointLines = (stdout: string): string[] =>
  stdout.split('\n').filter((line) => /^(ok|refused|unreachable|broken)\s/.test(line));

test('check: a dead endpoint and a working HTTPS one exit 0, with the TLS peer shown', async (t) => {
  const certs = await makeCerts();
  const server = await startStnsServer({
    data: fixtureText(),
    tls: { cert: certs.serverCert, key: certs.serverKey },
    auth: { token: 'tok-secret-123' },
  });
  defer(t, () => server.close());
  const dir = tempDir(t, 'stns-cli-');
  const dead = await refusedUrl();
  const config = writeConfig(
    dir,
    `api_end_point = ["${dead}/v1", "${server.url}/v1"]\ntls_ca = "${certs.caCert}"\nauth_token = "tok-secret-123"\nretry_request = 0\n`,
  );
  const result = await runCli(['--config', config, 'check']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const lines = endpointLines(result.stdout);
  assert.equal(lines.length, 2);
  assert.match(lines[0] ?? '', /^unreachable .*ECONNREFUSED/);
  assert.match(
    lines[1] ?? '',
    /^ok .*health \/status: 200 .*tls CN=127\.0\.0\.1 issuer=stns-query test ca expires \d{4}-\d\d-\d\d.*auth accepted/,
  );
  assert.match(result.stdout, /token: <set>/);
  assert.doesNotMatch(result.stdout + result.stderr, /tok-secret-123/);
});

test('check: every endpoint refusing connections exits 69', async (t) => {
  const dir = tempDir(t, 'stns-cli-');
  const config = writeConfig(dir, `api_end_point = ["${await refusedUrl()}/v2"]\nretry_request = 0\n`);
  const result = await runCli(['--config', config, 'check']);
  assert.equal(result.code, 69);
  assert.equal(endpointLines(result.stdout).length, 1);
});

test('check: credentials refused everywhere reachable exits 77, password never shown', async (t) => {
  const server = await startFixtureServer({ auth: { user: 'u', password: 'good-pass-9' } });
  defer(t, () => server.close());
  const dir = tempDir(t, 'stns-cli-');
  const config = writeConfig(
    dir,
    `api_end_point = ["${server.url}/v1", "${await refusedUrl()}/v1"]\nuser = "u"\npassword = "bad-pass-7"\nretry_request = 0\n`,
  );
  const result = await runCli(['--config', config, 'check']);
  assert.equal(result.code, 77);
  assert.match(endpointLines(result.stdout)[0] ?? '', /^refused /);
  assert.match(result.stdout, /password: <set>/);
  assert.doesNotMatch(result.stdout + result.stderr, /bad-pass-7|good-pass-9/);
});

test('check: a certificate from an unknown CA is not "ok"', async (t) => {
  const certs = await makeCerts();
  const server = await startStnsServer({
    data: fixtureText(),
    tls: { cert: certs.wrongCaServerCert, key: certs.wrongCaServerKey },
  });
  defer(t, () => server.close());
  const dir = tempDir(t, 'stns-cli-');
  const config = writeConfig(
    dir,
    `api_end_point = ["${server.url}/v1"]\ntls_ca = "${certs.caCert}"\nretry_request = 0\n`,
  );
  const result = await runCli(['--config', config, 'check']);
  assert.notEqual(result.code, 0);
  assert.match(endpointLines(result.stdout)[0] ?? '', /NOT VERIFIED/);
});

test('check: an invalid config exits 78 before probing anything', async (t) => {
  const dir = tempDir(t, 'stns-cli-');
  const config = writeConfig(dir, 'api_end_point = ["ftp://127.0.0.1/v1"]\n');
  const result = await runCli(['--config', config, 'check']);
  assert.equal(result.code, 78);
  assert.match(result.stderr, /^stns-query: .*api_end_point/);
  assert.equal(result.stdout, '');
});

test('check: says whether the NSS fallback helper (wrapper_path) is there and root-owned', async (t) => {
  const server = await startFixtureServer();
  defer(t, () => server.close());
  const dir = tempDir(t, 'stns-cli-');
  const helper = join(dir, 'stns-query-helper');
  writeFileSync(helper, '#!/bin/sh\n', { mode: 0o755 });
  const check = async (wrapper: string) => {
    const config = writeConfig(dir, `api_end_point = ["${server.url}/v1"]\nwrapper_path = "${wrapper}"\n`);
    const result = await runCli(['--config', config, 'check']);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.split('\n').find((line) => line.startsWith('helper:')) ?? '';
  };
  assert.match(await check(helper), /stns-query-helper .*: ok \(runs \/bin\/sh\)$/);
  assert.match(await check(join(dir, 'absent')), /absent .*: MISSING/);
  chownSync(helper, 65534, 65534);
  assert.match(await check(helper), /owned by uid 65534, not root/);
});

test('check: says whether the #! interpreter of the helper is on the PATH the module and sshd give it', async (t) => {
  const server = await startFixtureServer();
  defer(t, () => server.close());
  const dir = tempDir(t, 'stns-cli-');
  const helper = join(dir, 'stns-query-helper');
  const check = async (shebang: string) => {
    writeFileSync(helper, `${shebang}\n`, { mode: 0o755 });
    const config = writeConfig(dir, `api_end_point = ["${server.url}/v1"]\nwrapper_path = "${helper}"\n`);
    const result = await runCli(['--config', config, 'check']);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.split('\n').find((line) => line.startsWith('helper:')) ?? '';
  };
  // sh is in /usr/bin or /bin on every Debian; the PATH of this test process is not consulted.
  assert.match(await check('#!/usr/bin/env sh'), /: ok \(runs \/(usr\/)?bin\/sh\)$/);
  assert.match(await check('#!/bin/sh -e'), /: ok \(runs \/bin\/sh\)$/);
  assert.match(
    await check('#!/usr/bin/env -S no-such-interpreter-7f3 --flag'),
    /interpreter no-such-interpreter-7f3 is NOT FOUND on \/usr\/local\/bin:\/usr\/bin:\/bin .*ln -s/,
  );
  assert.match(
    await check('#!/opt/nowhere/node'),
    /interpreter \/opt\/nowhere\/node is NOT FOUND .*fix the #! line/,
  );
});
