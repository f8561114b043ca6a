// argv → Invocation as a table: parsing runs nothing, so every row is pure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Invocation, packageVersion, parseArgs } from '../../src/cli/program.js';
import { UsageError } from '../../src/errors.js';

const plain = { json: false };

const rows: Array<[string[], Invocation]> = [
  [['passwd', 'alice'], { command: 'lookup', op: 'getpwnam', arg: 'alice', global: plain }],
  [['passwd', '1002'], { command: 'lookup', op: 'getpwuid', arg: '1002', global: plain }],
  [['passwd'], { command: 'lookup', op: 'getpwent', global: plain }],
  [['group', 'dev'], { command: 'lookup', op: 'getgrnam', arg: 'dev', global: plain }],
  [['group', '2001'], { command: 'lookup', op: 'getgrgid', arg: '2001', global: plain }],
  [['group'], { command: 'lookup', op: 'getgrent', global: plain }],
  [['shadow', 'alice'], { command: 'lookup', op: 'getspnam', arg: 'alice', global: plain }],
  [['shadow', '1001'], { command: 'lookup', op: 'getspnam', arg: '1001', global: plain }],
  [['shadow'], { command: 'lookup', op: 'getspent', global: plain }],
  [['getpwnam', 'alice'], { command: 'lookup', op: 'getpwnam', arg: 'alice', global: plain }],
  [['getpwuid', '1001'], { command: 'lookup', op: 'getpwuid', arg: '1001', global: plain }],
  [['getgrnam', 'dev'], { command: 'lookup', op: 'getgrnam', arg: 'dev', global: plain }],
  [['getgrgid', '2001'], { command: 'lookup', op: 'getgrgid', arg: '2001', global: plain }],
  [['getspnam', 'alice'], { command: 'lookup', op: 'getspnam', arg: 'alice', global: plain }],
  [['getpwent'], { command: 'lookup', op: 'getpwent', global: plain }],
  [['getgrent'], { command: 'lookup', op: 'getgrent', global: plain }],
  [['getspent'], { command: 'lookup', op: 'getspent', global: plain }],
  [['initgroups', 'alice'], { command: 'lookup', op: 'initgroups', arg: 'alice', global: plain }],
  [['keys', 'alice'], { command: 'keys', user: 'alice', global: plain }],
  [['check'], { command: 'check', global: plain }],
  [['status'], { command: 'status', global: plain }],
  [['cache', 'clear'], { command: 'cache-clear', global: plain }],
  [['cache', 'clear', 'alice'], { command: 'cache-clear', key: 'alice', global: plain }],
  [['serve'], { command: 'serve', global: plain }],
  [
    ['serve', '--public-socket', '/tmp/p.sock', '--private-socket=/tmp/q.sock'],
    { command: 'serve', publicSocket: '/tmp/p.sock', privateSocket: '/tmp/q.sock', global: plain },
  ],
  [
    ['--config', '/tmp/c.conf', 'passwd', 'alice'],
    { command: 'lookup', op: 'getpwnam', arg: 'alice', global: { config: '/tmp/c.conf', json: false } },
  ],
  [
    ['passwd', 'alice', '--json', '--config=/tmp/c.conf'],
    { command: 'lookup', op: 'getpwnam', arg: 'alice', global: { config: '/tmp/c.conf', json: true } },
  ],
  [
    ['--json', 'initgroups', 'bob'],
    { command: 'lookup', op: 'initgroups', arg: 'bob', global: { json: true } },
  ],
  [['--json', 'keys', 'bob'], { command: 'keys', user: 'bob', global: { json: true } }],
  [
    ['--framed', 'getpwnam', 'bob'],
    { command: 'lookup', op: 'getpwnam', arg: 'bob', global: { json: false, framed: true } },
  ],
];

for (const [argv, expected] of rows) {
  test(`parseArgs ${JSON.stringify(argv)}`, () => {
    assert.deepEqual(parseArgs(argv), expected);
  });
}

const usageErrors: Array<[string[], RegExp]> = [
  [['--nope'], /^unknown option '--nope'$/],
  [['frobnicate'], /^unknown command 'frobnicate'/],
  [['getpwnam'], /^missing required argument 'name'$/],
  [['keys'], /^missing required argument 'user'$/],
  [['passwd', 'a', 'b'], /^too many arguments for 'passwd'/],
  [['--config'], /^option '--config <path>' argument missing$/],
  [['getpwent', 'x'], /^too many arguments for 'getpwent'/],
];

for (const [argv, message] of usageErrors) {
  test(`parseArgs ${JSON.stringify(argv)} is a one-line usage error`, () => {
    assert.throws(
      () => parseArgs(argv),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.equal(error.exitCode, 1);
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      },
    );
  });
}

test('--version prints the package version and exits 0', () => {
  assert.deepEqual(parseArgs(['--version']), {
    command: 'output',
    stdout: `${packageVersion()}\n`,
    stderr: '',
    exitCode: 0,
  });
  assert.match(packageVersion(), /^\d+\.\d+\.\d+/);
});

test('no command prints help on stderr and exits 1; --help prints it on stdout and exits 0', () => {
  const none = parseArgs([]);
  assert.equal(none.command, 'output');
  assert.ok(none.command === 'output' && none.exitCode === 1 && /Usage: stns-query/.test(none.stderr));
  const help = parseArgs(['--help']);
  assert.ok(help.command === 'output' && help.exitCode === 0 && /getpwnam <name>/.test(help.stdout));
});
