import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config/types.js';
import { ConnectError, ProtocolError, TimeoutError, TlsError } from '../../src/errors.js';
import { createTransport } from '../../src/transport/http.js';
import { type Certs, makeCerts } from '../support/certs.js';
import { testConfig } from '../support/config.js';
import { refusedUrl, startBlackhole, startStnsServer, type TestServer } from '../support/stns-server.js';

const data = readFileSync(new URL('../../../test/fixtures/users.toml', import.meta.url), 'utf8');

// GET path on url with a transport made from `overrides`, always closing it.
async function get(url: string, overrides: Partial<Config> = {}) {
  const transport = createTransport(testConfig({ requestTimeoutMs: 500, ...overrides }));
  try {
    return await transport.get(`${url}/v1/users?name=alice`);
  } finally {
    await transport.close();
  }
}

describe('transport over plain HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startStnsServer({ data });
  });
  after(() => server.close());

  test('sends auth and custom headers', async () => {
    const res = await get(server.url, { authToken: 'tok', headers: { 'X-Site': 'a' } });
    assert.equal(res.status, 200);
    const seen = server.requests.at(-1)?.headers;
    assert.equal(seen?.authorization, 'token tok');
    assert.equal(seen?.['x-site'], 'a');
    await get(server.url, { user: 'u', password: 'p' });
    assert.equal(
      server.requests.at(-1)?.headers.authorization,
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
  });

  test('the whole attempt is bounded: hang, stalled body, drip', async () => {
    for (const fault of [
      { kind: 'hang' },
      { kind: 'stall-body' },
      { kind: 'drip', bytesPerSec: 20 },
    ] as const) {
      server.setFault(fault);
      const started = Date.now();
      await assert.rejects(get(server.url, { requestTimeoutMs: 300 }), TimeoutError, fault.kind);
      assert.ok(Date.now() - started < 3000, `${fault.kind} took too long`);
    }
    server.setFault({ kind: 'slow', delayMs: 50 });
    assert.equal((await get(server.url)).status, 200);
    server.setFault(null);
  });

  test('bodies over maxResponseBytes are cut off while streaming', async () => {
    server.setFault({ kind: 'huge', bytes: 50_000_000 });
    await assert.rejects(
      get(server.url, { maxResponseBytes: 100_000, requestTimeoutMs: 5000 }),
      ProtocolError,
    );
    server.setFault(null);
  });

  test('redirects are returned, not followed', async () => {
    server.setFault({ kind: 'status', status: 302, headers: { location: '/v1/users?name=alice' } });
    assert.equal((await get(server.url)).status, 302);
    server.setFault(null);
  });

  test('refused, reset and blackholed connections map to typed errors', async () => {
    await assert.rejects(get(await refusedUrl()), ConnectError);
    server.setFault({ kind: 'reset' });
    await assert.rejects(get(server.url), ConnectError);
    server.setFault(null);
    const hole = await startBlackhole();
    try {
      await assert.rejects(get(hole.url, { requestTimeoutMs: 300 }), TimeoutError);
    } finally {
      await hole.close();
    }
  });

  test('messages never carry credentials', async () => {
    const url = (await refusedUrl()).replace('http://', 'http://user:hunter2@');
    await assert.rejects(get(url, { password: 'hunter2', user: 'user' }), (error: Error) => {
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
  });
});

describe('transport over TLS', () => {
  let certs: Certs;
  const servers: TestServer[] = [];
  before(async () => {
    certs = await makeCerts();
  });
  after(async () => {
    for (const s of servers) await s.close();
  });
  const serve = async (cert: string, key: string, requireClientCert = false) => {
    const s = await startStnsServer({ data, tls: { cert, key, ca: certs.caCert, requireClientCert } });
    servers.push(s);
    return s;
  };

  test('mTLS with the pinned CA and a client cert', async () => {
    const s = await serve(certs.serverCert, certs.serverKey, true);
    const tls = { verify: true, caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey };
    assert.equal((await get(s.url, { tls })).status, 200);
    await assert.rejects(get(s.url, { tls: { verify: true, caFile: certs.caCert } }), (e: Error) => {
      assert.ok(e instanceof TlsError || e instanceof ConnectError, e.name);
      return true;
    });
  });

  test('wrong CA, expired, wrong host and system roots are rejected', async () => {
    const pinned = { tls: { verify: true, caFile: certs.caCert } };
    const wrong = await serve(certs.wrongCaServerCert, certs.wrongCaServerKey);
    await assert.rejects(get(wrong.url, pinned), TlsError);
    const expired = await serve(certs.expiredCert, certs.expiredKey);
    await assert.rejects(get(expired.url, pinned), TlsError);
    const other = await serve(certs.otherHostCert, certs.otherHostKey);
    await assert.rejects(get(other.url, pinned), TlsError);
    const good = await serve(certs.serverCert, certs.serverKey);
    await assert.rejects(get(good.url), TlsError);
    assert.equal((await get(good.url, pinned)).status, 200);
    assert.equal((await get(expired.url, { tls: { verify: false } })).status, 200);
  });
});
