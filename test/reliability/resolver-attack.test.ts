// Local attackers and bad configs (issue 5): hostile clients on the public
// socket of a real `stns-query serve` child, shadow hashes kept behind the
// private socket as seen by an unprivileged user, config files that warn
// or fail in one line, a setuid caller whose environment the module
// ignores, and a helper path exec'd literally, never through a shell.

import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { askResolver } from '../../src/daemon/client.js';
import { rawExchange } from '../daemon/harness.js';
import { CLI, NODE, NSS_MODULE } from '../e2e/support/paths.js';
import { baseEnv, run } from '../e2e/support/proc.js';
import { ALICE_HASH, createScene, type Scene, stnsData } from '../e2e/support/scene.js';
import { startResolver as startFakeResolver } from '../nss/helpers.js';
import { makeCerts } from '../support/certs.js';
import { defer } from '../support/cleanup.js';
import { shellAnswer } from '../support/frame.js';
import { DRIVER, driver, resolverPid, vmRssKb } from './resolver-harness.js';

const ALICE = 'alice:x:1001:2001:Alice:/home/alice:/bin/sh';
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
/** A lookup on a loaded 2-core machine: exec of the driver plus one resolver round trip, with slack. */
const LOOKUP_BOUND_MS = 3000;
/** The resolver's request read timeout (PROTOCOL.md) plus slack. */
const IDLE_DROP_BOUND_MS = 2000 + 4000;

// A scene with its resolver up; returns the resolver's own pid (not the watchdog's).
async function sceneWithResolver(
  t: Parameters<typeof createScene>[0],
): Promise<{ scene: Scene; pid: number }> {
  const scene = await createScene(t);
  await scene.startResolver();
  const pid = await resolverPid(scene.publicSocket);
  assert.ok(pid, 'the resolver does not report its pid');
  return { scene, pid };
}

// The module's view with no helper to fall back to: every answer came over a socket.
function socketOnlyEnv(scene: Scene): NodeJS.ProcessEnv {
  return scene.moduleEnv({ STNS_QUERY_PATH: join(scene.dir, 'no-such-helper') });
}

// Asserts that a lookup through the module found alice within the bound.
async function assertServed(env: NodeJS.ProcessEnv, what: string): Promise<void> {
  const found = await driver(env, 'getpwnam', 'alice');
  assert.equal(found.stdout, `${ALICE}\n`, `${what}: ${found.stdout}${found.stderr}`);
  assert.ok(found.elapsedMs < LOOKUP_BOUND_MS, `${what}: lookup took ${found.elapsedMs} ms`);
}

/** A client connection and whether the resolver has closed it yet. */
interface Held {
  socket: Socket;
  closed: boolean;
  bytes: number;
}

// Opens a connection that sends `request` (if any) and never reads; resolves once connected.
function hold(path: string, request?: string): Promise<Held> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const held: Held = { socket, closed: false, bytes: 0 };
    socket.on('error', () => {});
    socket.on('close', () => {
      held.closed = true;
    });
    socket.once('connect', () => {
      if (request !== undefined) {
        socket.write(request);
        socket.pause();
      } else socket.on('data', (chunk: Buffer) => (held.bytes += chunk.length));
      resolve(held);
    });
    socket.once('close', () => resolve(held));
  });
}

// Polls until every held connection is closed, returning how long that took.
async function allClosed(held: Held[], boundMs: number): Promise<number> {
  const started = Date.now();
  while (held.some((h) => !h.closed) && Date.now() - started < boundMs) await sleep(25);
  return Date.now() - started;
}

// Polls the resolver's status until only the asking connection is open; returns how long that took.
async function openDrops(privateSocket: string, boundMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const answer = await askResolver(privateSocket, 'status');
    const open = (JSON.parse(answer?.lines[0] ?? '{}') as { connections?: { open?: number } }).connections
      ?.open;
    const elapsed = Date.now() - started;
    if (open === 1) return elapsed;
    assert.ok(elapsed < boundMs, `the resolver still holds ${open} connections after ${elapsed} ms`);
    await sleep(100);
  }
}

// Reads what a stalled connection was sent before the resolver cut it; resolves with the byte count.
function drain(held: Held): Promise<number> {
  return new Promise((resolve) => {
    let bytes = 0;
    if (held.closed) resolve(0);
    held.socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    held.socket.once('close', () => resolve(bytes));
    held.socket.resume();
  });
}

