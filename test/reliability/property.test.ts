// Property tests (issue 5): for arbitrary server records (strings full of
// `:`, newlines, `,`, NUL, unicode and lone surrogates; numbers of every kind),
// sent through every generation's real wire body and parser, normalised and
// formatted, an entry is either dropped or its printed line — split the way
// glibc splits it — yields exactly the model's values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { generationFor } from '../../src/api/generation.js';
import { readJson } from '../../src/api/wire.js';
import { formatGroup, formatPasswd, formatShadow } from '../../src/model/format.js';
import { type NormalizeOptions, normalizeGroup, normalizeUser } from '../../src/model/normalize.js';
import { parseGroup, parsePasswd } from '../../src/model/parse.js';
import type { Group, User } from '../../src/model/types.js';
import { modernReply, rootReply, type StnsData, v2Reply, v3Reply } from '../support/stns-bodies.js';
import { glibcGroup, glibcPasswd } from './support.js';

const NUM_RUNS = 3000;
const ENDPOINTS = [
  'http://127.0.0.1:1/v1',
  'http://127.0.0.1:1/v2',
  'http://127.0.0.1:1/v3',
  'http://127.0.0.1:1',
];
const options: NormalizeOptions = { uidShift: 0, gidShift: 0, minUid: 1000, minGid: 1000 };
const MAX_ID = 0xfffffffe;

const hostileChar = fc.constantFrom(
  ':',
  '\n',
  '\r',
  ',',
  '\0',
  ' ',
  '\t',
  '/',
  '.',
  'a',
  'z',
  '0',
  'é',
  '😀',
  '\ud800',
  '\udc00',
  '\u001b',
  'r',
  'o',
  't',
);
/** Strings biased towards the characters glibc cares about, plus arbitrary UTF-16 and names that look normal. */
const hostileString = fc.oneof(
  fc.string({ unit: hostileChar, maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/), weight: 3 },
  fc.constantFrom('root', '.', '..', '', 'alice'),
);
/** Numbers of every kind a JSON server could send for an id, and non-numbers. */
const anyId = fc.oneof(
  { arbitrary: fc.integer({ min: 1000, max: 70000 }), weight: 8 },
  fc.integer(),
  fc.constantFrom(0, -1, 999, 1000, MAX_ID, MAX_ID + 1, 2 ** 32, 2 ** 53, 1.5, 1e21, -0),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 6 }),
  fc.constantFrom(null, true, false),
);
const optionalString = fc.oneof(
  { arbitrary: hostileString, weight: 4 },
  fc.constantFrom(null, ''),
  fc.integer(),
);

const rawUser = fc.record({
  name: hostileString,
  id: anyId,
  group_id: anyId,
  password: optionalString,
  directory: optionalString,
  shell: optionalString,
  gecos: optionalString,
  keys: fc.oneof(fc.constant(null), fc.array(fc.oneof(hostileString, fc.integer()), { maxLength: 4 })),
});
const rawGroup = fc.record({
  name: hostileString,
  id: anyId,
  users: fc.oneof(fc.constant(null), fc.array(fc.oneof(hostileString, fc.integer()), { maxLength: 5 })),
});

// The real list body one generation's server sends for these entries.
function listBody(endpoint: string, kind: 'user' | 'group', entries: Array<Record<string, unknown>>): Buffer {
  const data: StnsData = { users: new Map(), groups: new Map() };
  const map = kind === 'user' ? data.users : data.groups;
  for (const { name, ...rec } of entries) map.set(String(name), rec);
  const gen = generationFor(endpoint).id;
  const reply =
    gen === 'v1'
      ? modernReply(data, kind, new URLSearchParams())
      : gen === 'v2'
        ? v2Reply(data, kind, 'list', '')
        : gen === 'v3'
          ? v3Reply(data, kind, 'list', '')
          : rootReply(data, kind, 'list', '');
  return Buffer.from(reply.body);
}

// Records as the client's own parser reads them from the wire body.
function parsedRecords(endpoint: string, kind: 'user' | 'group', entries: Array<Record<string, unknown>>) {
  const body = readJson(listBody(endpoint, kind, entries), endpoint);
  return generationFor(endpoint).parse(200, body, endpoint) ?? [];
}

