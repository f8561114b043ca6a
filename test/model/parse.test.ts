// parse.ts is the inverse of format.ts: every entry format.ts can print
// parses back to the same fields, and malformed lines are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatGroup, formatPasswd, formatShadow } from '../../src/model/format.js';
import { parseGroup, parseLine, parsePasswd, parseShadow } from '../../src/model/parse.js';
import type { Group, User } from '../../src/model/types.js';

// Field text glibc accepts: no ':', newline or NUL (format.ts's contract).
const field = fc.string({ maxLength: 40 }).filter((s) => !/[:\n\0]/.test(s));
const name = fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,31}$/);
const id = fc.integer({ min: 0, max: 0xfffffffe });

const user: fc.Arbitrary<User> = fc.record({
  name,
  uid: id,
  gid: id,
  gecos: field,
  dir: field,
  shell: field,
  password: field,
  keys: fc.constant([]),
});
const group: fc.Arbitrary<Group> = fc.record({ name, gid: id, members: fc.array(name, { maxLength: 6 }) });

test('parsePasswd inverts formatPasswd', () => {
  fc.assert(
    fc.property(user, (u) => {
      const { password: _p, keys: _k, ...visible } = u;
      assert.deepEqual(parsePasswd(formatPasswd(u)), visible);
    }),
  );
});

test('parseGroup inverts formatGroup, including no members', () => {
  fc.assert(fc.property(group, (g) => assert.deepEqual(parseGroup(formatGroup(g)), { ...g })));
});

test('parseShadow inverts formatShadow; an empty hash prints and parses as !!', () => {
  fc.assert(
    fc.property(user, (u) => {
      const expected = { name: u.name, password: u.password === '' ? '!!' : u.password };
      assert.deepEqual(parseShadow(formatShadow(u)), expected);
    }),
  );
});

test('parseLine: gids are numbers, keys stay strings', () => {
  assert.equal(parseLine('gid', '2001'), 2001);
  assert.equal(parseLine('key', 'ssh-ed25519 AAAA x@y'), 'ssh-ed25519 AAAA x@y');
});

test('malformed lines are refused with a message naming the kind', () => {
  assert.throws(() => parsePasswd('alice:x:1001'), /not a passwd line: expected 7/);
  assert.throws(() => parsePasswd('alice:x:uid:2001:::'), /not a passwd line: id field "uid"/);
  assert.throws(() => parseGroup('dev:x:2001'), /not a group line/);
  assert.throws(() => parseShadow('alice:hash'), /not a shadow line/);
  assert.throws(() => parseLine('gid', '-1'), /not a initgroups line/);
});