// STNS server TOML with `count` users (about 100-byte passwd lines) besides the scene's own.
function manyUsers(scene: Scene, count: number): string {
  const users: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = 100000 + i;
    users.push(
      `[users.load${id}]\nid = ${id}\ngroup_id = 2001\ndirectory = "/home/load${id}"\nshell = "/bin/sh"\ngecos = "${'g'.repeat(48)}"\n`,
    );
  }
  return `${stnsData(scene.alicePublicKey)}\n${users.join('\n')}`;
}

describe('public socket under attack', { timeout: 120000 }, () => {
  test('garbage and oversized requests get status 1 or a close; lookups still served', async (t) => {
    const { scene } = await sceneWithResolver(t);
    const payloads: Array<string | Buffer> = [
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a]),
      `STNS1 getpwnam ${'a'.repeat(300)}\n`,
      'STNS1 getpwnam alice:x:0:0\n',
      'STNS1 getpwnam ../../etc/passwd extra\n',
      Buffer.alloc(1024 * 1024, 0x41),
    ];
    for (const payload of payloads) {
      const reply = await rawExchange(scene.publicSocket, payload);
      const text = reply.toString('latin1');
      assert.ok(
        text === '' || text.startsWith('STNS1 1 '),
        `garbage answered ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    await assertServed(socketOnlyEnv(scene), 'after garbage');
  });

  test('1000 idle connections: those past 512 closed at once, the rest dropped, lookups served again', async (t) => {
    const { scene, pid } = await sceneWithResolver(t);
    const env = socketOnlyEnv(scene);
    await assertServed(env, 'before the flood');
    const rssBefore = vmRssKb(pid);
    const held = await Promise.all(Array.from({ length: 1000 }, () => hold(scene.publicSocket)));
    defer(t, () => {
      for (const h of held) h.socket.destroy();
    });
    await sleep(500);
    const closedAtOnce = held.filter((h) => h.closed).length;
    assert.ok(
      closedAtOnce >= 1000 - 512,
      `only ${closedAtOnce} of 1000 idle connections were refused at once`,
    );
    const dropMs = await allClosed(held, IDLE_DROP_BOUND_MS);
    assert.ok(
      held.every((h) => h.closed),
      `idle connections still open after ${dropMs} ms`,
    );
    await assertServed(env, 'after the idle connections were dropped');
    const rssAfter = vmRssKb(pid);
    assert.ok(rssAfter - rssBefore < 64 * 1024, `RSS grew from ${rssBefore} to ${rssAfter} KiB`);
    t.diagnostic(
      `idle: ${closedAtOnce} closed at once, rest dropped within ${dropMs} ms, RSS ${rssBefore} -> ${rssAfter} KiB`,
    );
  });

  test('while 512 idle connections hold every slot, the module falls back to the helper', async (t) => {
    const { scene } = await sceneWithResolver(t);
    const held = await Promise.all(Array.from({ length: 520 }, () => hold(scene.publicSocket)));
    defer(t, () => {
      for (const h of held) h.socket.destroy();
    });
    await sleep(200);
    const during = await driver(scene.moduleEnv(), 'getpwnam', 'alice');
    assert.equal(during.stdout, `${ALICE}\n`, `with every slot held the module said ${during.stdout}`);
  });

  test('clients that ask for a big enumeration and read nothing: others served, memory bounded', async (t) => {
    const { scene, pid } = await sceneWithResolver(t);
    scene.server.setData(manyUsers(scene, 20000));
    const env = socketOnlyEnv(scene);
    const body = await rawExchange(scene.publicSocket, 'STNS1 getpwent\n', 30000);
    assert.ok(body.length > 1_500_000, `enumeration is only ${body.length} bytes`);
    await assertServed(env, 'before the stalled readers');
    const rssBefore = vmRssKb(pid);
    const readers = await Promise.all(
      Array.from({ length: 40 }, () => hold(scene.publicSocket, 'STNS1 getpwent\n')),
    );
    defer(t, () => {
      for (const r of readers) r.socket.destroy();
    });
    await sleep(1000);
    await assertServed(env, 'while 40 readers stall');
    const rssDuring = vmRssKb(pid);
    const cutMs = await openDrops(scene.privateSocket, 10000 + 6000);
    const received = await Promise.all(readers.map(drain));
    assert.ok(
      received.every((bytes) => bytes < body.length),
      `a stalled reader got the whole body: ${received.join(', ')} of ${body.length}`,
    );
    await assertServed(env, 'after the stalled readers were cut off');
    const growthMiB = (rssDuring - rssBefore) / 1024;
    // 40 whole bodies would be ~90 MiB; the bound leaves room for one copy each plus the heap's slack.
    assert.ok(growthMiB < 256, `RSS grew ${growthMiB.toFixed(1)} MiB with 40 stalled readers`);
    t.diagnostic(
      `stalled readers: body ${body.length} B, RSS before ${rssBefore} KiB, during ${rssDuring} KiB, cut after ${cutMs} ms`,
    );
  });
});

describe('shadow hashes stay behind the private socket', { timeout: 90000 }, () => {
  test('socket modes 0666/0600; nobody cannot connect to the private one', async (t) => {
    const { scene } = await sceneWithResolver(t);
    assert.ok(statSync(scene.publicSocket).isSocket());
    assert.equal(statSync(scene.publicSocket).mode & 0o7777, 0o666);
    assert.equal(statSync(scene.privateSocket).mode & 0o7777, 0o600);
    const probe = (path: string) =>
      run('setpriv', [
        ...NOBODY,
        NODE,
        '-e',
        `require('net').connect(${JSON.stringify(path)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(0)})`,
      ]);
    assert.equal((await probe(scene.privateSocket)).stdout, 'EACCES\n');
    assert.equal((await probe(scene.publicSocket)).stdout, 'connected\n');
  });

  test('as nobody: the CLI, getent -s shadow:stns and the raw public socket show no hash', async (t) => {
    const { scene } = await sceneWithResolver(t);
    const asRoot = await scene.cli(['shadow', 'alice']);
    assert.equal(asRoot.stdout, `alice:${ALICE_HASH}:::::::\n`, 'root control: the hash is there to leak');
    const cli = await run('setpriv', [...NOBODY, NODE, CLI, '--config', scene.config, 'shadow', 'alice']);
    assert.equal(cli.code, 77, `CLI as nobody: exit ${cli.code} ${cli.stderr}`);
    assert.equal(cli.stdout, '');
    assert.ok(!cli.stderr.includes(ALICE_HASH));
    const lib = join(scene.dir, 'lib');
    mkdirSync(lib, { mode: 0o755 });
    copyFileSync(NSS_MODULE, join(lib, 'libnss_stns.so.2'));
    const env = scene.moduleEnv({ LD_LIBRARY_PATH: lib });
    const keyed = await run('setpriv', [...NOBODY, 'getent', '-s', 'shadow:stns', 'shadow', 'alice'], {
      env,
    });
    assert.equal(keyed.code, 2, `getent shadow alice as nobody: exit ${keyed.code}`);
    const listed = await run('setpriv', [...NOBODY, 'getent', '-s', 'shadow:stns', 'shadow'], { env });
    for (const viaGetent of [keyed, listed]) {
      assert.equal(viaGetent.stdout, '', 'nobody got shadow lines');
      assert.ok(!viaGetent.stderr.includes(ALICE_HASH), 'nobody saw the hash');
    }
    const control = await run('setpriv', [...NOBODY, 'getent', '-s', 'passwd:stns', 'passwd', 'alice'], {
      env,
    });
    assert.equal(control.stdout, `${ALICE}\n`, `nobody's passwd control failed: ${control.stderr}`);
    for (const request of ['STNS1 getspnam alice\n', 'STNS1 getspent\n']) {
      const reply = (await rawExchange(scene.publicSocket, request)).toString('utf8');
      assert.match(reply, /^STNS1 77 /, request);
      assert.ok(!reply.includes(ALICE_HASH), `public socket leaked the hash for ${request.trim()}`);
    }
  });
});

