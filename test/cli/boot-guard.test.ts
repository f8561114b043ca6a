// Early-boot guard: a lookup whose parent process is dbus-daemon (here a copy
// of bash by that name) is answered "not found" at once, with no network;
// the same lookup from an ordinary shell reaches the server.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BUILTIN_BOOT_GUARD_PROCESSES, isGuardedName, parentProcessNames } from '../../src/cli/boot-guard.js';
import { defer, tempDir } from '../support/cleanup.js';
import { BIN, expectedPasswd, runCli, startFixtureServer, writeConfig } from './helpers.js';

// `<shell> -c 'node bin/stns-query ...; exit $?'`: the trailing exit keeps bash from exec'ing node,
// so bash (under the copy's name) stays node's parent.
function viaShell(shell: string, config: string) {
  return runCli(['-c', '"$NODE" "$BIN" --config "$CFG" passwd alice; exit $?'], {
    command: shell,
    env: { NODE: process.execPath, BIN, CFG: config },
  });
}

describe('boot guard', () => {
  test('names match as the kernel stores them (comm is cut to 15 bytes)', () => {
    assert.ok(isGuardedName(['systemd-resolve'], BUILTIN_BOOT_GUARD_PROCESSES));
    assert.ok(isGuardedName(['bash', 'dbus-daemon'], BUILTIN_BOOT_GUARD_PROCESSES));
    assert.ok(isGuardedName(['(resolved)'], BUILTIN_BOOT_GUARD_PROCESSES));
    assert.ok(!isGuardedName(['bash', 'bash'], BUILTIN_BOOT_GUARD_PROCESSES));
    assert.ok(!isGuardedName(['initd'], BUILTIN_BOOT_GUARD_PROCESSES));
  });

  test("parentProcessNames reads this process's parent from /proc", () => {
    const names = parentProcessNames();
    assert.ok(names.length >= 1, 'comm is always readable for our own parent');
  });

  test('a lookup from "dbus-daemon" exits 2 at once; zero requests reach the (hanging) server', async (t) => {
    const server = await startFixtureServer();
    defer(t, () => server.close());
    const dir = tempDir(t, 'stns-cli-');
    server.setFault({ kind: 'hang' });
    const config = writeConfig(
      dir,
      `api_end_point = ["${server.url}/v1"]\nrequest_timeout = 20\nretry_request = 0\n`,
    );
    const shell = join(dir, 'dbus-daemon');
    copyFileSync('/bin/bash', shell);
    const guarded = await viaShell(shell, config);
    assert.deepEqual([guarded.code, guarded.stdout, guarded.stderr], [2, '', '']);
    assert.ok(
      guarded.ms < 15_000,
      `took ${guarded.ms} ms: it must not have waited for the 20 s request timeout`,
    );
    assert.equal(server.requests.length, 0);

    server.setFault(null);
    const normal = join(dir, 'bash');
    copyFileSync('/bin/bash', normal);
    const found = await viaShell(normal, config);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.stdout, `${expectedPasswd('alice')}\n`);
    assert.ok(server.requests.length > 0);
  });

  test('boot_guard_processes from the config guards more callers, still before any request', async (t) => {
    const server = await startFixtureServer();
    defer(t, () => server.close());
    const dir = tempDir(t, 'stns-cli-');
    const config = writeConfig(
      dir,
      `api_end_point = ["${server.url}/v1"]\nboot_guard_processes = ["early-thing"]\n`,
    );
    const shell = join(dir, 'early-thing');
    copyFileSync('/bin/bash', shell);
    const guarded = await viaShell(shell, config);
    assert.deepEqual([guarded.code, guarded.stdout], [2, '']);
    assert.equal(server.requests.length, 0);
  });
});
