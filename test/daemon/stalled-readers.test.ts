// Clients that ask for a big enumeration and then read nothing: every one of
// them is written the list's one shared response, so memory does not grow
// with their number, and a byte budget cuts the oldest unshared readers.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { askResolver } from '../../src/daemon/client.js';
import { defer } from '../support/cleanup.js';
import { rawExchange, startHarness, USERS } from './harness.js';

const ALICE = 'alice:x:1001:2001:Alice:/home/alice:/bin/bash';
const READERS = 100;
const MiB = 1024 * 1024;

// The fixture's users plus `count` more, each with a ~100-byte passwd line.
function bigDataset(count: number): string {
  const users: string[] = [USERS];
  for (let i = 0; i < count; i++) {
    const id = 100_000 + i;
    users.push(
      `[users.load${id}]\nid = ${id}\ngroup_id = 2001\ndirectory = "/home/load${id}"\nshell = "/bin/sh"\ngecos = "${'g'.repeat(48)}"\npassword = "$6$salt$${'h'.repeat(86)}"\n`,
    );
  }
  return users.join('\n');
}

// A connection that sends `request` and never reads; `closed` turns true when the resolver cuts it.
function stalledReader(path: string, request: string): Promise<{ socket: Socket; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let closed = false;
    const socket = connect(path);
    socket.on('close', () => {
      closed = true;
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.on('error', () => {});
      socket.write(request);
      socket.pause();
      resolve({ socket, closed: () => closed });
    });
  });
}

// Resumes a stalled reader and counts what it gets until the resolver closes it.
function readAll(reader: { socket: Socket; closed: () => boolean }): Promise<number> {
  return new Promise((resolve) => {
    let bytes = 0;
    if (reader.closed()) resolve(0);
    reader.socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    reader.socket.once('close', () => resolve(bytes));
    reader.socket.resume();
  });
}

// Connections the resolver holds, the asking one included.
async function openConnections(privateSocket: string): Promise<number> {
  const status = JSON.parse((await askResolver(privateSocket, 'status'))?.lines[0] ?? '{}');
  return status.connections.open;
}

// Waits (bounded) until the response has been written as far as the peers' queues take it.
async function settle(): Promise<void> {
  await sleep(500);
}

test(`${READERS} stalled getpwent readers share one response: RSS grows < 48 MiB, others still served`, async (t) => {
  const harness = await startHarness(t, {}, { writeTimeoutMs: 20_000 });
  harness.server.setData(bigDataset(20_000));
  const body = await rawExchange(harness.publicSocket, 'STNS1 getpwent\n', 30_000);
  assert.ok(body.length > 1.5 * MiB, `enumeration is only ${body.length} bytes`);
  const rssBefore = process.memoryUsage().rss;
  const readers = await Promise.all(
    Array.from({ length: READERS }, () => stalledReader(harness.publicSocket, 'STNS1 getpwent\n')),
  );
  defer(t, () => {
    for (const reader of readers) reader.socket.destroy();
  });
  await settle();
  const served = await askResolver(harness.publicSocket, 'getpwnam', 'alice');
  assert.deepEqual(served?.lines, [ALICE]);
  const rssDuring = process.memoryUsage().rss;
  const open = await openConnections(harness.privateSocket);
  assert.ok(open > READERS, `only ${open} connections held`);
  const growthMiB = (rssDuring - rssBefore) / MiB;
  // 100 private copies would be over 200 MiB; one shared Buffer is about 2 MiB.
  assert.ok(growthMiB < 48, `RSS grew ${growthMiB.toFixed(1)} MiB with ${READERS} stalled readers`);
  t.diagnostic(
    `body ${body.length} B, RSS growth ${growthMiB.toFixed(1)} MiB with ${READERS} stalled readers`,
  );
});

test('past the queued-bytes budget the oldest unshared readers are cut, the newest kept', async (t) => {
  const harness = await startHarness(t, {}, { writeTimeoutMs: 20_000, maxQueuedBytes: 4 * MiB });
  harness.server.setData(bigDataset(20_000));
  const shadow = await rawExchange(harness.privateSocket, 'STNS1 getspent\n', 30_000);
  assert.ok(shadow.length > 2 * MiB, `shadow enumeration is only ${shadow.length} bytes`);
  const readers: Array<{ socket: Socket; closed: () => boolean }> = [];
  for (let i = 0; i < 4; i++) {
    readers.push(await stalledReader(harness.privateSocket, 'STNS1 getspent\n'));
    await settle();
  }
  defer(t, () => {
    for (const reader of readers) reader.socket.destroy();
  });
  const open = await openConnections(harness.privateSocket);
  assert.ok(open <= 3, `${open} connections still open: the budget let more than 4 MiB queue`);
  const received = await Promise.all(readers.map(readAll));
  assert.equal(received.at(-1), shadow.length, 'the newest reader did not get the whole answer');
  const [oldest = shadow.length] = received;
  assert.ok(oldest < shadow.length, `the oldest reader got all ${oldest} bytes`);
  const served = await askResolver(harness.publicSocket, 'getpwnam', 'alice');
  assert.deepEqual(served?.lines, [ALICE]);
});
