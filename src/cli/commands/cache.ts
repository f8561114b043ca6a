// `stns-query cache clear [KEY]`: drops the resolver's cached entries, all of
// them or those for one user/group name or id. Root only: it goes through
// the private socket, whose file mode is the access control.

import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Config } from '../../config/types.js';
import { askResolver } from '../../daemon/client.js';
import { Status } from '../../daemon/protocol.js';
import { PermissionError, StnsError, UnavailableError, UsageError } from '../../errors.js';
import { writeOut } from '../io.js';

/** Options of the cache clear command. */
export interface CacheOptions {
  config: Config;
  /** A user or group name, or a numeric id; absent clears everything. */
  key?: string;
  /** @default config.daemon.privateSocket */
  privateSocket?: string;
}

/** Clears the cache; throws PermissionError (77) for non-root, UnavailableError without a resolver. */
export async function run(options: CacheOptions): Promise<number> {
  const socket = options.privateSocket ?? options.config.daemon.privateSocket;
  await checkAccess(socket);
  const answer = await askResolver(socket, 'cache-clear', options.key, 5000);
  if (answer === null)
    throw new UnavailableError(
      `no resolver answers at ${socket}: start it with "systemctl start stns-query"`,
    );
  if (answer.status === Status.REFUSED)
    throw new PermissionError(answer.lines[0] ?? 'refused by the resolver');
  if (answer.status === Status.BAD_REQUEST)
    throw new UsageError(
      `cache clear: ${answer.lines[0] ?? 'bad key'} (KEY is a user or group name or an id)`,
    );
  if (answer.status !== Status.FOUND)
    throw new StnsError(answer.lines[0] ?? `resolver status ${answer.status}`);
  await writeOut(options.key === undefined ? 'cache cleared\n' : `cache cleared for ${options.key}\n`);
  return 0;
}

// The private socket is mode 0600: say "needs root" rather than "no resolver".
async function checkAccess(socket: string): Promise<void> {
  try {
    await access(socket, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM')
      throw new PermissionError(`cache clear needs root: ${socket} is the root-only resolver socket`);
  }
}
