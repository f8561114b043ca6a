// No resolver listening: the module execs the helper (`stns-query <op> [arg]`)
// with a fixed environment, reads exit status = status and stdout = body,
// and never hangs on it.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { shellAnswer } from '../support/frame.js';
import {
  ALICE,
  buildNss,
  driverBin,
  makeSandbox,
  moduleSo,
  run,
  runDriver,
  type Sandbox,
  SHORT_TIMEOUT_MS,
  shortTimeoutSo,
  writeHelper,
} from './helpers.js';

let sandbox: Sandbox;

before(async () => {
  buildNss();
  sandbox = await makeSandbox();
});
after(() => sandbox?.cleanup());

// True while a process with this pid exists.
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('the helper answers with argv <op> <arg>, a fixed environment and only fds 0-2', async () => {
  const marker = join(sandbox.dir, 'caller-fd-marker');
  await writeFile(marker, '');
  const seen = join(sandbox.dir, 'seen');
  const helper = await writeHelper(
    sandbox.dir,
    'stns-query-ok',
    `{ echo "argv=$*"; env | sort; ls -l /proc/$$/fd; readlink /proc/$$/fd/0; } > ${seen} 2>&1
${shellAnswer(0, [ALICE])}`,
  );
  const env = {
    STNS_QUERY_PUBLIC_SOCKET: sandbox.publicSocket,
    STNS_QUERY_PRIVATE_SOCKET: sandbox.privateSocket,
    STNS_QUERY_PATH: helper,
    STNS_CONFIG: '/etc/stns/custom.conf',
    SECRET_TOKEN: 'do-not-pass',
    LD_PRELOAD: '',
  };
  const result = await run(
    'sh',
    ['-c', `exec 3<${marker}; exec "$@"`, 'sh', driverBin, moduleSo, 'getpwnam', 'alice', '1024'],
    env,
  );
  assert.equal(result.stdout.trim(), ALICE);
  const text = await readFile(seen, 'utf8');
  assert.match(text, /^argv=--framed getpwnam alice$/m);
  const vars = text.split('\n').filter((line) => /^[A-Z_]+=/.test(line) && !line.startsWith('PWD='));
  assert.deepEqual(vars.sort(), [
    'LANG=C',
    'PATH=/usr/local/bin:/usr/bin:/bin',
    'STNS_CONFIG=/etc/stns/custom.conf',
    'STNS_QUERY_NSS_CHILD=1',
  ]);
  assert.ok(!text.includes('caller-fd-marker'), 'a caller fd leaked into the helper');
  assert.match(text, /^\/dev\/null$/m);
});

test('enumeration asks the helper with the op alone', async () => {
  const helper = await writeHelper(
    sandbox.dir,
    'stns-query-list',
    `[ "$#" = 2 ] && [ "$1" = --framed ] && [ "$2" = getgrent ] || exit 1
${shellAnswer(0, ['a:x:1:', 'b:x:2:x,y'])}`,
  );
  const result = await runDriver(sandbox, ['getgrent', '64'], { STNS_QUERY_PATH: helper });
  assert.equal(result.stdout, 'a:x:1:\nb:x:2:x,y\nend NOTFOUND ENOENT erange=0\n');
});

const STATUS_MAPPING = [
  [2, 'NOTFOUND ENOENT'],
  [3, 'NOTFOUND ENOENT'],
  [69, 'TRYAGAIN EAGAIN'],
  [77, 'UNAVAIL EACCES'],
  [78, 'UNAVAIL ENOENT'],
  [1, 'UNAVAIL EINVAL'],
  [70, 'UNAVAIL EAGAIN'],
] as const;

for (const [status, expected] of STATUS_MAPPING)
  test(`helper answering status ${status} (framed, same exit) -> ${expected}`, async () => {
    const body = `${shellAnswer(status, ['message'])}; exit ${status}`;
    const helper = await writeHelper(sandbox.dir, `stns-query-framed-${status}`, body);
    const result = await runDriver(sandbox, ['getpwnam', 'alice', '1024'], { STNS_QUERY_PATH: helper });
    assert.equal(result.stdout.trim(), expected);
  });

// A helper that fails before it can answer (broken config, bad argv) writes nothing.
for (const [exit, expected] of STATUS_MAPPING)
  test(`helper exiting ${exit} with no answer -> ${expected}`, async () => {
    const helper = await writeHelper(sandbox.dir, `stns-query-${exit}`, `echo 'message' >&2; exit ${exit}`);
    const result = await runDriver(sandbox, ['getpwnam', 'alice', '1024'], { STNS_QUERY_PATH: helper });
    assert.equal(result.stdout.trim(), expected);
  });

for (const [name, body] of [
  ['a frame whose status differs from the exit status', `${shellAnswer(0, [ALICE])}; exit 2`],
  ['plain lines instead of a frame', `echo '${ALICE}'`],
  ['a frame longer than its length says', `${shellAnswer(0, [ALICE])}; echo extra`],
  ['a frame cut short', `${shellAnswer(0, [ALICE])} | head -c 40`],
] as const)
  test(`${name} is UNAVAIL EAGAIN, never an answer`, async () => {
    const helper = await writeHelper(sandbox.dir, `stns-query-bad-${name.length}`, body);
    const result = await runDriver(sandbox, ['getpwnam', 'alice', '1024'], { STNS_QUERY_PATH: helper });
    assert.equal(result.stdout.trim(), 'UNAVAIL EAGAIN');
  });

test('a helper killed by a signal is UNAVAIL EAGAIN', async () => {
  const helper = await writeHelper(sandbox.dir, 'stns-query-crash', 'kill -9 $$');
  const result = await runDriver(sandbox, ['getpwnam', 'alice', '1024'], { STNS_QUERY_PATH: helper });
  assert.equal(result.stdout.trim(), 'UNAVAIL EAGAIN');
});

