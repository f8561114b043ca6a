// The same paths under AddressSanitizer + UBSan (nss/build/asan): no memory
// error, no leak, no undefined behaviour.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { shellAnswer } from '../support/frame.js';
import {
  ALICE,
  buildNss,
  DEV,
  type FakeResolver,
  makeSandbox,
  nssDir,
  type Reply,
  type Request,
  runDriver,
  type Sandbox,
  startResolver,
  writeHelper,
} from './helpers.js';

const asanSo = join(nssDir, 'build/asan/libnss_stns.so.2');
const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const skip = !existsSync(libasan) && 'libasan is not installed';

let sandbox: Sandbox;
let resolver: FakeResolver;
let reply: (req: Request) => Reply = () => ({ status: 0, lines: [ALICE] });

before(async () => {
  if (skip) return;
  buildNss();
  execFileSync('make', ['-s', '-C', nssDir, 'asan'], { stdio: ['ignore', 'inherit', 'inherit'] });
  sandbox = await makeSandbox();
  resolver = await startResolver(sandbox.publicSocket, (req) => reply(req));
});
after(async () => {
  await resolver?.close();
  await sandbox?.cleanup();
});

// Runs the driver on the sanitized module; fails on any sanitizer report.
async function sanitized(args: string[], env: Record<string, string> = {}) {
  const result = await runDriver(
    sandbox,
    args,
    { LD_PRELOAD: libasan, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'halt_on_error=1', ...env },
    asanSo,
  );
  assert.doesNotMatch(result.stderr, /AddressSanitizer|LeakSanitizer|runtime error/, result.stderr);
  return result;
}

test('lookups, ERANGE and broken answers', { skip }, async () => {
  reply = (req) => (req.op === 'getgrgid' ? { status: 0, lines: [DEV] } : { status: 0, lines: [ALICE] });
  assert.match((await sanitized(['erange', 'getpwnam', 'alice'])).stdout, /ERANGE.*\n.*alice/);
  assert.match((await sanitized(['erange', 'getgrgid', '2001'])).stdout, /developers/);
  for (const raw of ['STNS1 0 99999\nshort', 'STNS1 x y\n', 'STNS1 0 3\nabcdef', 'STNS1 0 5\nab']) {
    reply = () => ({ raw: Buffer.from(raw) });
    assert.equal((await sanitized(['getpwnam', 'alice', '64'])).stdout.trim(), 'UNAVAIL EAGAIN');
  }
});

test('enumeration with ERANGE and initgroups', { skip }, async () => {
  reply = (req) =>
    req.op === 'initgroups'
      ? { status: 0, lines: Array.from({ length: 70 }, (_, i) => `${100 + i}`) }
      : { status: 0, lines: [DEV, 'x:x:1:', `y:x:2:${'m,'.repeat(30)}n`] };
  const groups = await sanitized(['getgrent', '4']);
  assert.match(groups.stdout, /end NOTFOUND ENOENT erange=[1-9]/);
  const gids = await sanitized(['initgroups', 'alice', '100']);
  assert.equal(gids.stdout.trim().split('\n').length, 70);
});

test('threads', { skip }, async () => {
  reply = (req) => ({ status: 0, lines: [req.op === 'getgrgid' ? DEV : ALICE] });
  const result = await sanitized(['threads', '8', '10', 'alice', ALICE, '2001', DEV]);
  assert.equal(result.stdout.trim(), 'failures=0');
});

test('exec fallback', { skip }, async () => {
  const helper = await writeHelper(sandbox.dir, 'stns-query', shellAnswer(0, [ALICE]));
  const result = await sanitized(['getpwnam', 'alice', '1024'], {
    STNS_QUERY_PUBLIC_SOCKET: join(sandbox.dir, 'absent.sock'),
    STNS_QUERY_PATH: helper,
  });
  assert.equal(result.stdout.trim(), ALICE);
});
