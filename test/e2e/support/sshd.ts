// A real sshd inside the namespace on 127.0.0.1:<free port>, taking alice's
// keys from `stns-query keys %u`, and an ssh client that logs in to it.

import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Namespace, NS_DIR, NS_KEYS_COMMAND, NS_LIB } from './namespace.js';
import { which } from './paths.js';
import { baseEnv, exists, type RunResult, run, waitFor } from './proc.js';
import { makeKeyPair, type Scene } from './scene.js';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// Key-only logins whose keys come solely from the AuthorizedKeysCommand; no PAM, no DNS.
function sshdConfig(port: number, hostKey: string): string {
  return `ListenAddress 127.0.0.1
Port ${port}
HostKey ${hostKey}
PidFile ${NS_DIR}/sshd.pid
UsePAM no
UseDNS no
StrictModes no
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile none
AuthorizedKeysCommand ${NS_KEYS_COMMAND} %u
AuthorizedKeysCommandUser root
PrintMotd no
LogLevel VERBOSE
SetEnv LD_LIBRARY_PATH=${NS_LIB}
`;
}

/** Starts sshd in the namespace (module on its library path) and returns its port. */
export async function startSshd(ns: Namespace, scene: Scene): Promise<{ port: number; log(): string }> {
  const sshd = which('sshd');
  if (sshd === null) throw new Error('sshd is not installed (Debian package openssh-server)');
  const hostKey = join(scene.dir, 'ssh_host_ed25519_key');
  await makeKeyPair(hostKey, 'host@e2e');
  const port = await freePort();
  const config = join(scene.dir, 'sshd_config');
  writeFileSync(config, sshdConfig(port, hostKey), { mode: 0o600 });
  const daemon = ns.spawn('sshd', sshd, ['-D', '-e', '-f', config], ns.moduleEnv());
  await waitFor('sshd pid file', exists(ns.path(`${NS_DIR}/sshd.pid`)), 15000, daemon);
  return { port, log: daemon.output };
}

/** Runs `ssh -i key user@127.0.0.1 -p port command` non-interactively, trusting any host key. */
export function sshRun(key: string, port: number, user: string, command: string): Promise<RunResult> {
  return run(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-i',
      key,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'LogLevel=ERROR',
      '-p',
      String(port),
      `${user}@127.0.0.1`,
      command,
    ],
    { env: baseEnv({ HOME: '/root' }), timeoutMs: 30000 },
  );
}
