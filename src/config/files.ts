// Checks on the files a configuration points at: TLS material must exist and
// be readable now (a typo should fail at load, not at the first TLS
// handshake), and files that decide who a root process trusts should be
// owned by root.

import { accessSync, constants, type Stats, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Config } from './types.js';

/** The names the file used for the TLS keys, so messages quote them. */
export interface TlsKeyNames {
  ca: string;
  cert: string;
  key: string;
}

/** Mode bits as `0644`. */
export function octalMode(stats: Stats): string {
  return (stats.mode & 0o7777).toString(8).padStart(4, '0');
}

/** Whether this process runs as root (only then does file ownership matter). */
export function runningAsRoot(): boolean {
  return process.geteuid?.() === 0;
}

/** Stats of an existing, readable regular file named by `key`, or a ConfigError. */
function statReadableFile(source: string, key: string, path: string): Stats {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'which does not exist' : `which cannot be read (${code})`;
    throw new ConfigError(`${source}: ${key} points to ${path}, ${why}; fix the path or remove ${key}`);
  }
  if (!stats.isFile()) {
    throw new ConfigError(
      `${source}: ${key} points to ${path}, which is not a regular file; give the PEM file's path`,
    );
  }
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new ConfigError(
      `${source}: ${key} points to ${path}, which uid ${process.geteuid?.()} cannot read; fix its permissions`,
    );
  }
  return stats;
}

/** Warns when a root process would trust a file someone else can rewrite. */
export function warnIfNotRootOwned(
  stats: Stats,
  what: string,
  path: string,
  warn: (message: string) => void,
): void {
  if (!runningAsRoot() || stats.uid === 0) return;
  warn(
    `${what} ${path} is owned by uid ${stats.uid}, not root, so that user can change what root trusts; chown root ${path}`,
  );
}

/** Checks tls_cert/tls_key pairing and that every TLS file exists, is readable, and is owned sensibly. */
export function checkTlsFiles(
  config: Config,
  source: string,
  names: TlsKeyNames,
  warn: (message: string) => void,
): void {
  const { caFile, certFile, keyFile } = config.tls;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const [set, missing] = certFile === undefined ? [names.key, names.cert] : [names.cert, names.key];
    throw new ConfigError(
      `${source}: ${set} is set but ${missing} is not; client authentication needs both (or remove ${set})`,
    );
  }
  const files: Array<[string, string | undefined]> = [
    [names.ca, caFile],
    [names.cert, certFile],
    [names.key, keyFile],
  ];
  for (const [key, path] of files) {
    if (path === undefined) continue;
    const stats = statReadableFile(source, key, path);
    warnIfNotRootOwned(stats, `${source}: ${key}`, path, warn);
    if (key === names.key && (stats.mode & 0o044) !== 0) {
      warn(
        `${source}: ${key} ${path} is readable by group/others (mode ${octalMode(stats)}); chmod 600 ${path}`,
      );
    }
  }
}

/** Warns when a program a root process will run is owned by someone else. */
export function checkProgramOwners(
  config: Config,
  source: string,
  wrapperKey: string,
  warn: (message: string) => void,
): void {
  if (!runningAsRoot()) return;
  const programs: Array<[string, string | undefined]> = [
    [wrapperKey, config.wrapperPath],
    ['chain_ssh_wrapper', config.chainSshWrapper],
  ];
  for (const [key, path] of programs) {
    if (path === undefined || !isAbsolute(path)) continue;
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch {
      continue;
    }
    warnIfNotRootOwned(stats, `${source}: ${key}`, path, warn);
  }
}
