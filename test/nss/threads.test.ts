// Many threads at once, small buffers growing on ERANGE: every answer must be
// the right line (no shared state, no torn buffers).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALICE, DEV, fakeResolverPerFile, runDriver } from './helpers.js';

const file = fakeResolverPerFile((req) => {
  if (req.op === 'getpwnam' && req.arg === 'alice') return { status: 0, lines: [ALICE] };
  if (req.op === 'getgrgid' && req.arg === '2001') return { status: 0, lines: [DEV] };
  return { status: 2, lines: ['not found'] };
});

test('8 threads x 40 rounds of getpwnam_r and getgrgid_r all match', async () => {
  const result = await runDriver(file.sandbox, ['threads', '8', '40', 'alice', ALICE, '2001', DEV]);
  assert.equal(result.stdout.trim(), 'failures=0');
  assert.equal(result.code, 0);
  assert.ok(file.resolver.requests.length >= 8 * 40 * 2);
});

test('the driver notices a wrong answer (the check can fail)', async () => {
  const result = await runDriver(file.sandbox, ['threads', '2', '2', 'alice', `${ALICE}-other`, '2001', DEV]);
  assert.equal(result.stdout.trim(), 'failures=4');
  assert.notEqual(result.code, 0);
});
