// The loop guard (helper env) and the early-boot guard (init, systemd, D-Bus)
// answer at once: no socket, no helper.
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { shellAnswer } from '../support/frame.js';
import {
  ALICE,
  buildNss,
  driverBin,
  type FakeResolver,
  makeSandbox,
  moduleSo,
  run,
  runDriver,
  type Sandbox,
  startResolver,
  writeHelper,
} from './helpers.js';

let sandbox: Sandbox;
let resolver: FakeResolver;
let helper: string;
const helperRan = () => join(sandbox.dir, 'helper-ran');

before(async () => {
  buildNss();
  sandbox = await makeSandbox();
  resolver = await startResolver(sandbox.publicSocket, () => ({ status: 0, lines: [ALICE] }));
  helper = await writeHelper(sandbox.dir, 'stns-query', `touch ${helperRan()}; ${shellAnswer(0, [ALICE])}`);
});
after(async () => {
  await resolver?.close();
  await sandbox?.cleanup();
});

// True when the helper script has run since the test wrote the flag file.
async function ranHelper(): Promise<boolean> {
  return readFile(helperRan()).then(
    () => true,
    () => false,
  );
}

test('STNS_QUERY_NSS_CHILD set: every call is UNAVAIL at once', async () => {
  resolver.requests.length = 0;
  for (const args of [
    ['getpwnam', 'alice', '1024'],
    ['getgrgid', '1', '1024'],
    ['initgroups', 'alice', '1'],
  ]) {
    const result = await runDriver(sandbox, args, { STNS_QUERY_NSS_CHILD: '1', STNS_QUERY_PATH: helper });
    assert.equal(result.stdout.trim(), 'UNAVAIL ENOENT');
  }
  const result = await runDriver(sandbox, ['getpwent', '1024'], { STNS_QUERY_NSS_CHILD: '1' });
  assert.equal(result.stdout.trim().split('\n').at(-1), 'end UNAVAIL ENOENT erange=0');
  assert.equal(resolver.requests.length, 0);
  assert.equal(await ranHelper(), false);
});

for (const name of [
  'dbus-daemon',
  'dbus-broker',
  'systemd',
  'init',
  'systemd-resolved',
  '(resolved)',
  '(systemd)',
])
  test(`boot guard: a program named ${name} gets NOTFOUND with no request`, async () => {
    const copy = join(sandbox.dir, name);
    await copyFile(driverBin, copy);
    await run('chmod', ['755', copy], {});
    resolver.requests.length = 0;
    const result = await run(copy, [moduleSo, 'getpwnam', 'alice', '1024'], {
      STNS_QUERY_PUBLIC_SOCKET: sandbox.publicSocket,
      STNS_QUERY_PRIVATE_SOCKET: sandbox.privateSocket,
      STNS_QUERY_PATH: helper,
    });
    assert.equal(result.stdout.trim(), 'NOTFOUND ENOENT');
    assert.equal(resolver.requests.length, 0);
    assert.equal(await ranHelper(), false);
  });

test('a program whose name only starts like a guarded one is answered', async () => {
  const copy = join(sandbox.dir, 'dbus-daemon-helper');
  await copyFile(driverBin, copy);
  await run('chmod', ['755', copy], {});
  const result = await run(copy, [moduleSo, 'getpwnam', 'alice', '1024'], {
    STNS_QUERY_PUBLIC_SOCKET: sandbox.publicSocket,
    STNS_QUERY_PRIVATE_SOCKET: sandbox.privateSocket,
  });
  assert.equal(result.stdout.trim(), ALICE);
  await writeFile(join(sandbox.dir, 'unused'), '');
});
