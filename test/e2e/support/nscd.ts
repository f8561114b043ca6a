// A real nscd inside the namespace with its own config: passwd cached with a
// long negative TTL, so a negative-cached outage would show on the next lookup.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Namespace } from './namespace.js';
import { which } from './paths.js';
import { exists, waitFor } from './proc.js';
import type { Scene } from './scene.js';

/** Seconds nscd would keep a "not found": far longer than the test, so caching one would show. */
export const NEGATIVE_TTL_SEC = 60;

// Only passwd is cached; shared no, so every client lookup goes through the socket.
const NSCD_CONF = `debug-level 0
paranoia no
enable-cache passwd yes
positive-time-to-live passwd 600
negative-time-to-live passwd ${NEGATIVE_TTL_SEC}
suggested-size passwd 211
check-files passwd yes
persistent passwd no
shared passwd no
enable-cache group no
enable-cache hosts no
enable-cache services no
enable-cache netgroup no
`;

/** Starts nscd in the foreground in the namespace, the module on its library path. */
export async function startNscd(ns: Namespace, scene: Scene): Promise<{ log(): string }> {
  const nscd = which('nscd');
  if (nscd === null) throw new Error('nscd is not installed (Debian package nscd)');
  const config = join(scene.dir, 'nscd.conf');
  writeFileSync(config, NSCD_CONF, { mode: 0o644 });
  const daemon = ns.spawn('nscd', nscd, ['-F', '-f', config], ns.moduleEnv());
  await waitFor('nscd socket', exists(ns.path('/run/nscd/socket')), 15000, daemon);
  return { log: daemon.output };
}