describe('bad configs', { timeout: 60000 }, () => {
  // Runs `stns-query --config FILE passwd alice` as root against the scene's server (direct path).
  async function lookupWith(scene: Scene, name: string, lines: string[], mode = 0o600) {
    const path = join(scene.dir, name);
    const body = [
      `api_end_point = ["${scene.server.url}/v1"]`,
      ...lines,
      '[daemon]',
      `public_socket = "${join(scene.dir, 'none.sock')}"`,
      `private_socket = "${join(scene.dir, 'none-private.sock')}"`,
    ];
    writeFileSync(path, `${body.join('\n')}\n`, { mode });
    chmodSync(path, mode);
    return { path, result: await run(NODE, [CLI, '--config', path, 'passwd', 'alice']) };
  }

  // The stderr lines that are config warnings (Node prints them as "(node:PID) Warning: ...").
  const warningLines = (stderr: string): string[] =>
    stderr.split('\n').filter((line) => line.includes('arning'));

  test('secrets readable by others, files owned by non-root: one-line warnings, lookup still works', async (t) => {
    const scene = await createScene(t);
    const secret = 'pw-Attack-Secret-9931';
    const readable = await lookupWith(
      scene,
      'readable.conf',
      ['user = "reader"', `password = "${secret}"`],
      0o644,
    );
    assert.equal(readable.result.stdout, `${ALICE}\n`, readable.result.stderr);
    const loose = warningLines(readable.result.stderr).filter((l) => l.includes('readable by group/others'));
    assert.equal(loose.length, 1, `no readable-secret warning: ${readable.result.stderr}`);
    assert.ok(loose[0]?.includes(readable.path) && loose[0].includes('chmod 600'), loose[0]);
    assert.ok(!readable.result.stderr.includes(secret), 'the password was printed');

    const certs = await makeCerts();
    const cert = join(scene.dir, 'client.pem');
    const key = join(scene.dir, 'client.key');
    copyFileSync(certs.clientCert, cert);
    copyFileSync(certs.clientKey, key);
    chmodSync(key, 0o600);
    chownSync(key, 65534, 65534);
    const owned = join(scene.dir, 'owned.conf');
    const ownedRun = await lookupWith(scene, 'owned.conf', [`tls_cert = "${cert}"`, `tls_key = "${key}"`]);
    chownSync(owned, 65534, 65534);
    const again = await run(NODE, [CLI, '--config', owned, 'passwd', 'alice']);
    assert.equal(ownedRun.result.code, 0, ownedRun.result.stderr);
    const warnings = warningLines(again.stderr);
    assert.ok(
      warnings.some((l) => l.includes(owned) && l.includes('uid 65534') && l.includes('chown root')),
      `no owner warning for the config: ${again.stderr}`,
    );
    assert.ok(
      warnings.some((l) => l.includes('tls_key') && l.includes(key) && l.includes('uid 65534')),
      `no owner warning for tls_key: ${again.stderr}`,
    );
    assert.equal(again.stdout, `${ALICE}\n`);
  });

  test('unknown key: one warning naming it; wrong type: one error line naming the key, exit 78', async (t) => {
    const scene = await createScene(t);
    const unknown = await lookupWith(scene, 'unknown.conf', ['reqest_timeout = 2']);
    assert.equal(unknown.result.stdout, `${ALICE}\n`, unknown.result.stderr);
    const named = warningLines(unknown.result.stderr).filter((l) => l.includes('reqest_timeout'));
    assert.equal(named.length, 1, unknown.result.stderr);
    assert.match(named[0] ?? '', /request_timeout/, 'no did-you-mean');
    for (const [line, key] of [
      ['request_timeout = "soon"', 'request_timeout'],
      ['retry_request = -3', 'retry_request'],
      ['enumerate = "yes"', 'enumerate'],
      ['api_end_point = 42', 'api_end_point'],
    ] as const) {
      const path = join(scene.dir, `${key}.conf`);
      writeFileSync(path, `${line}\n`, { mode: 0o600 });
      const bad = await run(NODE, [CLI, '--config', path, 'passwd', 'alice']);
      assert.equal(bad.code, 78, `${line}: exit ${bad.code}`);
      assert.match(bad.stderr, /^stns-query: [^\n]+\n$/, `${line}: not one line: ${bad.stderr}`);
      assert.ok(bad.stderr.includes(key), `${line}: the error does not name ${key}: ${bad.stderr}`);
    }
  });
});

