// Keyed lookups through a fake resolver: found, not found, every status, bad
// answers, the ERANGE protocol, and which socket root asks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shellAnswer } from '../support/frame.js';
import {
  ALICE,
  DEV,
  driverBin,
  fakeResolverPerFile,
  moduleSo,
  type Reply,
  type Request,
  run,
  runDriver,
  startResolver,
  writeHelper,
} from './helpers.js';

const SHADOW = 'alice:$6$salt$hash:19000:0:99999:7:::';

// A small directory: alice, uid 1001, group developers 2001, her shadow line.
function directory(req: Request): Reply {
  const table: Record<string, string | undefined> = {
    'getpwnam alice': ALICE,
    'getpwuid 1001': ALICE,
    'getgrnam developers': DEV,
    'getgrgid 2001': DEV,
    'getgrgid 2002': 'empty:x:2002:',
    'getspnam alice': SHADOW,
  };
  const line = table[`${req.op} ${req.arg}`];
  return line ? { status: 0, lines: [line] } : { status: 2, lines: ['not found'] };
}

const file = fakeResolverPerFile(directory);

describe('found and not found', () => {
  const cases: [string[], string][] = [
    [['getpwnam', 'alice', '1024'], ALICE],
    [['getpwuid', '1001', '1024'], ALICE],
    [['getgrnam', 'developers', '1024'], DEV],
    [['getgrgid', '2001', '1024'], DEV],
    [['getgrgid', '2002', '1024'], 'empty:x:2002:'],
    [['getspnam', 'alice', '1024'], SHADOW],
    [['getpwnam', 'nobody-here', '1024'], 'NOTFOUND ENOENT'],
    [['getgrgid', '4242', '1024'], 'NOTFOUND ENOENT'],
  ];
  for (const [args, expected] of cases)
    test(`${args.slice(0, 2).join(' ')} -> ${expected}`, async () => {
      file.reply = directory;
      const run = await runDriver(file.sandbox, args);
      assert.equal(run.stdout.trim(), expected);
    });

  test('the request carries op and key exactly', async () => {
    file.reply = directory;
    file.resolver.requests.length = 0;
    await runDriver(file.sandbox, ['getpwuid', '1001', '1024']);
    assert.deepEqual(file.resolver.requests, [{ op: 'getpwuid', arg: '1001' }]);
  });

  test('a key no resolver could know is not found without asking', async () => {
    file.resolver.requests.length = 0;
    for (const key of ['a:b', 'a,b', 'x'.repeat(300)]) {
      const run = await runDriver(file.sandbox, ['getpwnam', key, '1024']);
      assert.equal(run.stdout.trim(), 'NOTFOUND ENOENT');
    }
    assert.equal(file.resolver.requests.length, 0);
  });

  test('a key of invalid UTF-8 is not found without asking; valid UTF-8 is asked', async () => {
    file.reply = directory;
    file.resolver.requests.length = 0;
    // argv of raw bytes: Node would encode a JS string as UTF-8, so printf makes them.
    const env = {
      STNS_QUERY_PUBLIC_SOCKET: file.sandbox.publicSocket,
      STNS_QUERY_PRIVATE_SOCKET: file.sandbox.privateSocket,
      STNS_QUERY_PATH: file.sandbox.noHelper,
    };
    for (const bytes of ['a\\377b', '\\300\\257', '\\355\\240\\200', 'ab\\342\\202']) {
      const script = `exec "$0" "$1" getpwnam "$(printf '${bytes}')" 1024`;
      const invalid = await run('/bin/sh', ['-c', script, driverBin, moduleSo], env);
      assert.equal(invalid.stdout.trim(), 'NOTFOUND ENOENT', bytes);
    }
    assert.equal(file.resolver.requests.length, 0);
    await runDriver(file.sandbox, ['getpwnam', 'ユーザー', '1024']);
    assert.deepEqual(file.resolver.requests, [{ op: 'getpwnam', arg: 'ユーザー' }]);
  });
});

