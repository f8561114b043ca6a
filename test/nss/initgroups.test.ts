// initgroups_dyn: one `initgroups USER` request, every gid but the primary
// added once, the caller's array grown as needed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  buildNss,
  type FakeResolver,
  makeSandbox,
  type Reply,
  type Request,
  runDriver,
  type Sandbox,
  startResolver,
} from './helpers.js';

const MEMBER_OF = ['2001', '3000', '2001', '3001', ...Array.from({ length: 40 }, (_, i) => `${5000 + i}`)];

let sandbox: Sandbox;
let resolver: FakeResolver;
let reply: (req: Request) => Reply = () => 'close';

before(async () => {
  buildNss();
  sandbox = await makeSandbox();
  resolver = await startResolver(sandbox.publicSocket, (req) => reply(req));
});
after(async () => {
  await resolver?.close();
  await sandbox?.cleanup();
});

test('adds every member gid once, primary first and not repeated, one request', async () => {
  reply = (req) =>
    req.op === 'initgroups' && req.arg === 'alice'
      ? { status: 0, lines: MEMBER_OF }
      : { status: 2, lines: ['not found'] };
  resolver.requests.length = 0;
  const run = await runDriver(sandbox, ['initgroups', 'alice', '2001']);
  assert.equal(run.code, 0);
  assert.deepEqual(run.stdout.trim().split('\n'), [...new Set(MEMBER_OF)]);
  assert.deepEqual(resolver.requests, [{ op: 'initgroups', arg: 'alice' }]);
});

test('a user in no group keeps only the primary gid', async () => {
  reply = () => ({ status: 0, lines: [] });
  const run = await runDriver(sandbox, ['initgroups', 'loner', '100']);
  assert.equal(run.stdout.trim(), '100');
});

test('an unknown user is NOTFOUND', async () => {
  reply = () => ({ status: 2, lines: ['not found'] });
  const run = await runDriver(sandbox, ['initgroups', 'ghost', '100']);
  assert.equal(run.stdout.trim(), 'NOTFOUND ENOENT');
});

test('a gid that is not a number is UNAVAIL', async () => {
  reply = () => ({ status: 0, lines: ['2001', 'wheel'] });
  const run = await runDriver(sandbox, ['initgroups', 'alice', '100']);
  assert.equal(run.stdout.trim(), 'UNAVAIL EAGAIN');
});
