// nss/protocol.h and src/daemon/protocol.ts state the same protocol: every
// bound, op and status in one must be in the other with the same value.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseResponse } from '../../src/daemon/client.js';
import * as protocol from '../../src/daemon/protocol.js';

const header = readFileSync(new URL('../../../nss/protocol.h', import.meta.url), 'utf8');

// `#define NAME value` pairs; `(a * b * c)` products are multiplied out.
function defines(): Map<string, string | number> {
  const found = new Map<string, string | number>();
  for (const match of header.matchAll(/^#define (STNS_\w+) ([^/\n]+?)\s*(?:\/\*.*)?$/gm)) {
    const [, name, raw] = match as unknown as [string, string, string];
    if (raw.startsWith('"')) found.set(name, JSON.parse(raw) as string);
    else if (/^[\d\s()*]+$/.test(raw))
      found.set(
        name,
        (raw.match(/\d+/g) ?? []).reduce((product, n) => product * Number(n), 1),
      );
  }
  return found;
}

test('bounds and magic agree', () => {
  const c = defines();
  assert.equal(c.get('STNS_PROTOCOL_MAGIC'), protocol.PROTOCOL_MAGIC);
  assert.equal(c.get('STNS_MAX_REQUEST_BYTES'), protocol.MAX_REQUEST_BYTES);
  assert.equal(c.get('STNS_MAX_HEADER_BYTES'), protocol.MAX_HEADER_BYTES);
  assert.equal(c.get('STNS_MAX_BODY_BYTES'), protocol.MAX_BODY_BYTES);
  assert.equal(c.get('STNS_REQUEST_READ_TIMEOUT_MS'), protocol.REQUEST_READ_TIMEOUT_MS);
  assert.equal(c.get('STNS_RESPONSE_WRITE_TIMEOUT_MS'), protocol.RESPONSE_WRITE_TIMEOUT_MS);
  assert.equal(c.get('STNS_MAX_CONNECTIONS'), protocol.MAX_CONNECTIONS);
});

test('every op and status agrees, in both directions', () => {
  const c = defines();
  const cOps = [...c].filter(([name]) => name.startsWith('STNS_OP_')).map(([, value]) => value);
  assert.deepEqual([...cOps].sort(), Object.keys(protocol.OPS).sort());
  const cStatuses = new Map(
    [...c]
      .filter(([name]) => name.startsWith('STNS_STATUS_'))
      .map(([name, value]) => [name.slice(12), value]),
  );
  assert.deepEqual(new Map(Object.entries(protocol.Status)), cStatuses);
});

test('encodeResponse and parseResponse are inverse', () => {
  for (const answer of [
    { status: 0, lines: ['alice:x:1001:2001:Alice:/home/alice:/bin/bash'] },
    { status: 2, lines: [] },
    { status: 69, lines: ['every endpoint is unavailable'] },
  ]) {
    const bytes = protocol.encodeResponse(answer);
    assert.ok(bytes.indexOf(0x0a) <= protocol.MAX_HEADER_BYTES);
    assert.deepEqual(parseResponse(bytes), answer);
    assert.equal(parseResponse(bytes.subarray(0, bytes.length - 1)), 'incomplete');
  }
});
