// initgroups_dyn: one `initgroups USER` request, every gid but the primary
// added once, the caller's array grown as needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeResolverPerFile, runDriver } from './helpers.js';

const MEMBER_OF = ['2001', '3000', '2001', '3001', ...Array.from({ length: 40 }, (_, i) => `${5000 + i}`)];

const file = fakeResolverPerFile(() => 'close');

test('adds every member gid once, primary first and not repeated, one request', async () => {
  file.reply = (req) =>
    req.op === 'initgroups' && req.arg === 'alice'
      ? { status: 0, lines: MEMBER_OF }
      : { status: 2, lines: ['not found'] };
  file.resolver.requests.length = 0;
  const run = await runDriver(file.sandbox, ['initgroups', 'alice', '2001']);
  assert.equal(run.code, 0);
  assert.deepEqual(run.stdout.trim().split('\n'), [...new Set(MEMBER_OF)]);
  assert.deepEqual(file.resolver.requests, [{ op: 'initgroups', arg: 'alice' }]);
});

test('a user in no group keeps only the primary gid', async () => {
  file.reply = () => ({ status: 0, lines: [] });
  const run = await runDriver(file.sandbox, ['initgroups', 'loner', '100']);
  assert.equal(run.stdout.trim(), '100');
});

test('an unknown user is NOTFOUND', async () => {
  file.reply = () => ({ status: 2, lines: ['not found'] });
  const run = await runDriver(file.sandbox, ['initgroups', 'ghost', '100']);
  assert.equal(run.stdout.trim(), 'NOTFOUND ENOENT');
});

test('a gid that is not a number is UNAVAIL', async () => {
  file.reply = () => ({ status: 0, lines: ['2001', 'wheel'] });
  const run = await runDriver(file.sandbox, ['initgroups', 'alice', '100']);
  assert.equal(run.stdout.trim(), 'UNAVAIL EAGAIN');
});
