// `id alice` through libnss-wrapper loading the module as its NSS backend:
// the supplementary groups dev and ops come from _nss_stns_initgroups_dyn.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NSS_MODULE } from './support/paths.js';
import { run } from './support/proc.js';
import { createScene, type Scene } from './support/scene.js';

/** Where Debian's libnss-wrapper puts the library. */
const WRAPPER_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/libnss_wrapper.so',
  '/usr/lib/aarch64-linux-gnu/libnss_wrapper.so',
  '/usr/lib/libnss_wrapper.so',
];
const NSS_WRAPPER = WRAPPER_CANDIDATES.find((path) => existsSync(path)) ?? null;

// nss_wrapper wants both files set; they hold only root, so alice can only come from the module.
function wrapperEnv(scene: Scene, wrapper: string): NodeJS.ProcessEnv {
  const passwd = join(scene.dir, 'wrapper-passwd');
  const group = join(scene.dir, 'wrapper-group');
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(group, 'root:x:0:\n');
  return scene.moduleEnv({
    LD_PRELOAD: wrapper,
    NSS_WRAPPER_PASSWD: passwd,
    NSS_WRAPPER_GROUP: group,
    NSS_WRAPPER_MODULE_SO_PATH: NSS_MODULE,
    NSS_WRAPPER_MODULE_FN_PREFIX: 'stns',
  });
}

// Requests that asked the server for every group (a list, not one name or id).
function groupListRequests(scene: Scene): number {
  return scene.server.requests.filter((r) => /\/groups(\?|$)/.test(r.url) && !/[?&](name|id)=/.test(r.url))
    .length;
}

describe('id through libnss-wrapper', { timeout: 60000 }, () => {
  test('id alice shows her supplementary groups dev and ops', async (t) => {
    if (NSS_WRAPPER === null) {
      t.skip('SKIPPED: libnss_wrapper.so not found; install the Debian package libnss-wrapper');
      return;
    }
    const scene = await createScene(t);
    await scene.startResolver();
    const env = wrapperEnv(scene, NSS_WRAPPER);
    const before = groupListRequests(scene);
    const id = await run('id', ['alice'], { env });
    assert.equal(id.code, 0, id.stderr);
    assert.equal(id.stdout, 'uid=1001(alice) gid=2001(dev) groups=2001(dev),2002(ops)\n');
    const groups = await run('id', ['-Gn', 'alice'], { env });
    assert.equal(groups.stdout, 'dev ops\n');
    t.diagnostic(`group-list requests the server saw for two logins: ${groupListRequests(scene) - before}`);
  });

  // nss_wrapper 1.1.12 answers getgrouplist by enumerating groups itself, so the
  // module's initgroups_dyn is proven through glibc's own getgrouplist.
  test('glibc getgrouplist calls initgroups_dyn: one initgroups request, no enumeration', async (t) => {
    const scene = await createScene(t);
    const helper = scene.loggingHelper();
    const env = scene.moduleEnv({ STNS_QUERY_PATH: helper.path });
    const before = groupListRequests(scene);
    const groups = await run('getent', ['-s', 'group:stns', 'initgroups', 'alice'], { env });
    assert.equal(groups.code, 0, groups.stderr);
    assert.match(groups.stdout, /^alice\s+2001 2002\n$/);
    assert.deepEqual(helper.calls(), ['--framed initgroups alice']);
    t.diagnostic(
      `group-list requests the server saw for one initgroups: ${groupListRequests(scene) - before}`,
    );
  });
});
