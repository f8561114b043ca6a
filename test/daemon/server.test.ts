// The resolver on real unix sockets against the real test STNS server:
// privileges per socket, byte-identical answers, outages, hostile clients.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClient } from '../../src/api/client.js';
import { resolve } from '../../src/api/resolve.js';
import { askResolver, parseResponse } from '../../src/daemon/client.js';
import { silentLog } from '../../src/daemon/log.js';
import { encodeResponse, type Op } from '../../src/daemon/protocol.js';
import { startResolver } from '../../src/daemon/server.js';
import { defer } from '../support/cleanup.js';
import { daemonConfig, idleConnection, rawExchange, startHarness, tempDir } from './harness.js';

test('sockets get modes 0666/0600; the public one never shows a hash', async (t) => {
  const h = await startHarness(t);
  assert.equal(statSync(h.publicSocket).mode & 0o777, 0o666);
  assert.equal(statSync(h.privateSocket).mode & 0o777, 0o600);
  const passwd = await askResolver(h.publicSocket, 'getpwnam', 'alice');
  assert.deepEqual(passwd, { status: 0, lines: ['alice:x:1001:2001:Alice:/home/alice:/bin/bash'] });
  for (const [op, arg] of [
    ['getspnam', 'alice'],
    ['getspent', undefined],
    ['cache-clear', undefined],
  ] as const) {
    const answer = await askResolver(h.publicSocket, op, arg);
    assert.equal(answer?.status, 77, op);
    assert.ok(!answer?.lines.join('').includes('$6$'), op);
  }
  const all = await askResolver(h.publicSocket, 'getpwent');
  assert.ok(all?.lines.every((line) => line.split(':')[1] === 'x'));
  const shadow = await askResolver(h.privateSocket, 'getspnam', 'alice');
  assert.deepEqual(shadow, { status: 0, lines: ['alice:$6$saltsalt$aliceHashForTestsOnly:::::::'] });
});

test('every op answers byte-identically to resolve() over a direct client', async (t) => {
  const h = await startHarness(t);
  const direct = createClient(h.config);
  defer(t, () => direct.close());
  const cases: Array<[Op, string | undefined]> = [
    ['getpwnam', 'alice'],
    ['getpwnam', 'nobody'],
    ['getpwuid', '1002'],
    ['getpwuid', '4294967295'],
    ['getpwent', undefined],
    ['getgrnam', 'dev'],
    ['getgrgid', '2002'],
    ['getgrgid', '9'],
    ['getgrent', undefined],
    ['initgroups', 'alice'],
    ['initgroups', 'nobody'],
    ['keys', 'alice'],
    ['keys', 'nobody'],
    ['getspnam', 'bob'],
    ['getspent', undefined],
  ];
  for (const privileged of [false, true]) {
    const socket = privileged ? h.privateSocket : h.publicSocket;
    for (const [op, arg] of cases) {
      const request = arg === undefined ? `STNS1 ${op}\n` : `STNS1 ${op} ${arg}\n`;
      const expected = encodeResponse(await resolve(direct, op, arg, { privileged }));
      const viaDaemon = await rawExchange(socket, request);
      const again = await rawExchange(socket, request);
      assert.deepEqual(viaDaemon, expected, `${request.trim()} privileged=${privileged}`);
      assert.deepEqual(again, expected, `${request.trim()} (cached) privileged=${privileged}`);
    }
  }
});

test('server stopped after warm-up: known users resolve, unknown ones say 69, not 2', async (t) => {
  const h = await startHarness(t, { cache: { ttlSec: 0 } as never });
  assert.equal((await askResolver(h.publicSocket, 'getpwnam', 'alice'))?.status, 0);
  assert.equal((await askResolver(h.publicSocket, 'getgrent'))?.status, 0);
  await h.server.close();
  assert.deepEqual(await askResolver(h.publicSocket, 'getpwnam', 'alice'), {
    status: 0,
    lines: ['alice:x:1001:2001:Alice:/home/alice:/bin/bash'],
  });
  assert.deepEqual(await askResolver(h.publicSocket, 'initgroups', 'bob'), { status: 0, lines: ['2001'] });
  assert.equal((await askResolver(h.publicSocket, 'getpwnam', 'carol'))?.status, 69);
  assert.equal((await askResolver(h.publicSocket, 'getpwuid', '1002'))?.status, 69);
  const status = await askResolver(h.publicSocket, 'status');
  assert.equal(JSON.parse(status?.lines[0] ?? '{}').servingStale, true);
});

test('garbage, oversized and unknown requests get status 1 and the daemon keeps serving', async (t) => {
  const h = await startHarness(t);
  const bad = [
    'hello\n',
    'STNS1 getpwnam\n',
    'STNS1 getpwent alice\n',
    'STNS1 getpwnam a:b\n',
    'STNS1 getpwnam alice extra\n',
    'STNS1 frobnicate x\n',
    `STNS1 getpwnam ${'a'.repeat(300)}\n`,
    Buffer.alloc(10 * 1024, 0x41),
    Buffer.from([0, 1, 2, 0x0a]),
    Buffer.from('STNS1 getpwnam a\xffb\n', 'latin1'),
  ];
  for (const request of bad) {
    const answer = parseResponse(await rawExchange(h.publicSocket, request));
    assert.ok(answer !== 'invalid' && answer !== 'incomplete', String(request).slice(0, 40));
    assert.equal(answer.status, 1, String(request).slice(0, 40));
  }
  assert.equal((await askResolver(h.publicSocket, 'getpwnam', 'bob'))?.status, 0);
});

