// The real CLI (node bin/stns-query) against the real test STNS server on
// 127.0.0.1: getent-exact output and every exit code of README's table.
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { defer, tempDir } from '../support/cleanup.js';
import { refusedUrl, type TestServer } from '../support/stns-server.js';
import {
  cliAsNobody,
  expectedGroup,
  expectedPasswd,
  fixture,
  runCli,
  startFixtureServer,
  writeConfig,
} from './helpers.js';

const sorted = (text: string): string[] => text.split('\n').filter(Boolean).sort();

// No stack trace, exactly one line, with our prefix.
function assertOneLineError(stderr: string, pattern: RegExp): void {
  assert.match(stderr, /^stns-query: [^\n]+\n$/, `stderr: ${JSON.stringify(stderr)}`);
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

describe('lookups against a modern (/v1) server', () => {
  // defer keeps one stack per hooks object: the dir and the server share this one, so after the
  // last test the server stops before its dir goes.
  const suite = { after };
  const suiteDir = tempDir(suite, 'stns-cli-');
  let server: TestServer;
  let config: string;
  before(async () => {
    server = await startFixtureServer();
    config = writeConfig(suiteDir, `api_end_point = ["${server.url}/v1"]\nretry_request = 0\n`);
  });
  defer(suite, () => server.close());

  const found: Array<[string[], () => string[]]> = [
    [['passwd', 'alice'], () => [expectedPasswd('alice')]],
    [['passwd', String(fixture().users.bob?.id)], () => [expectedPasswd('bob')]],
    [['getpwnam', 'bob'], () => [expectedPasswd('bob')]],
    [['getpwuid', String(fixture().users.alice?.id)], () => [expectedPasswd('alice')]],
    [['group', 'dev'], () => [expectedGroup('dev')]],
    [['getgrgid', String(fixture().groups.ops?.id)], () => [expectedGroup('ops')]],
    [['passwd'], () => Object.keys(fixture().users).map(expectedPasswd).sort()],
    [['getgrent'], () => Object.keys(fixture().groups).map(expectedGroup).sort()],
    [
      ['initgroups', 'alice'],
      () =>
        Object.values(fixture().groups)
          .filter((g) => g.users.includes('alice'))
          .map((g) => String(g.id))
          .sort(),
    ],
    [['keys', 'bob'], () => [...(fixture().users.bob?.keys ?? [])].sort()],
  ];
  for (const [args, expected] of found) {
    test(`${args.join(' ')} prints the getent lines and exits 0`, async () => {
      const result = await runCli(['--config', config, ...args]);
      assert.equal(result.stderr, '');
      assert.equal(result.code, 0);
      assert.ok(result.stdout.endsWith('\n'));
      assert.deepEqual(sorted(result.stdout), expected());
    });
  }

  test('passwd alice is byte-exact', async () => {
    const result = await runCli(['--config', config, 'passwd', 'alice']);
    assert.equal(result.stdout, `${expectedPasswd('alice')}\n`);
  });

  for (const args of [
    ['passwd', 'nosuchuser'],
    ['passwd', '4242'],
    ['group', 'nosuchgroup'],
    ['keys', 'nosuch'],
  ]) {
    test(`${args.join(' ')}: not found exits 2 and prints nothing`, async () => {
      const result = await runCli(['--config', config, ...args]);
      assert.deepEqual([result.code, result.stdout, result.stderr], [2, '', '']);
    });
  }

  // What the NSS module's exec fallback reads: the resolver's response bytes, exit status = status.
  for (const [args, status, lines] of [
    [['getpwnam', 'alice'], 0, () => [expectedPasswd('alice')]],
    [['getpwnam', 'nosuchuser'], 2, () => []],
    [['getgrnam', 'a:b'], 2, () => []],
  ] as const)
    test(`--framed ${args.join(' ')} writes the resolver's response and exits ${status}`, async () => {
      const result = await runCli(['--config', config, '--framed', ...args]);
      const body = lines()
        .map((line) => `${line}\n`)
        .join('');
      assert.equal(result.stdout, `STNS1 ${status} ${Buffer.byteLength(body)}\n${body}`);
      assert.deepEqual([result.code, result.stderr], [status, '']);
    });

  test('an impossible key (contains ":") is not found without asking the server', async () => {
    const before = server.requests.length;
    const result = await runCli(['--config', config, 'passwd', 'a:b']);
    assert.deepEqual([result.code, result.stdout], [2, '']);
    assert.equal(server.requests.length, before);
  });

  test('shadow as root shows the hash', async () => {
    const result = await runCli(['--config', config, 'shadow', 'alice']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `alice:${fixture().users.alice?.password}:::::::\n`);
  });

  test('--json prints parsed objects: passwd, group, initgroups numbers, keys strings', async () => {
    const alice = fixture().users.alice;
    const pw = await runCli(['--config', config, '--json', 'passwd', 'alice']);
    assert.equal(pw.code, 0);
    assert.deepEqual(JSON.parse(pw.stdout), [
      {
        name: 'alice',
        uid: alice?.id,
        gid: alice?.group_id,
        gecos: alice?.gecos,
        dir: alice?.directory,
        shell: alice?.shell,
      },
    ]);
    const gr = await runCli(['--config', config, 'group', 'dev', '--json']);
    assert.deepEqual(JSON.parse(gr.stdout), [
      { name: 'dev', gid: fixture().groups.dev?.id, members: fixture().groups.dev?.users },
    ]);
    const ig = await runCli(['--config', config, '--json', 'initgroups', 'alice']);
    const gids = JSON.parse(ig.stdout) as number[];
    assert.ok(gids.every((g) => typeof g === 'number'));
    assert.deepEqual(
      [...gids].sort(),
      Object.values(fixture().groups)
        .filter((g) => g.users.includes('alice'))
        .map((g) => g.id)
        .sort(),
    );
    const keys = await runCli(['--config', config, '--json', 'keys', 'alice']);
    assert.deepEqual(JSON.parse(keys.stdout), alice?.keys);
  });

  test('usage errors exit 1 with one line on stderr', async () => {
    for (const args of [['--nope'], ['frobnicate'], ['getpwnam'], ['passwd', 'a', 'b']]) {
      const result = await runCli(['--config', config, ...args]);
      assert.equal(result.code, 1, args.join(' '));
      assert.equal(result.stdout, '');
      assertOneLineError(result.stderr, /stns-query: (unknown|missing|too many)/);
    }
  });

  test('--version prints the version and loads no config', async () => {
    const result = await runCli(['--config', '/nonexistent/stns.conf', '--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\S*\n$/);
  });
});

describe('exit codes for failures', () => {
  const suiteDir = tempDir({ after }, 'stns-cli-');

  test('enumeration disabled exits 3', async (t) => {
    const server = await startFixtureServer();
    defer(t, () => server.close());
    const dir = tempDir(t, 'stns-cli-');
    const config = writeConfig(dir, `api_end_point = ["${server.url}/v1"]\nenumerate = false\n`);
    const result = await runCli(['--config', config, 'passwd']);
    assert.equal(result.code, 3);
    assert.equal(result.stdout, '');
    assertOneLineError(result.stderr, /enumerat/i);
  });

  test('every endpoint refusing connections exits 69', async (t) => {
    const dir = tempDir(t, 'stns-cli-');
    const config = writeConfig(
      dir,
      `api_end_point = ["${await refusedUrl()}/v1", "${await refusedUrl()}/v2"]\nretry_request = 0\n`,
    );
    const result = await runCli(['--config', config, 'passwd', 'alice']);
    assert.equal(result.code, 69);
    assert.equal(result.stdout, '');
    assertOneLineError(result.stderr, /127\.0\.0\.1/);
  });

  test('a wrong password (401) exits 77 and never prints the password', async (t) => {
    const server = await startFixtureServer({ auth: { user: 'stns', password: 'right-secret-1' } });
    defer(t, () => server.close());
    const dir = tempDir(t, 'stns-cli-');
    const config = writeConfig(
      dir,
      `api_end_point = ["${server.url}/v1"]\nuser = "stns"\npassword = "wrong-secret-2"\n`,
    );
    const result = await runCli(['--config', config, 'passwd', 'alice']);
    assert.equal(result.code, 77);
    assertOneLineError(result.stderr, /.+/);
    assert.doesNotMatch(result.stderr, /wrong-secret-2|right-secret-1/);
    const good = writeConfig(
      dir,
      `api_end_point = ["${server.url}/v1"]\nuser = "stns"\npassword = "right-secret-1"\n`,
    );
    const ok = await runCli(['--config', good, 'passwd', 'alice']);
    assert.equal(ok.stdout, `${expectedPasswd('alice')}\n`);
  });

  test('a bad config value exits 78 naming file and key, no stack, no secret', async () => {
    const config = writeConfig(
      suiteDir,
      'api_end_point = ["http://127.0.0.1:9/v1"]\npassword = "hunter2-secret"\nuser = "u"\nrequest_timeout = "soon"\n',
    );
    const result = await runCli(['--config', config, 'passwd', 'alice']);
    assert.equal(result.code, 78);
    assertOneLineError(result.stderr, /request_timeout/);
    assert.ok(result.stderr.includes(config), result.stderr);
    assert.doesNotMatch(result.stderr, /hunter2/);
  });

  test('a missing config file exits 78 naming it', async () => {
    const missing = `${suiteDir}/absent.conf`;
    const result = await runCli(['--config', missing, 'passwd', 'alice']);
    assert.equal(result.code, 78);
    assertOneLineError(result.stderr, /absent\.conf/);
  });

  test('STNS_CONFIG names the config when --config is absent', async (t) => {
    const server = await startFixtureServer();
    defer(t, () => server.close());
    const dir = tempDir(t, 'stns-cli-');
    const config = writeConfig(dir, `api_end_point = ["${server.url}/v2"]\n`);
    const result = await runCli(['group', 'ops'], { env: { STNS_CONFIG: config } });
    assert.equal(result.stdout, `${expectedGroup('ops')}\n`);
  });

  test('shadow as a non-root user exits 77 with a clear message', async (t) => {
    const server = await startFixtureServer();
    defer(t, () => server.close());
    const dir = tempDir(t, 'stns-cli-');
    chmodSync(dir, 0o755);
    const config = writeConfig(dir, `api_end_point = ["${server.url}/v1"]\n`, 0o644);
    const asNobody = await cliAsNobody(t);
    if (asNobody === null) return;
    const shadow = await asNobody(['--config', config, 'shadow', 'alice']);
    assert.equal(shadow.code, 77);
    assert.equal(shadow.stdout, '');
    assertOneLineError(shadow.stderr, /only shown to root/);
    assert.doesNotMatch(shadow.stderr, /\$6\$/);
    const passwd = await asNobody(['--config', config, 'passwd', 'alice']);
    assert.equal(passwd.stdout, `${expectedPasswd('alice')}\n`);
  });
});
