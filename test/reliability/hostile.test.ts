// A hostile STNS server (issue 5): separators, NUL and newlines in every field,
// dangerous ids, duplicates, answers to another question, huge and deeply
// nested bodies, invalid UTF-8, keys with newlines. Over every generation the
// shape applies to, through the real CLI and the library, every printed line
// is parsed with glibc's rules and must say exactly what the server's record
// says, or not be printed at all.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createClient } from '../../src/api/client.js';
import { formatGroup, formatPasswd } from '../../src/model/format.js';
import { runCli } from '../cli/helpers.js';
import { testConfig } from '../support/config.js';
import {
  type Generation,
  modernReply,
  type Reply,
  rootReply,
  type StnsData,
  v2Reply,
  v3Reply,
} from '../support/stns-bodies.js';
import { route } from '../support/stns-server.js';
import { assertKeyLine, glibcGroup, glibcPasswd, writeCliConfig } from './support.js';

type Rec = Record<string, unknown>;
type Entries = Array<[string, Rec]>;
type Query = {
  gen: Generation;
  kind: 'user' | 'group';
  by: 'name' | 'id' | 'list';
  key: string;
  params: URLSearchParams;
};

const GENERATIONS: Array<[Generation, string]> = [
  ['v1', '/v1'],
  ['v2', '/v2'],
  ['v3', '/v3'],
  ['root', ''],
];
const DEEP = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const BAD_UTF8 = Buffer.from([0xff, 0xfe, 0xc3]);

const carol: Rec = {
  id: 3001,
  group_id: 3001,
  directory: '/home/carol',
  shell: '/bin/sh',
  gecos: 'Carol',
  keys: ['ssh-ed25519 AAAAC3carol carol@x'],
};
const staff: Rec = { id: 3001, users: ['carol'] };

/** One hostile server behaviour and what may (and must) come out of it. */
interface Case {
  name: string;
  users: Entries;
  groups: Entries;
  /** Rewrites the honest reply body (raw bytes the server really sends). */
  mangle?: (body: string, q: Query) => string | Buffer;
  /** Replaces the honest answer entirely. */
  answer?: (q: Query, data: StnsData) => Reply | undefined;
  /** Records a printed line may come from; defaults to users/groups. */
  truthUsers?: Entries;
  truthGroups?: Entries;
  /** 'entries': lists print (only) the expected names; 'unavailable': every lookup exits 69. */
  outcome: 'entries' | 'unavailable';
  expectUsers?: string[];
  expectGroups?: string[];
  /** Name lookups and their expected CLI exit code. */
  lookups?: Array<{ args: string[]; code: number }>;
  /** Applies to these generations only (shape-specific hostility). */
  only?: Generation[];
}

const user = (over: Rec): Rec => ({ ...carol, ...over });
const BAD = [
  ['nl', '\n'],
  ['colon', ':'],
  ['nul', '\0'],
] as const;
const FIELDS = ['password', 'directory', 'shell', 'gecos'] as const;

// Users with each bad character in each string field (names done separately: they are the map keys).
function fieldUsers(): Entries {
  const out: Entries = [];
  let id = 5000;
  for (const field of FIELDS) {
    for (const [tag, ch] of BAD) {
      out.push([`${field}_${tag}`, user({ id: ++id, [field]: `/x${ch}y:z` })]);
    }
  }
  for (const [tag, ch] of BAD) out.push([`evil${ch}${tag}`, user({ id: ++id })]);
  return out;
}

// The honest reply of one generation for `q` over `data`.
function honest(data: StnsData, q: Query): Reply {
  if (q.gen === 'v1') return modernReply(data, q.kind, q.params);
  if (q.gen === 'v2') return v2Reply(data, q.kind, q.by, q.key);
  if (q.gen === 'v3') return v3Reply(data, q.kind, q.by, q.key);
  return rootReply(data, q.kind, q.by, q.key);
}