describe('the module in hostile callers', { timeout: 60000 }, () => {
  const FORGED = 'alice:x:0:0:forged:/root:/bin/sh';

  test('a setuid-root caller ignores STNS_QUERY_* from its environment (secure_getenv)', async (t) => {
    assert.ok(
      !existsSync('/run/stns-query'),
      'a real resolver runs on this host; the default path is not free',
    );
    const scene = await createScene(t);
    const suid = join(scene.dir, 'suid');
    mkdirSync(suid, { mode: 0o755 });
    const driverCopy = join(suid, 'driver');
    const moduleCopy = join(suid, 'libnss_stns.so.2');
    copyFileSync(DRIVER, driverCopy);
    copyFileSync(NSS_MODULE, moduleCopy);
    chmodSync(moduleCopy, 0o755);
    const fake = await startFakeResolver(join(scene.dir, 'fake.sock'), () => ({
      status: 0,
      lines: [FORGED],
    }));
    defer(t, () => fake.close());
    chmodSync(fake.path, 0o666);
    const marker = join(scene.dir, 'helper-ran');
    const helper = join(scene.dir, 'forging-helper');
    writeFileSync(helper, `#!/bin/sh\ntouch ${marker}\n${shellAnswer(0, [FORGED])}\n`, { mode: 0o755 });
    const env = baseEnv({
      STNS_QUERY_PUBLIC_SOCKET: fake.path,
      STNS_QUERY_PRIVATE_SOCKET: fake.path,
      STNS_QUERY_PATH: helper,
    });
    const asNobody = (program: string) =>
      run('setpriv', [...NOBODY, program, moduleCopy, 'getpwnam', 'alice', '65536'], { env });

    const plain = await asNobody(driverCopy);
    assert.equal(plain.stdout, `${FORGED}\n`, 'control: without setuid the environment is honoured');
    assert.equal(fake.requests.length, 1);

    chmodSync(driverCopy, 0o4755);
    assert.equal(statSync(driverCopy).mode & 0o4000, 0o4000);
    const setuid = await asNobody(driverCopy);
    assert.ok(
      !setuid.stdout.includes('forged'),
      `the setuid caller took the forged answer: ${setuid.stdout}`,
    );
    assert.match(setuid.stdout, /^(UNAVAIL|TRYAGAIN|NOTFOUND) /, setuid.stdout);
    assert.equal(
      fake.requests.length,
      1,
      'the setuid caller connected to the socket named by its environment',
    );
    assert.ok(!existsSync(marker), 'the setuid caller ran the helper named by its environment');
  });

  test("STNS_QUERY_PATH with spaces and shell metacharacters is exec'd literally, not through a shell", async (t) => {
    const scene = await createScene(t);
    const pwned = join(scene.dir, 'pwned');
    const odd = join(scene.dir, `odd dir;touch ${'$'}{PWD}x&&x$(touch pwned)|y`);
    mkdirSync(odd, { mode: 0o755 });
    const log = join(scene.dir, 'argv.log');
    const helper = join(odd, 'helper `id` $HOME');
    writeFileSync(helper, `#!/bin/sh\nprintf '%s|' "$@" > ${log}\n${shellAnswer(0, [ALICE])}\n`, {
      mode: 0o755,
    });
    const env = baseEnv({
      STNS_QUERY_PUBLIC_SOCKET: join(scene.dir, 'none.sock'),
      STNS_QUERY_PRIVATE_SOCKET: join(scene.dir, 'none-private.sock'),
      STNS_QUERY_PATH: helper,
    });
    const traced = join(scene.dir, 'strace.log');
    const result = await run(
      'strace',
      [
        '-f',
        '-qq',
        '-e',
        'trace=execve',
        '-s',
        '512',
        '-o',
        traced,
        DRIVER,
        NSS_MODULE,
        'getpwnam',
        'alice',
        '65536',
      ],
      { env, timeoutMs: 30000 },
    );
    assert.equal(result.stdout, `${ALICE}\n`, `the helper at the odd path did not answer: ${result.stderr}`);
    assert.equal(readFileSync(log, 'utf8'), '--framed|getpwnam|alice|', 'the helper got other arguments');
    assert.ok(!existsSync(pwned) && !existsSync(join(scene.dir, 'x')), 'a shell interpreted the path');
    const execs = readFileSync(traced, 'utf8')
      .split('\n')
      .filter((line) => line.includes('execve('));
    const moduleExec = execs.find((line) => line.includes(JSON.stringify(helper).slice(1, -1)));
    assert.ok(moduleExec, `no execve of the literal helper path:\n${execs.join('\n')}`);
    assert.match(moduleExec, /\["stns-query", "--framed", "getpwnam", "alice"\]/, moduleExec);
    assert.ok(
      !execs.some((line) => /execve\("[^"]*\/(sh|bash|dash)", \[[^\]]*"-c"/.test(line)),
      `something ran sh -c:\n${execs.join('\n')}`,
    );
  });
});
