// A real sshd in a private mount namespace whose /etc/nsswitch.conf says
// `passwd: files stns`: alice logs in with the key the STNS server serves
// (AuthorizedKeysCommand stns-query keys %u); a key it does not serve is refused.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openNamespace, startNamespaceResolver } from './support/namespace.js';
import { which } from './support/paths.js';
import { cliWrapper, createScene, makeKeyPair } from './support/scene.js';
import { sshRun, startSshd } from './support/sshd.js';

const MISSING = ['sshd', 'ssh', 'unshare', 'nsenter'].filter((program) => which(program) === null);

describe('sshd with the module and AuthorizedKeysCommand', { timeout: 90000 }, () => {
  test('alice logs in with her STNS key and sees her groups; a wrong key is refused', async (t) => {
    if (MISSING.length > 0) {
      t.skip(
        `SKIPPED: ${MISSING.join(', ')} not installed (Debian: openssh-server openssh-client util-linux)`,
      );
      return;
    }
    const scene = await createScene(t, { sockets: 'default' });
    const ns = await openNamespace(scene, cliWrapper(scene.config, 'keys'));
    await startNamespaceResolver(ns, scene);
    const sshd = await startSshd(ns, scene);

    const login = await sshRun(scene.aliceKey, sshd.port, 'alice', 'id');
    assert.equal(login.code, 0, `ssh alice@127.0.0.1 id: exit ${login.code}\n${login.stderr}\n${sshd.log()}`);
    assert.equal(login.stdout, 'uid=1001(alice) gid=2001(dev) groups=2001(dev),2002(ops)\n');

    const wrongKey = join(scene.dir, 'wrong_key');
    await makeKeyPair(wrongKey, 'mallory@e2e');
    const refused = await sshRun(wrongKey, sshd.port, 'alice', 'id');
    assert.equal(refused.code, 255, `a key the server does not list must be refused:\n${refused.stdout}`);
    assert.match(refused.stderr, /Permission denied \(publickey\)/);
    assert.equal(refused.stdout, '');

    const unknownUser = await sshRun(scene.aliceKey, sshd.port, 'mallory', 'id');
    assert.equal(unknownUser.code, 255, 'a user STNS does not know must be refused');
  });
});