test('no resolver and no helper is UNAVAIL ENOENT', async () => {
  const result = await runDriver(sandbox, ['getpwnam', 'alice', '1024']);
  assert.equal(result.stdout.trim(), 'UNAVAIL ENOENT');
});

test('a hanging helper is killed within the timeout', async () => {
  const pidFile = join(sandbox.dir, 'hang.pid');
  const helper = await writeHelper(sandbox.dir, 'stns-query-hang', `echo $$ > ${pidFile}; exec sleep 60`);
  const result = await runDriver(
    sandbox,
    ['getpwnam', 'alice', '1024'],
    { STNS_QUERY_PATH: helper },
    shortTimeoutSo,
  );
  assert.equal(result.stdout.trim(), 'UNAVAIL EAGAIN');
  assert.ok(result.elapsedMs >= SHORT_TIMEOUT_MS - 100, `returned after ${result.elapsedMs} ms`);
  assert.ok(result.elapsedMs < SHORT_TIMEOUT_MS + 8000, `took ${result.elapsedMs} ms`);
  assert.equal(alive(Number(await readFile(pidFile, 'utf8'))), false);
});

test('a helper that closes stdout but keeps running is killed too', async () => {
  const pidFile = join(sandbox.dir, 'linger.pid');
  const helper = await writeHelper(
    sandbox.dir,
    'stns-query-linger',
    `echo $$ > ${pidFile}; ${shellAnswer(0, [ALICE])}; exec >&-; exec sleep 60`,
  );
  const result = await runDriver(
    sandbox,
    ['getpwnam', 'alice', '1024'],
    { STNS_QUERY_PATH: helper },
    shortTimeoutSo,
  );
  assert.equal(result.stdout.trim(), 'UNAVAIL EAGAIN');
  assert.ok(result.elapsedMs < SHORT_TIMEOUT_MS + 8000, `took ${result.elapsedMs} ms`);
  assert.equal(alive(Number(await readFile(pidFile, 'utf8'))), false);
});

// getent with only the stns source, several keys in one process, with `so`'s directory on the library path.
function getentPasswd(helper: string, keys: string[], so = moduleSo) {
  return run('getent', ['-s', 'passwd:stns', 'passwd', ...keys], {
    LD_LIBRARY_PATH: dirname(so),
    STNS_QUERY_PUBLIC_SOCKET: sandbox.publicSocket,
    STNS_QUERY_PRIVATE_SOCKET: sandbox.privateSocket,
    STNS_QUERY_PATH: helper,
  });
}

// A helper that appends a line to `log` on every run, then runs `body`.
async function countingHelper(
  name: string,
  body: string,
): Promise<{ path: string; runs(): Promise<number> }> {
  const log = join(sandbox.dir, `${name}.runs`);
  await writeFile(log, '');
  const path = await writeHelper(sandbox.dir, name, `echo run >> ${log}\n${body}`);
  return { path, runs: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean).length };
}

test('after the helper finds every server unavailable, the same process does not run it again for the cooldown', async () => {
  const down = await countingHelper(
    'stns-query-down',
    `${shellAnswer(69, ['no endpoint answered'])}; exit 69`,
  );
  const result = await getentPasswd(down.path, ['alice', 'bob', 'carol']);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.equal(await down.runs(), 1, 'three lookups in one process, one helper run');
  await getentPasswd(down.path, ['alice']);
  assert.equal(await down.runs(), 2, 'nothing is shared between processes');

  const absent = await countingHelper('stns-query-absent', `${shellAnswer(2, [])}; exit 2`);
  await getentPasswd(absent.path, ['alice', 'bob', 'carol']);
  assert.equal(await absent.runs(), 3, '"not found" is an answer: no cooldown');
});

test('a helper killed at the deadline starts the cooldown too: a blackholed server costs one timeout per process', async () => {
  const hang = await countingHelper('stns-query-blackholed', 'exec sleep 60');
  const result = await getentPasswd(hang.path, ['alice', 'bob', 'carol'], shortTimeoutSo);
  assert.equal(result.code, 2);
  assert.equal(await hang.runs(), 1);
  // Three deadlines would take at least 3 × SHORT_TIMEOUT_MS; one takes about one.
  assert.ok(result.elapsedMs < 3 * SHORT_TIMEOUT_MS, `three lookups took ${result.elapsedMs} ms`);
});

// With SIGCHLD ignored the kernel reaps the helper itself and its exit status
// is lost (waitpid: ECHILD); the framed answer still says found / not found.
for (const [name, body, expected] of [
  ['a found answer', shellAnswer(0, [ALICE]), ALICE],
  ['a not-found answer', `${shellAnswer(2, [])}; exit 2`, 'NOTFOUND ENOENT'],
  ['no answer at all', 'exit 2', 'UNAVAIL EAGAIN'],
] as const)
  test(`a caller ignoring SIGCHLD gets ${name} right, without a hang`, async () => {
    const helper = await writeHelper(sandbox.dir, `stns-query-sigchld-${expected.length}`, body);
    const env = {
      STNS_QUERY_PUBLIC_SOCKET: sandbox.publicSocket,
      STNS_QUERY_PRIVATE_SOCKET: sandbox.privateSocket,
      STNS_QUERY_PATH: helper,
    };
    const script = `trap '' CHLD; exec "$@"`;
    const result = await run(
      'bash',
      ['-c', script, 'bash', driverBin, shortTimeoutSo, 'getpwnam', 'alice', '1024'],
      env,
    );
    assert.equal(result.stdout.trim(), expected);
    assert.ok(result.elapsedMs < SHORT_TIMEOUT_MS + 8000, `took ${result.elapsedMs} ms`);
  });
