// main's error mapping: typed errors print their one-line message and exit
// with their code; anything else is "internal error" and 70, never a stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT, runCli } from './helpers.js';

// Calls reportError in a fresh node so its stderr can be read as a user would see it.
function report(expression: string) {
  const program = `
    const { reportError } = await import('./dist/src/cli/main.js');
    const errors = await import('./dist/src/errors.js');
    process.stdout.write(String(reportError(${expression})));`;
  return runCli(['--input-type=module', '-e', program], { command: process.execPath, env: { PWD: ROOT } });
}

test('an unexpected error is "internal error", exit 70, one line, no stack', async () => {
  const result = await report("new TypeError('boom\\n at somewhere')");
  assert.equal(result.stdout, '70');
  assert.equal(result.stderr, 'stns-query: internal error: boom at somewhere\n');
});

test('typed errors keep their exit code and message', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ["new errors.AuthError('GET http://h/v1: 401')", '77', /^stns-query: GET http:\/\/h\/v1: 401\n$/],
    ["new errors.UnavailableError('no endpoint')", '69', /^stns-query: no endpoint\n$/],
    ["new errors.ConfigError('/etc/x.conf: bad key')", '78', /^stns-query: \/etc\/x\.conf: bad key\n$/],
    ["Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })", '0', /^$/],
  ];
  for (const [expression, code, stderr] of cases) {
    const result = await report(expression);
    assert.equal(result.stdout, code, expression);
    assert.match(result.stderr, stderr);
  }
});

test('process warnings come out as one "stns-query: warning:" line', async () => {
  const program = `
    const { routeProcessWarnings } = await import('./dist/src/cli/main.js');
    routeProcessWarnings();
    process.emitWarning('resolver at /x.sock: odd');`;
  const result = await runCli(['--input-type=module', '-e', program], { command: process.execPath });
  assert.equal(result.code, 0);
  assert.equal(result.stderr, 'stns-query: warning: resolver at /x.sock: odd\n');
});
