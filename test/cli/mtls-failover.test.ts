// Issue 2's acceptance case: a client-certificate HTTPS server behind a dead
// first endpoint, asked through the real CLI, prints the exact getent line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeCerts } from '../support/certs.js';
import { defer, tempDir } from '../support/cleanup.js';
import { refusedUrl } from '../support/stns-server.js';
import { expectedPasswd, runCli, startFixtureServer, writeConfig } from './helpers.js';

test('mTLS server behind a dead first endpoint: passwd alice prints her line', async (t) => {
  const certs = await makeCerts();
  const server = await startFixtureServer({
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, requireClientCert: true },
  });
  defer(t, () => server.close());
  const dir = tempDir(t, 'stns-cli-');
  const dead = await refusedUrl();
  const withClientCert = writeConfig(
    dir,
    [
      `api_end_point = ["${dead}/v1", "${server.url}/v1"]`,
      'request_timeout = 5',
      `tls_ca = "${certs.caCert}"`,
      `tls_cert = "${certs.clientCert}"`,
      `tls_key = "${certs.clientKey}"`,
    ].join('\n'),
  );

  const found = await runCli(['--config', withClientCert, 'passwd', 'alice']);
  assert.equal(found.stderr, '');
  assert.equal(found.code, 0);
  assert.equal(found.stdout, `${expectedPasswd('alice')}\n`);
  assert.equal(expectedPasswd('alice'), 'alice:x:1001:2001:Alice:/home/alice:/bin/bash');
  const served = server.requests.length;
  assert.ok(served >= 1, 'the mTLS server answered');

  // Without the client certificate the server refuses the handshake: unavailable, never "not found".
  const dir2 = tempDir(t, 'stns-cli-');
  const withoutClientCert = writeConfig(
    dir2,
    [
      `api_end_point = ["${dead}/v1", "${server.url}/v1"]`,
      'request_timeout = 5',
      `tls_ca = "${certs.caCert}"`,
    ].join('\n'),
  );
  const refused = await runCli(['--config', withoutClientCert, 'passwd', 'alice']);
  assert.equal(refused.code, 69, refused.stderr);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /^stns-query: .*127\.0\.0\.1/);
  assert.match(refused.stderr, /tls_cert/, 'the message points at the missing client certificate');
  assert.equal(refused.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
});
