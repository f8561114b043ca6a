// glibc itself loads the module: `getent -s <db>:stns` with LD_LIBRARY_PATH.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALICE, DEV, fakeResolverPerFile, nssDir, run } from './helpers.js';

const file = fakeResolverPerFile((req) => {
  const table: Record<string, string[]> = {
    'getpwnam alice': [ALICE],
    'getpwuid 1001': [ALICE],
    'getgrnam developers': [DEV],
    'getpwent undefined': [ALICE, 'bob:x:1002:2001::/home/bob:/bin/sh'],
    'initgroups alice': ['2001', '3000'],
    'getgrgid 3000': ['ops:x:3000:alice'],
    'getgrgid 2001': [DEV],
  };
  const lines = table[`${req.op} ${req.arg}`];
  return lines ? { status: 0, lines } : { status: 2, lines: ['not found'] };
});

// getent with only the stns source, against the fake file.resolver.
function getent(args: string[]) {
  return run('getent', args, {
    LD_LIBRARY_PATH: nssDir,
    STNS_QUERY_PUBLIC_SOCKET: file.sandbox.publicSocket,
    STNS_QUERY_PRIVATE_SOCKET: file.sandbox.privateSocket,
    STNS_QUERY_PATH: `${file.sandbox.dir}/no-helper`,
  });
}

test('getent -s passwd:stns passwd alice prints her line', async () => {
  const result = await getent(['-s', 'passwd:stns', 'passwd', 'alice']);
  assert.equal(result.stdout, `${ALICE}\n`);
  assert.equal(result.code, 0);
});

test('a numeric key is a uid', async () => {
  const result = await getent(['-s', 'passwd:stns', 'passwd', '1001']);
  assert.equal(result.stdout, `${ALICE}\n`);
});

test('an unknown user exits 2', async () => {
  const result = await getent(['-s', 'passwd:stns', 'passwd', 'nobody-at-all']);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
});

test('group by name and enumeration of passwd', async () => {
  assert.equal((await getent(['-s', 'group:stns', 'group', 'developers'])).stdout, `${DEV}\n`);
  const all = await getent(['-s', 'passwd:stns', 'passwd']);
  assert.equal(all.stdout, `${ALICE}\nbob:x:1002:2001::/home/bob:/bin/sh\n`);
});

test('initgroups through glibc (getent initgroups)', async () => {
  const result = await getent(['-s', 'group:stns', 'initgroups', 'alice']);
  assert.equal(result.stdout.trim().split(/\s+/).slice(1).sort().join(' '), '2001 3000');
});
