// Early-boot guard: a program named dbus-daemon gets "not found" at once from
// the module (no socket, no helper), even with the server blackholed and no
// resolver running; the same binary under its own name finds alice.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compileProgram } from './support/cprog.js';
import { run } from './support/proc.js';
import { createScene } from './support/scene.js';

/** The bound for a guarded lookup, measured inside the program around getpwnam(). */
const GUARD_BOUND_US = 50_000;

// Parses lookup.c's one-line report.
function report(stdout: string): { found: boolean; line: string; elapsedUs: number } {
  const match = /^(found|notfound) (.*) elapsed_us=(\d+)\n$/.exec(stdout);
  assert.ok(match, `unexpected lookup output: ${JSON.stringify(stdout)}`);
  return { found: match[1] === 'found', line: match[2] ?? '', elapsedUs: Number(match[3]) };
}

describe('early-boot guard', { timeout: 60000 }, () => {
  test('dbus-daemon gets not-found within 50 ms from a blackholed server; others find alice', async (t) => {
    const scene = await createScene(t);
    const lookup = await compileProgram('lookup', scene.dir);
    const dbusDaemon = join(scene.dir, 'dbus-daemon');
    copyFileSync(lookup, dbusDaemon);
    const helper = scene.loggingHelper();
    const env = scene.moduleEnv({ STNS_QUERY_PATH: helper.path });
    scene.server.setFault({ kind: 'hang' });

    const guarded = await run(dbusDaemon, ['alice'], { env, timeoutMs: 20000 });
    const guardedReport = report(guarded.stdout);
    assert.equal(guardedReport.found, false);
    assert.ok(
      guardedReport.elapsedUs < GUARD_BOUND_US,
      `guarded lookup took ${guardedReport.elapsedUs} us, bound ${GUARD_BOUND_US}`,
    );
    assert.deepEqual(helper.calls(), [], 'the guard must not exec the helper');
    t.diagnostic(`guarded getpwnam took ${guardedReport.elapsedUs} us`);

    // The same blackhole really does stall an unguarded caller.
    const stalled = await run(lookup, ['alice'], { env, timeoutMs: 30000 });
    const stalledReport = report(stalled.stdout);
    assert.equal(stalledReport.found, false);
    assert.ok(
      stalledReport.elapsedUs > 500_000,
      `unguarded lookup returned in ${stalledReport.elapsedUs} us`,
    );

    scene.server.setFault(null);
    await scene.startResolver();
    const normal = report((await run(lookup, ['alice'], { env })).stdout);
    assert.deepEqual([normal.found, normal.line], [true, 'alice:1001:2001:/home/alice']);
    const stillGuarded = report((await run(dbusDaemon, ['alice'], { env })).stdout);
    assert.equal(stillGuarded.found, false, 'dbus-daemon must get not-found even with a working resolver');
  });
});