// The v1 list of users with the same name twice and the same id twice; legacy maps can only repeat ids.
function duplicates(q: Query): Reply | undefined {
  if (q.by !== 'list' || q.kind !== 'user') return undefined;
  const recs = [
    { name: 'carol', ...carol },
    { name: 'carol', ...carol, id: 3002 },
    { name: 'dave', ...carol, id: 3001, directory: '/home/dave' },
    { name: 'erin', ...carol, id: 3003, directory: '/home/erin' },
  ];
  const json = { 'content-type': 'application/json' };
  if (q.gen === 'v1' || q.gen === 'v3') return { status: 200, body: JSON.stringify(recs), headers: json };
  return undefined;
}

const HOSTILE: Case[] = [
  {
    name: 'newline, ":" and NUL in every user field',
    users: [['carol', carol], ...fieldUsers()],
    groups: [['staff', staff]],
    outcome: 'entries',
    expectUsers: ['carol', 'gecos_nl', 'gecos_colon', 'gecos_nul'],
    lookups: [
      { args: ['passwd', 'shell_nl'], code: 2 },
      { args: ['passwd', 'gecos_colon'], code: 0 },
    ],
  },
  {
    name: 'newline, ":", NUL and "," in group names and members',
    users: [['carol', carol]],
    groups: [
      ['staff', staff],
      ['mixed', { id: 3100, users: ['carol', 'a,b', 'c:d', 'e\nf', 'g\0h', 'i j', '', 7, null] }],
      ['bad\ngroup', { id: 3101, users: ['carol'] }],
      ['bad:group', { id: 3102, users: ['carol'] }],
      ['bad,group', { id: 3103, users: ['carol'] }],
      ['bad\0group', { id: 3104, users: ['carol'] }],
    ],
    outcome: 'entries',
    expectUsers: ['carol'],
    expectGroups: ['staff', 'mixed'],
    lookups: [{ args: ['group', 'mixed'], code: 0 }],
  },
  {
    name: 'uid 0, gid 0, root, negative, ≥ 2^32-1, float and string ids',
    users: [
      ['carol', carol],
      ['zero', user({ id: 0 })],
      ['zerogid', user({ id: 5001, group_id: 0 })],
      ['root', user({ id: 5002 })],
      ['negative', user({ id: -5 })],
      ['negativegid', user({ id: 5003, group_id: -1 })],
      ['maxid', user({ id: 4294967295 })],
      ['huge', user({ id: 4294967296 })],
      ['float', user({ id: 5004.5 })],
      ['string', user({ id: '5005' })],
      ['nullid', user({ id: null })],
      ['boolid', user({ id: true })],
      ['lowid', user({ id: 999 })],
    ],
    groups: [
      ['staff', staff],
      ['root', { id: 3200, users: ['carol'] }],
      ['zero', { id: 0, users: ['carol'] }],
      ['negative', { id: -1, users: ['carol'] }],
      ['float', { id: 3201.5, users: ['carol'] }],
      ['string', { id: '3202', users: ['carol'] }],
      ['maxid', { id: 4294967295, users: ['carol'] }],
    ],
    outcome: 'entries',
    expectUsers: ['carol'],
    expectGroups: ['staff'],
    lookups: [
      { args: ['passwd', 'zero'], code: 2 },
      { args: ['passwd', 'float'], code: 2 },
      { args: ['group', 'zero'], code: 2 },
      { args: ['passwd', '0'], code: 2 },
    ],
  },
  {
    name: 'duplicate names or ids in one list',
    users: [
      ['carol', carol],
      ['dave', user({ directory: '/home/dave' })],
      ['erin', user({ id: 3003, directory: '/home/erin' })],
    ],
    groups: [
      ['staff', staff],
      ['staff2', { id: 3001, users: ['carol'] }],
    ],
    answer: duplicates,
    truthUsers: [
      ['carol', carol],
      ['carol', user({ id: 3002 })],
      ['dave', user({ directory: '/home/dave' })],
      ['erin', user({ id: 3003, directory: '/home/erin' })],
    ],
    outcome: 'entries',
    expectUsers: ['carol', 'erin'],
    expectGroups: ['staff'],
  },
  {
    name: 'a name or id query answered with a different user',
    users: [['bob', user({ id: 1002, directory: '/home/bob' })]],
    groups: [['staff', staff]],
    answer: (q, data) => {
      if (q.kind !== 'user' || q.by === 'list') return undefined;
      const params = new URLSearchParams(q.by === 'name' ? { name: 'bob' } : { id: '1002' });
      return honest(data, { ...q, key: q.by === 'name' ? 'bob' : '1002', params });
    },
    outcome: 'entries',
    expectUsers: ['bob'],
    lookups: [
      { args: ['passwd', 'alice'], code: 2 },
      { args: ['passwd', '1001'], code: 2 },
      { args: ['keys', 'alice'], code: 2 },
    ],
  },
  {
    name: '100k members in one group',
    users: [['carol', carol]],
    groups: [
      ['staff', staff],
      [
        'big',
        { id: 3300, users: [...Array.from({ length: 100_000 }, (_, i) => `u${i}`), 'bad,one', 'bad one'] },
      ],
    ],
    outcome: 'entries',
    expectUsers: ['carol'],
    expectGroups: ['staff', 'big'],
    lookups: [{ args: ['group', 'big'], code: 0 }],
  },
  {
    name: '10 MB of keys, some with newlines',
    users: [
      ['carol', carol],
      [
        'keyring',
        user({
          id: 3400,
          keys: [
            ...Array.from({ length: 10_240 }, (_, i) => `ssh-ed25519 ${'A'.repeat(1000)}${i} k${i}@x`),
            'ssh-ed25519 AAAA one\ncommand="/bin/sh" ssh-rsa BBBB two',
            'ssh-ed25519 AAAA three\r\nssh-rsa CCCC four',
            'ssh-ed25519 AAAA five\0six',
          ],
        }),
      ],
    ],
    groups: [['staff', staff]],
    outcome: 'entries',
    expectUsers: ['carol', 'keyring'],
    lookups: [{ args: ['keys', 'keyring'], code: 0 }],
  },
  {
    name: 'keys containing newlines never become two authorized_keys lines',
    users: [
      [
        'dave',
        user({
          id: 3500,
          directory: '/home/dave',
          keys: [
            'ssh-ed25519 AAAA dave@x',
            'ssh-ed25519 AAAA a\ncommand="rm -rf /" ssh-rsa BBBB b',
            'x\ry',
            '',
            7,
            null,
          ],
        }),
      ],
    ],
    groups: [],
    outcome: 'entries',
    expectUsers: ['dave'],
    lookups: [{ args: ['keys', 'dave'], code: 0 }],
  },
  {
    name: 'deeply nested JSON inside fields',
    users: [
      ['carol', carol],
      ['deepid', user({ id: '__DEEP__' })],
      [
        'deepkeys',
        user({ id: 3600, directory: '/home/deepkeys', keys: ['__DEEP__', 'ssh-ed25519 AAAA ok'] }),
      ],
    ],
    groups: [
      ['staff', staff],
      ['deepmembers', { id: 3601, users: ['__DEEP__', 'carol'] }],
    ],
    mangle: (body) => body.replaceAll('"__DEEP__"', DEEP),
    truthUsers: [
      ['carol', carol],
      ['deepkeys', user({ id: 3600, directory: '/home/deepkeys', keys: ['ssh-ed25519 AAAA ok'] })],
    ],
    truthGroups: [
      ['staff', staff],
      ['deepmembers', { id: 3601, users: ['carol'] }],
    ],
    outcome: 'entries',
    expectUsers: ['carol', 'deepkeys'],
    expectGroups: ['staff', 'deepmembers'],
    lookups: [{ args: ['keys', 'deepkeys'], code: 0 }],
  },
  {
    name: 'a deeply nested JSON body',
    users: [['carol', carol]],
    groups: [['staff', staff]],
    mangle: () => DEEP,
    outcome: 'unavailable',
    lookups: [{ args: ['passwd', 'carol'], code: 69 }],
  },
  {
    name: 'invalid UTF-8',
    users: [['carol', user({ gecos: 'Ca__BAD__rol' })]],
    groups: [['staff', { id: 3001, users: ['carol', 'x__BAD__y'] }]],
    mangle: (body) => {
      const [head = '', ...rest] = body.split('__BAD__');
      return Buffer.concat([Buffer.from(head), ...rest.flatMap((part) => [BAD_UTF8, Buffer.from(part)])]);
    },
    outcome: 'unavailable',
    lookups: [{ args: ['passwd', 'carol'], code: 69 }],
  },
  {
    name: 'lone surrogates, control characters, "." and ".." in names',
    users: [
      ['carol', user({ gecos: 'Ca\ud800rol' })],
      ['a\ud800', user({ id: 3700 })],
      ['esc\u001b[2J', user({ id: 3701 })],
      ['.', user({ id: 3702 })],
      ['..', user({ id: 3703 })],
      ['ユーザー', user({ id: 3704, directory: '/home/user' })],
      ['lone', user({ id: 3705, shell: '/bin/\udc00sh' })],
    ],
    groups: [['staff', { id: 3001, users: ['carol', 'x\udfffy', 'del\u007f'] }]],
    outcome: 'entries',
    expectUsers: ['carol', 'ユーザー'],
    expectGroups: ['staff'],
    lookups: [{ args: ['passwd', 'ユーザー'], code: 0 }],
  },
];