// The user's printed line read back with glibc's rules equals the model, and the model equals the record.
function checkUser(user: User, raw: Record<string, unknown>): void {
  const line = formatPasswd(user);
  const got = glibcPasswd(line);
  assert.deepEqual(got, { ...pick(user), passwd: 'x' });
  assert.deepEqual(parsePasswd(line), pick(user));
  assert.ok(user.uid !== 0 && user.gid !== 0 && user.uid >= options.minUid && user.gid >= options.minGid);
  assert.equal(user.uid, raw.id);
  assert.equal(user.gid, raw.group_id);
  assert.equal(user.name, raw.name);
  for (const key of user.keys) assert.doesNotMatch(key, /[\n\r\0]/);
  const shadow = formatShadow(user).split(':');
  assert.equal(shadow.length, 9);
  assert.equal(shadow[1], user.password === '' ? '!!' : user.password);
}

const pick = (u: User) => ({
  name: u.name,
  uid: u.uid,
  gid: u.gid,
  gecos: u.gecos,
  dir: u.dir,
  shell: u.shell,
});

// The group's printed line read back with glibc's rules equals the model.
function checkGroup(group: Group, raw: Record<string, unknown>): void {
  const line = formatGroup(group);
  const got = glibcGroup(line);
  assert.deepEqual(got, { name: group.name, passwd: 'x', gid: group.gid, members: group.members });
  assert.deepEqual(parseGroup(line), { name: group.name, gid: group.gid, members: group.members });
  assert.equal(group.gid, raw.id);
  assert.equal(group.name, raw.name);
}

// Entries with distinct names (a name-keyed map cannot carry two), as the server would hold them.
const distinctNames = <T extends { name: string }>(list: T[]): T[] => [
  ...new Map(list.map((e) => [e.name, e])).values(),
];

for (const endpoint of ENDPOINTS) {
  const gen = generationFor(endpoint).id;

  test(`users through the ${gen} wire format: dropped, or printed exactly as the model holds them`, () => {
    let printed = 0;
    fc.assert(
      fc.property(fc.array(rawUser, { maxLength: 6 }), (list) => {
        const entries = distinctNames(list);
        const records = parsedRecords(endpoint, 'user', entries);
        assert.equal(records.length, entries.length);
        for (const record of records) {
          const raw = entries.find((e) => e.name === record.name);
          assert.ok(raw, 'the parser invented a record');
          const user = normalizeUser(record, options, () => {});
          if (user !== null) {
            checkUser(user, record);
            printed++;
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
    assert.ok(printed > NUM_RUNS / 10, `only ${printed} users were printed: the generators test nothing`);
  });

  test(`groups through the ${gen} wire format: dropped, or printed exactly as the model holds them`, () => {
    let printed = 0;
    fc.assert(
      fc.property(fc.array(rawGroup, { maxLength: 6 }), (list) => {
        const entries = distinctNames(list);
        for (const record of parsedRecords(endpoint, 'group', entries)) {
          const group = normalizeGroup(record, options, () => {});
          if (group !== null) {
            checkGroup(group, record);
            printed++;
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
    assert.ok(printed > NUM_RUNS / 10, `only ${printed} groups were printed: the generators test nothing`);
  });
}

test('shifted ids stay in range and never 0', () => {
  fc.assert(
    fc.property(
      rawUser,
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.integer({ min: 1, max: MAX_ID }),
      (raw, shift, min) => {
        const user = normalizeUser(
          raw,
          { uidShift: shift, gidShift: shift, minUid: min, minGid: min },
          () => {},
        );
        if (user === null) return;
        for (const id of [user.uid, user.gid])
          assert.ok(Number.isInteger(id) && id >= min && id <= MAX_ID && id !== 0);
        assert.equal(user.uid, (raw.id as number) + shift);
        glibcPasswd(formatPasswd(user));
      },
    ),
    { numRuns: NUM_RUNS * 2 },
  );
});

test('normalisation never throws and its warnings stay one short line, whatever the record', () => {
  fc.assert(
    fc.property(fc.oneof(rawUser, fc.dictionary(fc.string(), fc.jsonValue())), (raw) => {
      const warnings: string[] = [];
      normalizeUser(raw as Record<string, unknown>, options, (m) => warnings.push(m));
      normalizeGroup(raw as Record<string, unknown>, options, (m) => warnings.push(m));
      for (const w of warnings) assert.ok(w.length < 500 && !w.includes('\n'), w);
    }),
    { numRuns: NUM_RUNS },
  );
});
