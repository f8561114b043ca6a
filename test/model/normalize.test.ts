import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dedupe,
  matchQuery,
  type NormalizeOptions,
  normalizeGroup,
  normalizeUser,
} from '../../src/model/normalize.js';

const opts: NormalizeOptions = { uidShift: 0, gidShift: 0, minUid: 1000, minGid: 1000 };
const alice = {
  name: 'alice',
  id: 1001,
  group_id: 2001,
  directory: '/home/alice',
  shell: '/bin/zsh',
  gecos: 'Alice',
  password: '$6$secret',
  keys: ['ssh-ed25519 AAAA a@b'],
};

// Normalises a user collecting warnings.
function user(raw: Record<string, unknown>, options = opts) {
  const warnings: string[] = [];
  const result = normalizeUser({ ...alice, ...raw }, options, (m) => warnings.push(m));
  return { result, warnings };
}

test('a well-formed user passes through unchanged', () => {
  assert.deepEqual(user({}).result, {
    name: 'alice',
    uid: 1001,
    gid: 2001,
    gecos: 'Alice',
    dir: '/home/alice',
    shell: '/bin/zsh',
    password: '$6$secret',
    keys: ['ssh-ed25519 AAAA a@b'],
  });
});

test('unset fields get defaults', () => {
  const { result } = user({ directory: '', shell: null, gecos: null, password: '', keys: null });
  assert.equal(result?.dir, '/home/alice');
  assert.equal(result?.shell, '/bin/bash');
  assert.equal(result?.gecos, '');
  assert.equal(result?.password, '');
  assert.deepEqual(result?.keys, []);
  const missing = normalizeUser({ name: 'bob', id: 1002, group_id: 2001 }, opts, () => {});
  assert.equal(missing?.dir, '/home/bob');
});

test('uid 0, gid 0, root and low ids are refused with a warning', () => {
  for (const raw of [{ id: 0 }, { group_id: 0 }, { name: 'root' }, { id: 999 }, { group_id: 10 }]) {
    const { result, warnings } = user(raw);
    assert.equal(result, null, JSON.stringify(raw));
    assert.equal(warnings.length, 1);
    assert.doesNotMatch(warnings[0] ?? '', /secret/);
  }
});

test('non-integer and out-of-range ids are refused', () => {
  for (const id of [1001.5, '1001', -5, 2 ** 32 - 1, 2 ** 40, null, true, Number.NaN]) {
    assert.equal(user({ id }).result, null, String(id));
  }
  assert.equal(user({ id: 2 ** 32 - 2 }).result?.uid, 2 ** 32 - 2);
});

test('shift adds to server ids and is applied before the min check', () => {
  const shifted = { ...opts, uidShift: 10000, gidShift: 20000 };
  const result = user({ id: 5, group_id: 7 }, shifted).result;
  assert.equal(result?.uid, 10005);
  assert.equal(result?.gid, 20007);
  assert.equal(user({ id: 1001 }, { ...opts, uidShift: -1001 }).result, null);
  assert.equal(user({ id: 2 ** 32 - 2 }, { ...opts, uidShift: 1 }).result, null);
});

test('fields that would break a passwd line drop the entry', () => {
  for (const raw of [
    { name: 'al:ice' },
    { name: 'al ice' },
    { name: 'a/b' },
    { name: '' },
    { name: 'x'.repeat(256) },
    { name: 42 },
    { password: 'x:y' },
    { password: 'x\ny' },
    { directory: '/home/a\n' },
    { directory: '/home/a:b' },
    { shell: '/bin/sh\0' },
    { shell: '/bin/sh\r' },
  ]) {
    assert.equal(user(raw).result, null, JSON.stringify(raw));
  }
  assert.equal(user({ name: 'é'.repeat(127) }).result?.name, 'é'.repeat(127));
});

test('gecos gets glibc rewriting instead of dropping', () => {
  assert.equal(user({ gecos: 'A:B\nC\rD\0E' }).result?.gecos, 'A B C D E');
});

test('keys with a line break or NUL are dropped one by one', () => {
  const { result, warnings } = user({ keys: ['good', 'bad\nssh-rsa evil', 'bad\r', 'nul\0', 7] });
  assert.deepEqual(result?.keys, ['good']);
  assert.equal(warnings.length, 4);
});

test('group members with , : whitespace or NUL are dropped alone', () => {
  const warnings: string[] = [];
  const group = normalizeGroup(
    { name: 'dev', id: 2001, users: ['alice', 'a,b', 'c:d', 'e f', 'g\n', 'h\0', '', 'bob'] },
    opts,
    (m) => warnings.push(m),
  );
  assert.deepEqual(group, { name: 'dev', gid: 2001, members: ['alice', 'bob'] });
  assert.equal(warnings.length, 6);
  assert.equal(
    normalizeGroup({ name: 'wheel', id: 0, users: [] }, opts, () => {}),
    null,
  );
  assert.equal(
    normalizeGroup({ name: 'dev', id: 5, users: null }, { ...opts, gidShift: 3000 }, () => {})?.gid,
    3005,
  );
});

test('a name or member holding U+FFFD is refused: invalid UTF-8 keys decode to it', () => {
  assert.equal(user({ name: 'a\uFFFDb' }).result, null);
  const group = normalizeGroup({ name: 'dev', id: 2001, users: ['alice', 'x\uFFFD'] }, opts, () => {});
  assert.deepEqual(group?.members, ['alice']);
  assert.equal(
    normalizeGroup({ name: '\uFFFD', id: 2001, users: [] }, opts, () => {}),
    null,
  );
});

test('duplicates keep the first entry; a mismatched answer is not found', () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  const a = normalizeUser(alice, opts, warn);
  const b = normalizeUser({ ...alice, name: 'bob', id: 1002 }, opts, warn);
  const sameId = normalizeUser({ ...alice, name: 'carol' }, opts, warn);
  assert.ok(a && b && sameId);
  assert.deepEqual(
    dedupe([a, b, a, sameId], warn).map((u) => u.name),
    ['alice', 'bob'],
  );
  assert.equal(warnings.length, 2);
  assert.equal(matchQuery({ kind: 'user', by: 'name', name: 'alice' }, [b], warn), null);
  assert.equal(matchQuery({ kind: 'user', by: 'id', id: 1001 }, [b], warn), null);
  assert.equal(matchQuery({ kind: 'user', by: 'id', id: 1002 }, [b], warn), b);
  assert.equal(warnings.length, 4);
});