test('a client that never finishes its request is answered 1 and closed after the read timeout', async (t) => {
  const h = await startHarness(t, {}, { readTimeoutMs: 300 });
  const started = Date.now();
  const slow = rawExchange(h.publicSocket, 'STNS1 getpw');
  assert.equal((await askResolver(h.publicSocket, 'getpwnam', 'alice'))?.status, 0);
  const answer = parseResponse(await slow);
  assert.ok(answer !== 'invalid' && answer !== 'incomplete');
  assert.equal(answer.status, 1);
  assert.ok(Date.now() - started >= 250);
});

test('300 idle connections do not stop a normal lookup; past the limit connections close at once', async (t) => {
  const h = await startHarness(t, {}, { maxConnections: 310 });
  const idle = await Promise.all(Array.from({ length: 300 }, () => idleConnection(h.publicSocket)));
  defer(t, () => {
    for (const socket of idle) socket.destroy();
  });
  assert.equal((await askResolver(h.publicSocket, 'getpwnam', 'alice'))?.status, 0);
  const more = await Promise.all(Array.from({ length: 10 }, () => idleConnection(h.publicSocket)));
  defer(t, () => {
    for (const socket of more) socket.destroy();
  });
  const closedAtOnce = await rawExchange(h.publicSocket, 'STNS1 getpwnam alice\n', 3000);
  assert.equal(closedAtOnce.length, 0);
  for (const socket of more) socket.destroy();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await askResolver(h.publicSocket, 'getpwnam', 'alice'))?.status, 0);
});

test('a client that reads nothing is dropped after the write timeout', async (t) => {
  const h = await startHarness(t, {}, { writeTimeoutMs: 300 });
  h.server.setData(manyUsers(20_000));
  const socket = connect(h.publicSocket);
  defer(t, () => socket.destroy());
  socket.pause();
  socket.write('STNS1 getpwent\n');
  const deadline = Date.now() + 8000;
  await new Promise((r) => setTimeout(r, 100));
  while (h.resolver.status().connections.open > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.resolver.status().connections.open, 0);
  assert.equal((await askResolver(h.publicSocket, 'getpwnam', 'user1'))?.status, 0);
});

test('status reports endpoints and cache; cache-clear on the private socket empties the cache', async (t) => {
  const h = await startHarness(t);
  await askResolver(h.publicSocket, 'getpwnam', 'alice');
  await askResolver(h.publicSocket, 'getpwnam', 'alice');
  const status = JSON.parse((await askResolver(h.publicSocket, 'status'))?.lines[0] ?? '{}');
  assert.equal(status.endpoints[0].url, `${h.server.url}/v1`);
  assert.equal(status.cache.hits, 1);
  assert.ok(status.cache.entries >= 1);
  assert.equal(status.servingStale, false);
  assert.deepEqual(await askResolver(h.privateSocket, 'cache-clear', 'alice'), { status: 0, lines: [] });
  assert.equal(h.resolver.cache.stats().entries, 0);
});

test('a stale socket file is replaced; a live resolver or a regular file is never taken over', async (t) => {
  const h = await startHarness(t);
  const dir = tempDir(t);
  const second = daemonConfig(dir, h.server.url, {});
  await assert.rejects(
    startResolver({ config: second, publicSocket: h.publicSocket, log: silentLog }),
    /another resolver already answers/,
  );
  assert.equal((await askResolver(h.publicSocket, 'getpwnam', 'alice'))?.status, 0);
  const file = join(dir, 'not-a-socket');
  writeFileSync(file, 'keep me');
  await assert.rejects(
    startResolver({ config: second, publicSocket: file, log: silentLog }),
    /is not a socket/,
  );
  assert.equal(statSync(file).isFile(), true);

  const stale = join(dir, 'stale.sock');
  await leaveStaleSocket(stale);
  assert.equal(statSync(stale).isSocket(), true);
  const resolver = await startResolver({ config: second, publicSocket: stale, log: silentLog });
  defer(t, () => resolver.close({ drainMs: 100 }));
  assert.equal((await askResolver(stale, 'getpwnam', 'bob'))?.status, 0);
});

// A process killed with SIGKILL leaves its socket file behind, as a crashed resolver does.
async function leaveStaleSocket(path: string): Promise<void> {
  const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((done) => child.stdout.once('data', () => done()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGKILL');
  await exited;
}

// A TOML body big enough (about 1.5 MB of passwd lines) to overflow the socket buffers.
function manyUsers(count: number): string {
  const users = Array.from(
    { length: count },
    (_, i) => `[users.user${i}]\nid = ${10000 + i}\ngroup_id = 2001\n`,
  );
  return users.join('\n');
}
