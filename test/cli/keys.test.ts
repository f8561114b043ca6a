// `stns-query keys USER` as sshd runs it: STNS keys, then chain_ssh_wrapper
// output; a failing wrapper is a warning, and a reader that leaves early
// (sshd after the first match, `head -n1`) is a quiet exit 0.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defer, tempDir } from '../support/cleanup.js';
import type { TestServer } from '../support/stns-server.js';
import { BIN, fixture, runCli, startFixtureServer, writeConfig } from './helpers.js';

// An executable shell script in `dir`.
function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

describe('keys with chain_ssh_wrapper', () => {
  // defer keeps one stack per hooks object: the dir and the server share this one, so after the
  // last test the server stops before its dir goes.
  const suite = { after };
  const suiteDir = tempDir(suite, 'stns-cli-');
  let server: TestServer;
  const configWith = (wrapper: string, name: string): string => {
    const dir = join(suiteDir, name);
    mkdirSync(dir, { recursive: true });
    return writeConfig(dir, `api_end_point = ["${server.url}/v1"]\nchain_ssh_wrapper = "${wrapper}"\n`);
  };
  before(async () => {
    server = await startFixtureServer();
  });
  defer(suite, () => server.close());

  test('STNS keys first, then the wrapper output, which got the user name as its argument', async () => {
    const wrapper = script(suiteDir, 'chain-ok', 'echo "ssh-ed25519 AAAAchained for-$1"');
    const result = await runCli(['--config', configWith(wrapper, 'ok'), 'keys', 'alice']);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.deepEqual(result.stdout.split('\n').filter(Boolean), [
      ...(fixture().users.alice?.keys ?? []),
      'ssh-ed25519 AAAAchained for-alice',
    ]);
  });

  test('a failing wrapper is a warning: the STNS keys are still printed, exit 0', async () => {
    const wrapper = script(suiteDir, 'chain-fail', 'echo "ssh-rsa partial"; exit 3');
    const result = await runCli(['--config', configWith(wrapper, 'fail'), 'keys', 'bob']);
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.split('\n').filter(Boolean), fixture().users.bob?.keys);
    assert.match(result.stderr, /^stns-query: warning: chain_ssh_wrapper .*chain-fail.* exit status 3\n$/);
  });

  test('a missing wrapper is a warning too', async () => {
    const result = await runCli([
      '--config',
      configWith(join(suiteDir, 'no-such-wrapper'), 'absent'),
      'keys',
      'bob',
    ]);
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.split('\n').filter(Boolean), fixture().users.bob?.keys);
    assert.match(result.stderr, /^stns-query: warning: chain_ssh_wrapper .*ENOENT/);
  });

  test('a user unknown to STNS still gets the wrapper keys (exit 0); none at all is exit 2', async () => {
    const wrapper = script(
      suiteDir,
      'chain-local',
      '[ "$1" = localuser ] && echo "ssh-ed25519 AAAAlocal"; exit 0',
    );
    const config = configWith(wrapper, 'local');
    const local = await runCli(['--config', config, 'keys', 'localuser']);
    assert.deepEqual([local.code, local.stdout], [0, 'ssh-ed25519 AAAAlocal\n']);
    const nobody = await runCli(['--config', config, 'keys', 'nobody-at-all']);
    assert.deepEqual([nobody.code, nobody.stdout, nobody.stderr], [2, '', '']);
  });

  test('sshd closing the pipe early (head -n1) is a quiet exit 0', async () => {
    const lines = 20000; // ~1 MB: far more than a pipe buffer, so the write meets EPIPE
    const wrapper = script(
      suiteDir,
      'chain-big',
      `i=0; while [ $i -lt ${lines} ]; do echo "ssh-ed25519 AAAAbig$i"; i=$((i+1)); done`,
    );
    const config = configWith(wrapper, 'big');
    const pipeline = `"$NODE" "$BIN" --config "$CFG" keys alice 2>"$ERR" | head -n1; echo "status=\${PIPESTATUS[0]}"`;
    const errFile = join(suiteDir, 'epipe.err');
    const result = await runCli(['-c', pipeline], {
      command: 'bash',
      env: { NODE: process.execPath, BIN, CFG: config, ERR: errFile },
    });
    const [first, status] = result.stdout.split('\n');
    assert.equal(first, fixture().users.alice?.keys[0]);
    assert.equal(status, 'status=0');
    assert.equal(readFileSync(errFile, 'utf8'), '');
  });
});
