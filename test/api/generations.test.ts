import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { generationFor } from '../../src/api/generation.js';
import { readJson } from '../../src/api/wire.js';
import { ProtocolError } from '../../src/errors.js';
import type { Query } from '../../src/model/types.js';
import { startStnsServer, type TestServer } from '../support/stns-server.js';

const fixtures = new URL('../../../test/fixtures/', import.meta.url);
const fixture = (path: string) => readFileSync(new URL(path, fixtures));
const usersToml = fixture('users.toml').toString();
const gens = [
  { id: 'v1', suffix: '/v1' },
  { id: 'v2', suffix: '/v2' },
  { id: 'v3', suffix: '/v3' },
  { id: 'root', suffix: '' },
] as const;
const queries: Record<string, Query> = {
  'user-name-alice': { kind: 'user', by: 'name', name: 'alice' },
  'user-id-1002': { kind: 'user', by: 'id', id: 1002 },
  'user-list': { kind: 'user', by: 'list' },
  'group-name-dev': { kind: 'group', by: 'name', name: 'dev' },
  'group-list': { kind: 'group', by: 'list' },
  'not-found': { kind: 'user', by: 'name', name: 'nobody' },
};

// Parses a recorded fixture with the generation chosen for `suffix`.
function parseFixture(suffix: string, gen: string, name: string) {
  const status = name === 'not-found' ? 404 : 200;
  return generationFor(`http://h:1104${suffix}`).parse(
    status,
    readJson(fixture(`${gen}/${name}.json`), 'u'),
    'u',
  );
}

describe('generation choice', () => {
  test('the last path segment picks the format', () => {
    assert.equal(generationFor('http://h:1104/v1').id, 'v1');
    assert.equal(generationFor('https://h/stns/v2/').id, 'v2');
    assert.equal(generationFor('http://h/v3').id, 'v3');
    assert.equal(generationFor('http://h:1104').id, 'root');
    assert.equal(generationFor('http://h/stns').id, 'root');
  });
});

for (const { id, suffix } of gens) {
  describe(`generation ${id}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startStnsServer({ data: usersToml });
    });
    after(() => server.close());

    test('recorded fixtures parse into raw records', () => {
      const alice = parseFixture(suffix, id, 'user-name-alice');
      assert.equal(alice?.length, 1);
      assert.equal(alice?.[0]?.name, 'alice');
      assert.equal(alice?.[0]?.id, 1001);
      assert.equal(alice?.[0]?.group_id, 2001);
      assert.equal(parseFixture(suffix, id, 'user-id-1002')?.[0]?.name, 'bob');
      assert.deepEqual(
        parseFixture(suffix, id, 'user-list')?.map((r) => r.name),
        ['alice', 'bob'],
      );
      assert.deepEqual(parseFixture(suffix, id, 'group-name-dev')?.[0]?.users, ['alice', 'bob']);
      assert.equal(parseFixture(suffix, id, 'group-list')?.length, 2);
      assert.equal(parseFixture(suffix, id, 'not-found'), null);
    });

    test('the live server sends exactly the recorded bodies', async () => {
      for (const [name, query] of Object.entries(queries)) {
        const path = generationFor(`${server.url}${suffix}`).path(query);
        const res = await fetch(`${server.url}${suffix}${path}`);
        assert.equal(res.status, name === 'not-found' ? 404 : 200, name);
        assert.equal(await res.text(), fixture(`${id}/${name}.json`).toString(), `${id} ${name}`);
      }
    });

    test('malformed bodies are ProtocolErrors, not "not found"', () => {
      const gen = generationFor(`http://h${suffix}`);
      assert.throws(() => gen.parse(200, 'text', 'u'), ProtocolError);
      assert.throws(() => gen.parse(200, 42, 'u'), ProtocolError);
      assert.throws(() => gen.parse(404, { other: 1 }, 'u'), ProtocolError);
      assert.throws(() => gen.parse(200, [1, 2], 'u'), ProtocolError);
      assert.throws(() => readJson(Buffer.from('{"a":'), 'u'), ProtocolError);
      assert.throws(() => readJson(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]), 'u'), ProtocolError);
      assert.throws(() => readJson(Buffer.from('['.repeat(200_000)), 'u'), ProtocolError);
    });
  });
}

test('v1 paths encode the name and use query strings', () => {
  const v1 = generationFor('http://h/v1');
  assert.equal(v1.path({ kind: 'user', by: 'name', name: 'a b&c' }), '/users?name=a%20b%26c');
  assert.equal(v1.path({ kind: 'group', by: 'id', id: 7 }), '/groups?id=7');
  assert.equal(
    generationFor('http://h/v2').path({ kind: 'group', by: 'name', name: 'a/b' }),
    '/group/name/a%2Fb',
  );
});
