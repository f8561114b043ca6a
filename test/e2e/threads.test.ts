// A threaded caller against the real resolver: 8 threads x 1000 glibc
// getpwnam_r + getgrgid_r pairs (passwd/group set to "stns", the module found
// on LD_LIBRARY_PATH) from 1..1024-byte buffers, every answer checked (the NSS
// driver's threads-glibc mode, nss/test/driver.c); then the same run with the
// module built with -fsanitize=address,undefined.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { NSS_ASAN_DIR, NSS_MODULE, ROOT } from './support/paths.js';
import { type RunResult, run } from './support/proc.js';
import { createScene, type Scene } from './support/scene.js';

const THREADS = 8;
const ITERATIONS = 1000;
const DRIVER = join(ROOT, 'nss', 'build', 'driver');
/** The scene's users and groups with the getent lines the module must give for them. */
const EXPECTED = [
  ['alice', 'alice:x:1001:2001:Alice:/home/alice:/bin/sh', '2001', 'dev:x:2001:alice,bob'],
  ['bob', 'bob:x:1002:2001:Bob:/home/bob:/bin/sh', '2002', 'ops:x:2002:alice'],
].flat();

// Builds the NSS driver (make is incremental).
async function buildDriver(): Promise<void> {
  const built = await run('make', ['-s', '-C', join(ROOT, 'nss'), 'driver'], { timeoutMs: 120000 });
  assert.equal(built.code, 0, `make -C nss driver failed:\n${built.stderr}`);
}

// Runs the driver's threaded mode on `module`; no helper, so the resolver answers all.
async function hammer(scene: Scene, module: string, extra: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  await buildDriver();
  const env = scene.moduleEnv({
    STNS_QUERY_PATH: join(scene.dir, 'no-such-helper'),
    LD_LIBRARY_PATH: dirname(module),
    ...extra,
  });
  const args = [module, 'threads-glibc', String(THREADS), String(ITERATIONS), ...EXPECTED];
  return run(DRIVER, args, { env, timeoutMs: 120000 });
}

// Checks the program's summary line: every lookup done, some ERANGE retries, no failures.
function assertClean(result: RunResult): void {
  assert.equal(result.code, 0, `threads exit ${result.code} ${result.signal ?? ''}\n${result.stderr}`);
  const match = /^lookups=(\d+) eranges=(\d+) failures=(\d+)\n$/.exec(result.stdout);
  assert.ok(match, `unexpected output: ${result.stdout}`);
  assert.equal(Number(match[1]), THREADS * ITERATIONS * 2);
  assert.ok(Number(match[2]) > 0, 'the small buffers never produced ERANGE');
  assert.equal(Number(match[3]), 0);
}

// The sanitizer runtimes must come first in the process, before the module pulls them in.
async function sanitizerPreload(): Promise<string> {
  const asan = await run('gcc', ['-print-file-name=libasan.so']);
  const path = asan.stdout.trim();
  assert.ok(path.startsWith('/') && existsSync(path), `libasan.so not found by gcc: ${asan.stdout}`);
  return path;
}

describe('threaded callers', { timeout: 170000 }, () => {
  test(`${THREADS} threads x ${ITERATIONS} getpwnam_r/getgrgid_r with small buffers`, async (t) => {
    const scene = await createScene(t);
    await scene.startResolver();
    assertClean(await hammer(scene, NSS_MODULE));
  });

  test('the same run with the module built with -fsanitize=address,undefined stays clean', async (t) => {
    const built = await run('make', ['-s', '-C', join(ROOT, 'nss'), 'asan'], { timeoutMs: 120000 });
    assert.equal(built.code, 0, `make -C nss asan failed:\n${built.stderr}`);
    const module = join(NSS_ASAN_DIR, 'libnss_stns.so.2');
    assert.ok(existsSync(module), `make -C nss asan did not produce ${module}`);
    const scene = await createScene(t);
    await scene.startResolver();
    const result = await hammer(scene, module, {
      LD_PRELOAD: await sanitizerPreload(),
      ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1:exitcode=99',
      UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:exitcode=98',
    });
    assert.doesNotMatch(result.stderr, /ERROR: (Address|Leak)Sanitizer|runtime error:/);
    assertClean(result);
  });
});
