// A real nscd (negative-time-to-live 60) in a private mount namespace: while
// the STNS server is down the lookup fails, and the very next lookup after it
// is back succeeds, because the module reports the outage as EAGAIN, which
// nscd does not cache. getent runs without -s and without the module on its
// library path, so only nscd can answer it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Namespace, openNamespace, startNamespaceResolver } from './support/namespace.js';
import { startNscd } from './support/nscd.js';
import { which } from './support/paths.js';
import { baseEnv, type RunResult } from './support/proc.js';
import { cliWrapper, createScene } from './support/scene.js';

const MISSING = ['nscd', 'unshare', 'nsenter'].filter((program) => which(program) === null);
const ALICE = 'alice:x:1001:2001:Alice:/home/alice:/bin/sh\n';

// Plain getent inside the namespace: through nscd's socket only.
function getentViaNscd(ns: Namespace, key: string): Promise<RunResult> {
  return ns.run('getent', ['passwd', key], { env: baseEnv() });
}

describe('nscd in front of the module', { timeout: 90000 }, () => {
  test('an outage is not negative-cached: the first lookup after recovery succeeds', async (t) => {
    if (MISSING.length > 0) {
      t.skip(`SKIPPED: ${MISSING.join(', ')} not installed (Debian: nscd util-linux)`);
      return;
    }
    const scene = await createScene(t, { sockets: 'default', cache: false });
    const ns = await openNamespace(scene, cliWrapper(scene.config, 'keys'));
    await startNamespaceResolver(ns, scene);
    scene.server.setFault({ kind: 'reset' });
    const nscd = await startNscd(ns, scene);

    const during = await getentViaNscd(ns, 'alice');
    assert.notEqual(during.code, 0, `alice found while the server is down:\n${during.stdout}`);
    assert.equal(during.stdout, '');

    scene.server.setFault(null);
    const after = await getentViaNscd(ns, 'alice');
    assert.equal(
      after.code,
      0,
      `first lookup after recovery failed (outage negative-cached?)\n${nscd.log()}`,
    );
    assert.equal(after.stdout, ALICE);

    // Down again: nscd now answers from its positive cache, proving getent went through nscd.
    scene.server.setFault({ kind: 'reset' });
    const cached = await getentViaNscd(ns, 'alice');
    assert.equal(cached.stdout, ALICE, 'nscd did not serve its cached entry');

    // A real "no such user" from a healthy server is still an ordinary miss.
    scene.server.setFault(null);
    const unknown = await getentViaNscd(ns, 'nosuchuser');
    assert.equal(unknown.code, 2);
  });
});
