import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import { makeCerts } from './certs.js';
import { refusedUrl, startBlackhole, startStnsServer, type TestServer } from './stns-server.js';

const fixture = readFileSync(new URL('../../../test/fixtures/users.toml', import.meta.url), 'utf8');

// A plain GET returning status, headers and text.
async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('test STNS server', () => {
  let server: TestServer;
  after(async () => server?.close());

  test('serves all four generations', async () => {
    server = await startStnsServer({ data: fixture });
    const v1 = await get(server.url, '/v1/users?name=alice');
    assert.equal(v1.status, 200);
    assert.equal(JSON.parse(v1.text)[0].name, 'alice');
    assert.equal(v1.headers.get('user-highest-id'), '1002');
    assert.equal(v1.headers.get('user-lowest-id'), '1001');
    assert.deepEqual(await get(server.url, '/v1/users?name=nobody').then((r) => [r.status, r.text]), [
      404,
      '{}',
    ]);
    assert.equal((await get(server.url, '/v1/users?id=abc')).status, 400);
    assert.equal(JSON.parse((await get(server.url, '/stns/v1/groups?id=2002')).text)[0].name, 'ops');
    const v2 = await get(server.url, '/v2/user/name/alice');
    assert.match(v2.text, /^\{\n {2}"metadata": \{/);
    assert.equal(JSON.parse(v2.text).items.alice.id, 1001);
    const v2miss = await get(server.url, '/v2/group/id/9');
    assert.equal(v2miss.status, 404);
    assert.equal(JSON.parse(v2miss.text).items, null);
    assert.equal(JSON.parse((await get(server.url, '/v3/user/id/1002')).text).name, 'bob');
    const v3miss = await get(server.url, '/v3/user/id/9');
    assert.deepEqual([v3miss.status, v3miss.text], [404, '{"Error":"Resource not found"}']);
    assert.equal(v3miss.headers.get('stns-max-id'), '1002');
    assert.deepEqual(Object.keys(JSON.parse((await get(server.url, '/user/list')).text)), ['alice', 'bob']);
    assert.equal((await get(server.url, '/status')).text, 'OK');
    assert.equal((await get(server.url, '/healthcheck')).text, 'success');
    assert.equal(server.requests.length, 11);
  });

  test('auth: basic and token accepted, 401 with the generation body otherwise', async () => {
    const s = await startStnsServer({ data: fixture, auth: { user: 'u', password: 'p', token: 't0k' } });
    after(() => s.close());
    const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
    assert.equal((await get(s.url, '/v1/users', { authorization: basic })).status, 200);
    assert.equal((await get(s.url, '/v1/users', { authorization: 'token t0k' })).status, 200);
    assert.deepEqual(await get(s.url, '/v2/user/list').then((r) => [r.status, r.text]), [
      401,
      '{"Error":"Not Authorized"}',
    ]);
    assert.equal((await get(s.url, '/status')).status, 200);
  });

  test('faults: status, body, huge, reset, setData', async () => {
    const s = await startStnsServer({ data: fixture });
    after(() => s.close());
    s.setFault({ kind: 'status', status: 503 });
    assert.equal((await get(s.url, '/v1/users')).status, 503);
    s.setFault({ kind: 'body', body: '<html>' });
    assert.equal((await get(s.url, '/v1/users')).text, '<html>');
    s.setFault({ kind: 'huge', bytes: 300_000 });
    assert.equal((await get(s.url, '/v1/users')).text.length, 300_000);
    s.setFault({ kind: 'reset' });
    await assert.rejects(get(s.url, '/v1/users'));
    s.setFault(null);
    s.setData('[users.zed]\nid = 1500\n');
    assert.equal(JSON.parse((await get(s.url, '/v1/users')).text)[0].name, 'zed');
  });

  test('hang and blackhole are torn down by close()', async () => {
    const s = await startStnsServer({ data: fixture });
    s.setFault({ kind: 'hang' });
    const pending = get(s.url, '/v1/users').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await s.close();
    assert.ok((await pending) instanceof Error);
    const hole = await startBlackhole();
    const sock = connect(Number(new URL(hole.url).port), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    await hole.close();
    await closed;
  });

  test('refusedUrl refuses', async () => {
    await assert.rejects(fetch(`${await refusedUrl()}/v1/users`));
  });

  test('TLS with a required client cert', async () => {
    const c = await makeCerts();
    const s = await startStnsServer({
      data: fixture,
      tls: { cert: c.serverCert, key: c.serverKey, ca: c.caCert, requireClientCert: true },
    });
    after(() => s.close());
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${s.url}/v1/users`, {
        ca: readFileSync(c.caCert),
        cert: readFileSync(c.clientCert),
        key: readFileSync(c.clientKey),
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
  });
});