// Serves `c` on 127.0.0.1: the honest reply for its data, then its mangling.
async function startHostile(c: Case): Promise<{ url: string; close(): Promise<void> }> {
  const data: StnsData = { users: new Map(c.users), groups: new Map(c.groups) };
  const server: Server = createServer((req, res) => {
    const r = route(req.url ?? '/');
    if (r === null || r.gen === 'health') {
      res.writeHead(404).end();
      return;
    }
    const reply = c.answer?.(r, data) ?? honest(data, r);
    const body = c.mangle ? c.mangle(reply.body, r) : reply.body;
    res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const GLIBC_GECOS = /[:\n\r\0\p{Cs}]/gu;
const GLIBC_MEMBER_BAD = /[,:\s\p{Cc}\p{Cs}]/u;

// Asserts a passwd line says exactly what one of the server's records for that name says.
function assertTruePasswd(line: string, truth: Entries): string {
  const got = glibcPasswd(line);
  const candidates = truth.filter(([name]) => name === got.name).map(([, rec]) => rec);
  assert.ok(candidates.length > 0, `printed a user the server never sent: ${JSON.stringify(line)}`);
  const match = candidates.some(
    (rec) =>
      rec.id === got.uid &&
      rec.group_id === got.gid &&
      got.passwd === 'x' &&
      got.gecos === String(rec.gecos ?? '').replace(GLIBC_GECOS, ' ') &&
      got.dir === (rec.directory || `/home/${got.name}`) &&
      got.shell === (rec.shell || '/bin/bash'),
  );
  assert.ok(match, `line differs from every server record for ${got.name}: ${JSON.stringify(line)}`);
  return got.name;
}

// Asserts a group line carries the record's gid and exactly its members that glibc would read as one name each.
function assertTrueGroup(line: string, truth: Entries): string {
  const got = glibcGroup(line);
  const rec = truth.find(([name]) => name === got.name)?.[1];
  assert.ok(rec, `printed a group the server never sent: ${JSON.stringify(line)}`);
  assert.equal(got.gid, rec.id);
  const sent = Array.isArray(rec.users) ? rec.users : [];
  const clean = sent.filter(
    (m): m is string => typeof m === 'string' && m !== '' && !GLIBC_MEMBER_BAD.test(m),
  );
  assert.deepEqual(got.members, clean, `members of ${got.name}`);
  return got.name;
}

// Asserts key lines are whole keys the server sent, each one line.
function assertTrueKeys(lines: string[], truth: Entries, name: string): void {
  const sent = (truth.find(([n]) => n === name)?.[1].keys ?? []) as unknown[];
  const whole = sent.filter((k): k is string => typeof k === 'string' && k !== '' && !/[\n\r\0]/.test(k));
  for (const line of lines) assertKeyLine(line);
  assert.deepEqual(lines, whole, `keys of ${name}`);
}

const linesOf = (stdout: string): string[] => (stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n'));
const sortedNames = (names: string[]): string[] => [...names].sort();
const applies = (c: Case, gen: Generation): boolean => c.only === undefined || c.only.includes(gen);

const temp = mkdtempSync(join(tmpdir(), 'stns-hostile-'));
after(() => rmSync(temp, { recursive: true, force: true }));

for (const c of HOSTILE) {
  describe(`hostile server: ${c.name}`, { concurrency: 2 }, () => {
    const truthUsers = c.truthUsers ?? c.users;
    const truthGroups = c.truthGroups ?? c.groups;
    for (const [gen, suffix] of GENERATIONS.filter(([g]) => applies(c, g))) {
      test(`library, ${gen}: nothing wrong comes out`, async () => {
        const server = await startHostile(c);
        const warnings: string[] = [];
        const client = createClient(
          testConfig({ endpoints: [`${server.url}${suffix}`], retryRequest: 0, requestTimeoutMs: 10_000 }),
          { warn: (m) => warnings.push(m) },
        );
        try {
          if (c.outcome === 'unavailable') {
            await assert.rejects(client.listUsers(), { exitCode: 69 });
            await assert.rejects(client.getUserByName('carol'), { exitCode: 69 });
            return;
          }
          const users = (await client.listUsers()).map((u) => assertTruePasswd(formatPasswd(u), truthUsers));
          const groups = (await client.listGroups()).map((g) => assertTrueGroup(formatGroup(g), truthGroups));
          if (c.expectUsers) assert.deepEqual(sortedNames(users), sortedNames(c.expectUsers));
          if (c.expectGroups) assert.deepEqual(sortedNames(groups), sortedNames(c.expectGroups));
          assert.equal(new Set(users).size, users.length, 'a user name printed twice');
          for (const name of c.expectUsers ?? []) {
            const one = await client.getUserByName(name);
            assert.ok(one, `${name} is listed but its lookup found nothing`);
            assertTruePasswd(formatPasswd(one), truthUsers);
            assertTrueKeys(one.keys, truthUsers, name);
          }
          for (const w of warnings)
            assert.ok(w.length < 1000 && !w.includes('\n'), `warning: ${w.slice(0, 200)}`);
        } finally {
          await client.close();
          await server.close();
        }
      });

      test(`CLI, ${gen}: printed lines parse with glibc's rules to the server's values`, async () => {
        const server = await startHostile(c);
        const dir = mkdtempSync(join(temp, 'cli-'));
        const config = writeCliConfig(dir, {
          endpoints: [`${server.url}${suffix}`],
          retry: 0,
          timeoutSec: 10,
          secrets: 'none',
        });
        const cli = (args: string[]) => runCli(['--config', config, ...args]);
        try {
          const passwd = await cli(['passwd']);
          const group = await cli(['group']);
          if (c.outcome === 'unavailable') {
            assert.equal(passwd.code, 69);
            assert.equal(passwd.stdout, '');
            assert.equal(group.code, 69);
          } else {
            assert.equal(passwd.code, 0, passwd.stderr);
            assert.equal(group.code, 0, group.stderr);
            const users = linesOf(passwd.stdout).map((l) => assertTruePasswd(l, truthUsers));
            const groups = linesOf(group.stdout).map((l) => assertTrueGroup(l, truthGroups));
            if (c.expectUsers) assert.deepEqual(sortedNames(users), sortedNames(c.expectUsers));
            if (c.expectGroups) assert.deepEqual(sortedNames(groups), sortedNames(c.expectGroups));
          }
          for (const stderr of [passwd.stderr, group.stderr]) {
            for (const line of linesOf(stderr))
              assert.ok(line.length < 1000, `stderr line of ${line.length} chars`);
          }
          for (const { args, code } of c.lookups ?? []) {
            const result = await cli(args);
            assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
            const lines = linesOf(result.stdout);
            if (code !== 0) assert.deepEqual(lines, []);
            else if (args[0] === 'keys') assertTrueKeys(lines, truthUsers, args[1] ?? '');
            else if (args[0] === 'group') for (const l of lines) assertTrueGroup(l, truthGroups);
            else for (const l of lines) assertTruePasswd(l, truthUsers);
            if (code === 0) assert.equal(lines.length > 0, true);
          }
        } finally {
          await server.close();
        }
      });
    }
  });
}
