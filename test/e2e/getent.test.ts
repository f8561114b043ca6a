// getent through the module (getent -s DB:stns, module on LD_LIBRARY_PATH,
// sockets by env): byte-identical to the CLI with the resolver up and with it
// down (exec fallback), exit 2 for unknown keys, hashes for root only.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NSS_MODULE } from './support/paths.js';
import { type RunResult, run } from './support/proc.js';
import { ALICE_HASH, createScene, type Scene } from './support/scene.js';

const ALICE = 'alice:x:1001:2001:Alice:/home/alice:/bin/sh';
const DEV = 'dev:x:2001:alice,bob';

/** Each query as getent's argv after the database, and lines its output must hold (all of it when exact). */
const QUERIES: ReadonlyArray<{ db: string; key?: string; lines: string[]; exact: boolean }> = [
  { db: 'passwd', key: 'alice', lines: [ALICE], exact: true },
  { db: 'passwd', key: '1001', lines: [ALICE], exact: true },
  { db: 'group', key: 'dev', lines: [DEV], exact: true },
  { db: 'group', key: '2001', lines: [DEV], exact: true },
  { db: 'passwd', lines: [ALICE, 'bob:x:1002:2001:Bob:/home/bob:/bin/sh'], exact: false },
  { db: 'group', lines: [DEV, 'ops:x:2002:alice'], exact: false },
  { db: 'shadow', key: 'alice', lines: [`alice:${ALICE_HASH}:::::::`], exact: true },
];

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

// A copy of the module in the scene (0755 path), so nobody can load it wherever the checkout lives.
function moduleCopy(scene: Scene): string {
  const dir = join(scene.dir, 'lib');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  copyFileSync(NSS_MODULE, join(dir, 'libnss_stns.so.2'));
  return dir;
}

// getent restricted to the stns module, optionally as nobody.
function getent(
  scene: Scene,
  args: readonly string[],
  asNobody = false,
  helper?: string,
): Promise<RunResult> {
  const getentArgs = ['-s', `${args[0]}:stns`, ...args];
  const env = scene.moduleEnv(helper === undefined ? {} : { STNS_QUERY_PATH: helper });
  if (!asNobody) return run('getent', getentArgs, { env });
  env.LD_LIBRARY_PATH = moduleCopy(scene);
  return run('setpriv', [...NOBODY, 'getent', ...getentArgs], { env });
}

// Every query matches the CLI byte for byte, plus the unknown-key and unprivileged rules.
async function checkAll(scene: Scene, helper?: string): Promise<void> {
  for (const { db, key, lines, exact } of QUERIES) {
    const args = key === undefined ? [db] : [db, key];
    const viaModule = await getent(scene, args, false, helper);
    const viaCli = await scene.cli(args);
    assert.equal(viaModule.code, 0, `getent ${args.join(' ')} exit ${viaModule.code}: ${viaModule.stderr}`);
    assert.equal(viaCli.code, 0, `stns-query ${args.join(' ')} exit ${viaCli.code}: ${viaCli.stderr}`);
    const got = viaModule.stdout.split('\n').slice(0, -1);
    if (exact) assert.deepEqual(got, lines, `getent ${args.join(' ')}`);
    else for (const line of lines) assert.ok(got.includes(line), `getent ${args.join(' ')} lacks ${line}`);
    assert.equal(viaModule.stdout, viaCli.stdout, `getent ${args.join(' ')} differs from stns-query`);
  }
  for (const args of [
    ['passwd', 'nosuchuser'],
    ['passwd', '4242'],
    ['group', 'nosuchgroup'],
  ]) {
    const unknown = await getent(scene, args, false, helper);
    assert.equal(
      unknown.code,
      2,
      `getent ${args.join(' ')}: exit ${unknown.code}, want 2 (${unknown.stderr})`,
    );
    assert.equal(unknown.stdout, '');
  }
  const passwdAsNobody = await getent(scene, ['passwd', 'alice'], true, helper);
  assert.equal(passwdAsNobody.stdout, `${ALICE}\n`, `nobody must see passwd lines: ${passwdAsNobody.stderr}`);
  const unprivileged = await getent(scene, ['shadow', 'alice'], true, helper);
  assert.notEqual(unprivileged.code, 0, 'shadow as nobody must fail');
  assert.ok(!`${unprivileged.stdout}${unprivileged.stderr}`.includes(ALICE_HASH), 'nobody saw the hash');
  assert.equal(unprivileged.stdout, '');
}

describe('getent -s DB:stns through the module', { timeout: 90000 }, () => {
  test('with the resolver up: same bytes as the CLI', async (t) => {
    const scene = await createScene(t);
    await scene.startResolver();
    // No helper to fall back to: every answer below came over the socket.
    await checkAll(scene, `${scene.dir}/no-such-helper`);
  });

  test('with the resolver down (exec fallback): same bytes as the CLI', async (t) => {
    const scene = await createScene(t);
    const before = scene.server.requests.length;
    const viaFallback = await getent(scene, ['passwd', 'alice']);
    assert.equal(viaFallback.code, 0, viaFallback.stderr);
    assert.ok(scene.server.requests.length > before, 'the exec fallback did not ask the STNS server');
    await checkAll(scene);
  });
});
