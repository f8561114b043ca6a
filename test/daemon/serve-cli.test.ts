// The real CLI as systemd runs it: `stns-query --config X serve`, signalled
// as a child process. SIGHUP with a broken file keeps the running config;
// SIGTERM drains, writes the snapshot and removes the sockets; a new daemon
// started while the server is down answers known users from that snapshot.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { askResolver } from '../../src/daemon/client.js';
import { defer } from '../support/cleanup.js';
import { startStnsServer } from '../support/stns-server.js';
import { tempDir, USERS } from './harness.js';

const run = promisify(execFile);
const BIN = new URL('../../../bin/stns-query', import.meta.url).pathname;

interface Daemon {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function configText(dir: string, url: string, extra = ''): string {
  return [
    `api_end_point = ["${url}/v1"]`,
    'request_timeout = 1',
    'retry_request = 0',
    `cache_dir = "${join(dir, 'cache')}"`,
    extra,
    '[daemon]',
    `public_socket = "${join(dir, 'run', 'nss.sock')}"`,
    `private_socket = "${join(dir, 'run', 'private.sock')}"`,
    '',
  ].join('\n');
}

// Spawns the daemon and waits until its public socket answers.
async function spawnDaemon(
  t: { after(fn: () => void): void },
  configPath: string,
  dir: string,
): Promise<Daemon> {
  const socket = join(dir, 'run', 'nss.sock');
  const child = spawn(
    process.execPath,
    [
      BIN,
      '--config',
      configPath,
      'serve',
      '--public-socket',
      socket,
      '--private-socket',
      join(dir, 'run', 'private.sock'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  defer(t, () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (!stderr.includes('started')) await new Promise((r) => setTimeout(r, 50));
    else if ((await askResolver(socket, 'status')) !== null) return { child, stderr: () => stderr, exited };
    if (child.exitCode !== null) break;
  }
  throw new Error(`daemon did not start: ${stderr}`);
}

async function waitFor(read: () => string, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!read().includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  assert.ok(read().includes(text), `expected "${text}" in:\n${read()}`);
}

test('serve: SIGHUP keeps a good config over a broken one; SIGTERM cleans up; the snapshot survives an outage', async (t) => {
  const dir = tempDir(t, 'stns-serve-');
  const server = await startStnsServer({ data: USERS });
  defer(t, () => server.close());
  const configPath = join(dir, 'libnss_stns.conf');
  writeFileSync(configPath, configText(dir, server.url), { mode: 0o600 });
  const publicSocket = join(dir, 'run', 'nss.sock');
  const privateSocket = join(dir, 'run', 'private.sock');

  const first = await spawnDaemon(t, configPath, dir);
  assert.equal((await askResolver(publicSocket, 'getpwnam', 'alice'))?.status, 0);
  assert.equal((await askResolver(publicSocket, 'getgrnam', 'ops'))?.status, 0);

  writeFileSync(configPath, 'api_end_point = 12\n[[[broken');
  first.child.kill('SIGHUP');
  await waitFor(first.stderr, 'reload-rejected');
  assert.equal((await askResolver(publicSocket, 'getpwnam', 'bob'))?.status, 0);
  assert.ok(!first.stderr().includes('$6$'), 'no hash in the log');

  writeFileSync(configPath, configText(dir, server.url, 'cache_ttl = 300'));
  first.child.kill('SIGHUP');
  await waitFor(first.stderr, 'reloaded');
  assert.equal((await askResolver(publicSocket, 'getpwuid', '1001'))?.status, 0);

  const status = await run(process.execPath, [BIN, '--config', configPath, 'status']);
  assert.match(status.stdout, /endpoints/);
  assert.match(status.stdout, new RegExp(`${server.url}/v1\\s+healthy`));
  const cleared = await run(process.execPath, [BIN, '--config', configPath, 'cache', 'clear', 'nobody']);
  assert.match(cleared.stdout, /cache cleared/);

  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  assert.equal(existsSync(publicSocket), false);
  assert.equal(existsSync(privateSocket), false);
  const snapshot = join(dir, 'cache', 'snapshot.json');
  assert.equal(statSync(snapshot).mode & 0o777, 0o600);

  await server.close();
  const second = await spawnDaemon(t, configPath, dir);
  assert.deepEqual(await askResolver(publicSocket, 'getpwnam', 'alice'), {
    status: 0,
    lines: ['alice:x:1001:2001:Alice:/home/alice:/bin/bash'],
  });
  assert.equal((await askResolver(publicSocket, 'getgrgid', '2002'))?.status, 0);
  assert.equal((await askResolver(publicSocket, 'getpwnam', 'carol'))?.status, 69);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});
