// The request line grammar of docs/PROTOCOL.md as a table.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEvent } from '../../src/daemon/log.js';
import { parseRequest } from '../../src/daemon/request.js';

const ok = (line: string) => parseRequest(Buffer.from(line));

test('well-formed requests parse', () => {
  assert.deepEqual(ok('STNS1 getpwnam alice'), { ok: true, request: { op: 'getpwnam', arg: 'alice' } });
  assert.deepEqual(ok('STNS1 getpwent'), { ok: true, request: { op: 'getpwent' } });
  assert.deepEqual(ok('STNS1 cache-clear'), { ok: true, request: { op: 'cache-clear' } });
  assert.deepEqual(ok('STNS1 cache-clear 1001'), { ok: true, request: { op: 'cache-clear', arg: '1001' } });
  assert.deepEqual(ok(`STNS1 getpwnam ${'a'.repeat(255 - 'STNS1 getpwnam '.length)}`).ok, true);
  assert.deepEqual(ok('STNS1 getpwnam jürgen').ok, true);
});

test('malformed requests are refused with a reason', () => {
  const bad = [
    '',
    'STNS2 getpwnam alice',
    'STNS1',
    'STNS1 getpwnam',
    'STNS1 getpwnam ',
    'STNS1  getpwnam alice',
    'STNS1 getpwent alice',
    'STNS1 status x',
    'STNS1 getpwnam a b',
    'STNS1 getpwnam a:b',
    'STNS1 getpwnam a,b',
    'STNS1 getpwnam a\tb',
    'STNS1 getpwnam a\x00b',
    'STNS1 getpwnam a\x7fb',
    'STNS1 toString x',
    'STNS1 __proto__ x',
    `STNS1 getpwnam ${'a'.repeat(256 - 'STNS1 getpwnam '.length)}`,
  ];
  for (const line of bad) {
    const parsed = ok(line);
    assert.equal(parsed.ok, false, JSON.stringify(line));
    if (!parsed.ok) assert.ok(parsed.reason.length > 0);
  }
});

test('log lines are one line, key=value, quoted when needed', () => {
  assert.equal(
    formatEvent('reload-rejected', { config: '/etc/x.conf', error: new Error('bad\nvalue = 1') }, 42),
    'stns-query[42]: reload-rejected config=/etc/x.conf error="bad value = 1"',
  );
});
