import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config/types.js';
import { ConnectError, ProtocolError, TimeoutError, TlsError } from '../../src/errors.js';
import { createTransport } from '../../src/transport/http.js';
import { type Certs, makeCerts } from '../support/certs.js';
import { testConfig } from '../support/config.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
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

describe('transport through an HTTP proxy (http_proxy)', () => {
  let certs: Certs;
  let server: TestServer;
  let tlsServer: TestServer;
  let proxy: TestProxy;
  before(async () => {
    certs = await makeCerts();
    server = await startStnsServer({ data });
    tlsServer = await startStnsServer({
      data,
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, requireClientCert: true },
    });
    proxy = await startProxy({ credentials: 'ops:pr0xy-secret' });
  });
  after(async () => {
    await proxy.close();
    await tlsServer.close();
    await server.close();
  });
  const withCredentials = (secret: string) => proxy.url.replace('http://', `http://ops:${secret}@`);

  test('plain HTTP is tunnelled with the proxy credentials from the URL; STNS auth reaches the server', async () => {
    const before = server.requests.length;
    const res = await get(server.url, { httpProxy: withCredentials('pr0xy-secret'), authToken: 'tok' });
    assert.equal(res.status, 200);
    const connect = proxy.requests.at(-1);
    assert.equal(connect?.target, new URL(server.url).host);
    assert.equal(connect?.authorization, `Basic ${Buffer.from('ops:pr0xy-secret').toString('base64')}`);
    assert.equal(server.requests.length, before + 1, 'the request went through the tunnel to the server');
    assert.equal(server.requests.at(-1)?.headers.authorization, 'token tok');
  });

  test('mTLS with the pinned CA works end to end inside the tunnel', async () => {
    const tls = { verify: true, caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey };
    const res = await get(tlsServer.url, { httpProxy: withCredentials('pr0xy-secret'), tls });
    assert.equal(res.status, 200);
    assert.equal(proxy.requests.at(-1)?.target, new URL(tlsServer.url).host);
    await assert.rejects(
      get(tlsServer.url, {
        httpProxy: withCredentials('pr0xy-secret'),
        tls: { verify: true, caFile: certs.wrongCaCert },
      }),
      TlsError,
    );
  });

  test('a proxy refusing the credentials or the target, or not listening: a ConnectError naming the proxy', async () => {
    await assert.rejects(get(server.url, { httpProxy: withCredentials('wrong-secret') }), (error: Error) => {
      assert.ok(error instanceof ConnectError, `${error.name}: ${error.message}`);
      assert.match(
        error.message,
        /via proxy http:\/\/127\.0\.0\.1:[0-9]+\/: the proxy wants credentials \(407\)/,
      );
      assert.doesNotMatch(error.message, /wrong-secret/);
      return true;
    });
    // The proxy tunnels to loopback only: this address never leaves the machine.
    await assert.rejects(
      get('http://192.0.2.1:80', { httpProxy: withCredentials('pr0xy-secret') }),
      /the proxy refused the tunnel \(403\)/,
    );
    const dead = (await refusedUrl()).replace('http://', 'http://ops:pr0xy-secret@');
    await assert.rejects(get(server.url, { httpProxy: dead }), (error: Error) => {
      assert.ok(error instanceof ConnectError, `${error.name}: ${error.message}`);
      assert.match(error.message, /via proxy .*ECONNREFUSED/);
      assert.doesNotMatch(error.message, /pr0xy-secret/);
      return true;
    });
  });
});
