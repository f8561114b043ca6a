// `stns-query serve`: runs the resident resolver until SIGTERM/SIGINT.
// SIGHUP re-reads the configuration; a broken file is rejected and the
// running configuration kept, so a typo never takes lookups down.

import { loadConfig } from '../../config/index.js';
import type { Config } from '../../config/types.js';
import { createLog, type Log } from '../../daemon/log.js';
import { NSS_CHILD_ENV } from '../../daemon/protocol.js';
import { type Resolver, startResolver } from '../../daemon/server.js';

/** Options of the serve command. */
export interface ServeOptions {
  config: Config;
  /** @default config.daemon.publicSocket */
  publicSocket?: string;
  /** @default config.daemon.privateSocket */
  privateSocket?: string;
  /** @default one line per event on stderr */
  log?: Log;
}

/** Runs the resolver; resolves with exit status 0 once a stop signal has drained it. */
export async function run(options: ServeOptions): Promise<number> {
  // A lookup of an STNS user from inside the resolver (os.userInfo, a library)
  // would otherwise go through libnss_stns back to this blocked process.
  process.env[NSS_CHILD_ENV] = '1';
  const log = options.log ?? createLog();
  const resolver = await startResolver({
    config: options.config,
    publicSocket: options.publicSocket,
    privateSocket: options.privateSocket,
    log,
  });
  return new Promise<number>((done) => {
    const onHangup = (): void => reloadConfig(resolver, log);
    const onStop = (signal: NodeJS.Signals): void => {
      process.off('SIGHUP', onHangup);
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      log('signal', { signal });
      resolver.close().then(
        () => done(0),
        () => done(0),
      );
    };
    process.on('SIGHUP', onHangup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
}

// Re-reads the file the running config came from; on any error keeps the running one.
function reloadConfig(resolver: Resolver, log: Log): void {
  const source = resolver.config.source || undefined;
  let next: Config;
  try {
    next = loadConfig(source, { warn: (message: string) => log('config-warning', { message }) });
  } catch (error) {
    log('reload-rejected', { config: source ?? '(default path)', error, kept: 'running configuration' });
    return;
  }
  resolver.reload(next).catch((error: unknown) => log('reload-failed', { error }));
}
