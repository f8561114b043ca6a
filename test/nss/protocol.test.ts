// nss/protocol.h and src/daemon/protocol.ts must state the same protocol.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as protocol from '../../src/daemon/protocol.js';
import { nssDir } from './helpers.js';

// Every `#define NAME VALUE` of the header, the value's C syntax kept.
async function defines(): Promise<Map<string, string>> {
  const text = await readFile(join(nssDir, 'protocol.h'), 'utf8');
  const found = new Map<string, string>();
  for (const match of text.matchAll(/^#define (STNS_\w+) (.+?)\s*(?:\/\*.*)?$/gm))
    found.set(match[1] as string, (match[2] as string).trim());
  return found;
}

// Evaluates the header's simple constant expressions: "x", 123, (64 * 1024 * 1024).
function constantValue(expression: string): string | number {
  if (expression.startsWith('"')) return JSON.parse(expression) as string;
  assert.match(expression, /^[\d\s()*]+$/, `unexpected C expression ${expression}`);
  return expression
    .replace(/[()]/g, '')
    .split('*')
    .reduce((product, factor) => product * Number(factor.trim()), 1);
}

// The C name of an op: getpwnam -> STNS_OP_GETPWNAM, cache-clear -> STNS_OP_CACHE_CLEAR.
const opConstant = (op: string): string => `STNS_OP_${op.toUpperCase().replace(/-/g, '_')}`;

test('the header opens with the spec comment', async () => {
  const text = await readFile(join(nssDir, 'protocol.h'), 'utf8');
  assert.ok(text.startsWith('/*'));
  for (const word of ['STNS1 <op> [<arg>]', 'STNS1 <status> <length>', 'private socket'])
    assert.ok(text.includes(word), `header comment lacks ${word}`);
});

test('every op of protocol.ts is in protocol.h and no other', async () => {
  const header = await defines();
  const ops = Object.keys(protocol.OPS);
  for (const op of ops) assert.equal(constantValue(header.get(opConstant(op)) ?? '""'), op);
  const headerOps = [...header.keys()].filter((name) => name.startsWith('STNS_OP_'));
  assert.deepEqual(headerOps.sort(), ops.map(opConstant).sort());
});

test('every status of protocol.ts has the same number in protocol.h and no other', async () => {
  const header = await defines();
  for (const [name, value] of Object.entries(protocol.Status))
    assert.equal(constantValue(header.get(`STNS_STATUS_${name}`) ?? 'NaN'), value, name);
  const headerStatuses = [...header.keys()].filter((name) => name.startsWith('STNS_STATUS_'));
  assert.equal(headerStatuses.length, Object.keys(protocol.Status).length);
});

test('magic and limits agree', async () => {
  const header = await defines();
  const limits: Record<string, string | number> = {
    STNS_PROTOCOL_MAGIC: protocol.PROTOCOL_MAGIC,
    STNS_MAX_REQUEST_BYTES: protocol.MAX_REQUEST_BYTES,
    STNS_MAX_HEADER_BYTES: protocol.MAX_HEADER_BYTES,
    STNS_MAX_BODY_BYTES: protocol.MAX_BODY_BYTES,
    STNS_REQUEST_READ_TIMEOUT_MS: protocol.REQUEST_READ_TIMEOUT_MS,
    STNS_RESPONSE_WRITE_TIMEOUT_MS: protocol.RESPONSE_WRITE_TIMEOUT_MS,
    STNS_MAX_CONNECTIONS: protocol.MAX_CONNECTIONS,
    STNS_LOOP_GUARD_ENV: protocol.NSS_CHILD_ENV,
    STNS_HELPER_PATH: protocol.HELPER_PATH,
  };
  for (const [name, value] of Object.entries(limits))
    assert.equal(constantValue(header.get(name) ?? 'NaN'), value, name);
});