describe('statuses map to NSS status and errno', () => {
  const cases: [number, string][] = [
    [1, 'UNAVAIL EINVAL'],
    [2, 'NOTFOUND ENOENT'],
    [3, 'NOTFOUND ENOENT'],
    [69, 'TRYAGAIN EAGAIN'],
    [77, 'UNAVAIL EACCES'],
    [78, 'UNAVAIL ENOENT'],
    [70, 'UNAVAIL EAGAIN'],
  ];
  for (const [status, expected] of cases)
    test(`status ${status} -> ${expected}`, async () => {
      file.reply = () => ({ status, lines: ['some text for humans'] });
      const run = await runDriver(file.sandbox, ['getpwnam', 'alice', '1024']);
      assert.equal(run.stdout.trim(), expected);
    });

  const broken: [string, Reply][] = [
    ['garbage header', { raw: Buffer.from('HTTP/1.1 200 OK\r\n\r\n') }],
    ['header too long', { raw: Buffer.from(`STNS1 0 ${'0'.repeat(80)}\n`) }],
    ['short body', { raw: Buffer.from(`STNS1 0 500\n${ALICE}\n`) }],
    ['extra bytes', { raw: Buffer.from(`STNS1 0 3\nabc-extra`) }],
    ['magic glued to the status', { raw: Buffer.from(`STNS10 ${ALICE.length + 1}\n${ALICE}\n`) }],
    ['signed length', { raw: Buffer.from(`STNS1 0 +${ALICE.length + 1}\n${ALICE}\n`) }],
    ['two lines for one key', { status: 0, lines: [ALICE, ALICE] }],
    ['six fields', { status: 0, lines: ['alice:x:1001:2001:/home/alice:/bin/sh'] }],
    ['uid not a number', { status: 0, lines: ['alice:x:10a1:2001::/home/alice:/bin/sh'] }],
    ['body with NUL', { raw: Buffer.from('STNS1 0 4\na\0b\n') }],
  ];
  test('a resolver that hangs up before answering counts as absent: the helper answers', async () => {
    file.reply = () => 'close';
    const helper = await writeHelper(file.sandbox.dir, 'stns-query-after-close', shellAnswer(0, [ALICE]));
    const run = await runDriver(file.sandbox, ['getpwnam', 'alice', '1024'], { STNS_QUERY_PATH: helper });
    assert.equal(run.stdout.trim(), ALICE);
    const noHelper = await runDriver(file.sandbox, ['getpwnam', 'alice', '1024']);
    assert.equal(noHelper.stdout.trim(), 'UNAVAIL ENOENT', 'no resolver and no helper');
  });

  for (const [name, answer] of broken)
    test(`${name} -> UNAVAIL EAGAIN (nscd does not cache it)`, async () => {
      file.reply = () => answer;
      const run = await runDriver(file.sandbox, ['getpwnam', 'alice', '1024']);
      assert.equal(run.stdout.trim(), 'UNAVAIL EAGAIN');
    });
});

describe('buffer too small', () => {
  for (const [op, key, line] of [
    ['getpwnam', 'alice', ALICE],
    ['getgrgid', '2001', DEV],
    ['getspnam', 'alice', `alice:$6$saltsaltsalt$${'h'.repeat(86)}:19000:0:99999:7:::`],
  ] as const)
    test(`${op}: 1, 16, 64 bytes give ERANGE and an untouched buffer, then success`, async () => {
      file.reply = (req) => (req.op === 'getspnam' ? { status: 0, lines: [line] } : directory(req));
      const run = await runDriver(file.sandbox, ['erange', op, key]);
      const [sizes, entry] = run.stdout.trim().split('\n');
      assert.equal(sizes?.trim(), '1:TRYAGAIN/ERANGE 16:TRYAGAIN/ERANGE 64:TRYAGAIN/ERANGE');
      assert.equal(entry, line);
      assert.equal(run.code, 0);
    });

  test('exactly the bytes needed are enough', async () => {
    file.reply = directory;
    const needed =
      ALICE.split(':')
        .filter((_, i) => i !== 2 && i !== 3)
        .join('.').length + 1;
    assert.equal((await runDriver(file.sandbox, ['getpwnam', 'alice', String(needed)])).stdout.trim(), ALICE);
    assert.equal(
      (await runDriver(file.sandbox, ['getpwnam', 'alice', String(needed - 1)])).stdout.trim(),
      'TRYAGAIN ERANGE',
    );
  });
});

describe('root asks the private socket first', () => {
  const asRoot = process.geteuid?.() === 0;

  test('shadow goes to the private socket when it listens', { skip: !asRoot }, async () => {
    const privateResolver = await startResolver(file.sandbox.privateSocket, (req) =>
      req.op === 'getspnam' ? { status: 0, lines: ['alice:private-hash:::::::'] } : directory(req),
    );
    try {
      file.reply = () => ({ status: 77, lines: ['refused'] });
      const run = await runDriver(file.sandbox, ['getspnam', 'alice', '1024']);
      assert.equal(run.stdout.trim(), 'alice:private-hash:::::::');
      assert.deepEqual(privateResolver.requests, [{ op: 'getspnam', arg: 'alice' }]);
    } finally {
      await privateResolver.close();
    }
  });

  test('without a private socket the public one answers (77 for shadow)', async () => {
    file.reply = (req) => (req.op === 'getspnam' ? { status: 77, lines: ['refused'] } : directory(req));
    assert.equal(
      (await runDriver(file.sandbox, ['getspnam', 'alice', '1024'])).stdout.trim(),
      'UNAVAIL EACCES',
    );
    assert.equal((await runDriver(file.sandbox, ['getpwnam', 'alice', '1024'])).stdout.trim(), ALICE);
  });
});
