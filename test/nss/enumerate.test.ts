// setXXent/getXXent_r/endXXent: one request for the list, every entry once,
// the same entry again after ERANGE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALICE, DEV, fakeResolverPerFile, type Reply, type Request, runDriver } from './helpers.js';

const USERS = [
  'a:x:1:1::/:/bin/sh',
  ALICE,
  'bob:x:1002:2001:Bob:/home/bob:/bin/zsh',
  `long:x:1003:2001:${'g'.repeat(300)}:/home/long:/bin/sh`,
];
const GROUPS = ['g:x:1:', DEV, `big:x:3000:${Array.from({ length: 50 }, (_, i) => `user${i}`).join(',')}`];

const file = fakeResolverPerFile(() => 'close');

// Lists for getpwent/getgrent; anything else is a bad request.
function lists(req: Request): Reply {
  if (req.op === 'getpwent') return { status: 0, lines: USERS };
  if (req.op === 'getgrent') return { status: 0, lines: GROUPS };
  return { status: 1, lines: ['bad request'] };
}

// The driver's output: the entries, then its "end ..." summary line.
function parse(stdout: string): { entries: string[]; end: string } {
  const lines = stdout.trim().split('\n');
  return { entries: lines.slice(0, -1), end: lines.at(-1) ?? '' };
}

test('getpwent with a big buffer: every user once, one request', async () => {
  file.reply = lists;
  file.resolver.requests.length = 0;
  const { entries, end } = parse((await runDriver(file.sandbox, ['getpwent', '4096'])).stdout);
  assert.deepEqual(entries, USERS);
  assert.equal(end, 'end NOTFOUND ENOENT erange=0');
  assert.deepEqual(file.resolver.requests, [{ op: 'getpwent', arg: undefined }]);
});

test('getpwent from a 32-byte buffer: ERANGE mid-list re-delivers the same entry', async () => {
  file.reply = lists;
  file.resolver.requests.length = 0;
  const { entries, end } = parse((await runDriver(file.sandbox, ['getpwent', '32'])).stdout);
  assert.deepEqual(entries, USERS);
  assert.match(end, /^end NOTFOUND ENOENT erange=[1-9]\d*$/);
  assert.equal(file.resolver.requests.length, 1);
});

test('getgrent from an 8-byte buffer: members intact after each ERANGE', async () => {
  file.reply = lists;
  const { entries, end } = parse((await runDriver(file.sandbox, ['getgrent', '8'])).stdout);
  assert.deepEqual(entries, GROUPS);
  assert.match(end, /^end NOTFOUND ENOENT erange=[1-9]\d*$/);
});

test('enumeration disabled (status 3) ends at once with NOTFOUND', async () => {
  file.reply = () => ({ status: 3, lines: ['enumeration is disabled'] });
  const { entries, end } = parse((await runDriver(file.sandbox, ['getpwent', '1024'])).stdout);
  assert.deepEqual(entries, ['set NOTFOUND 0']);
  assert.equal(end, 'end NOTFOUND ENOENT erange=0');
});

test('shadow enumeration refused on the public socket is UNAVAIL EACCES', async () => {
  file.reply = () => ({ status: 77, lines: ['refused'] });
  const { end } = parse((await runDriver(file.sandbox, ['getspent', '1024'])).stdout);
  assert.equal(end, 'end UNAVAIL EACCES erange=0');
});

test('a malformed line in the list is UNAVAIL', async () => {
  file.reply = () => ({ status: 0, lines: ['a:x:1:1::/:/bin/sh', 'broken-line'] });
  const { entries, end } = parse((await runDriver(file.sandbox, ['getpwent', '1024'])).stdout);
  assert.deepEqual(entries, ['a:x:1:1::/:/bin/sh']);
  assert.equal(end, 'end UNAVAIL EAGAIN erange=0');
});
