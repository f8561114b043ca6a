// Finds and reads the configuration file. Synchronous and cheap: the CLI
// calls this on every lookup, so it is one open, one fstat, one read and a
// few stats of referenced files.

import { closeSync, existsSync, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, ConfigUnreadableError } from '../errors.js';
import { CONFIG_ENV_VAR, DEFAULT_CONFIG_PATHS } from './defaults.js';
import { octalMode, warnIfNotRootOwned } from './files.js';
import { emitConfigWarning, type ParseOptions, parseConfig } from './parse.js';
import type { Config } from './types.js';

/** Options for loadConfig. */
export interface LoadOptions extends ParseOptions {
  /** Environment consulted for STNS_CONFIG. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Files looked for, in order, without a path or STNS_CONFIG (tests). @default DEFAULT_CONFIG_PATHS */
  defaultPaths?: readonly string[];
}

/**
 * Which file to read, always absolute: the explicit path, then $STNS_CONFIG,
 * then the first of `defaults` that exists (the first when none does, so the
 * error names it).
 */
export function resolveConfigPath(
  path?: string,
  env: NodeJS.ProcessEnv = process.env,
  defaults: readonly string[] = DEFAULT_CONFIG_PATHS,
): string {
  const chosen = path || env[CONFIG_ENV_VAR];
  if (chosen) return resolve(chosen);
  return resolve(defaults.find((candidate) => existsSync(candidate)) ?? defaults[0] ?? '');
}

/** Reads the file as UTF-8 with its stats, mapping every failure to a ConfigError with a fix. */
function readConfigFile(path: string, defaults: readonly string[]): { text: string; stats: Stats } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw openError(path, error as NodeJS.ErrnoException, defaults);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw new ConfigError(`${path}: not a regular file; pass --config <file> or set ${CONFIG_ENV_VAR}`);
    }
    return { text: readFileSync(fd, 'utf8'), stats };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw openError(path, error as NodeJS.ErrnoException, defaults);
  } finally {
    closeSync(fd);
  }
}

/** The ConfigError for a file that cannot be opened or read. */
function openError(path: string, error: NodeJS.ErrnoException, defaults: readonly string[]): ConfigError {
  if (error.code === 'ENOENT') {
    const others = defaults.includes(path) ? defaults.filter((other) => other !== path) : [];
    const alsoLooked = others.length > 0 ? ` (nor is ${others.join(' or ')})` : '';
    return new ConfigError(
      `${path}: configuration file not found${alsoLooked}; create it (see libnss_stns.conf.example) or pass --config <file> / set ${CONFIG_ENV_VAR}`,
    );
  }
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return new ConfigUnreadableError(
      `${path}: cannot read the configuration file (${error.code}) as uid ${process.geteuid?.()}; fix its permissions or use --config <file>`,
      path,
    );
  }
  return new ConfigError(
    `${path}: cannot read the configuration file (${error.code ?? error.message}); pass --config <file> or set ${CONFIG_ENV_VAR}`,
  );
}

/** Warns when a file holding credentials can be read by group or others, or is not root's. */
function checkConfigFilePermissions(
  path: string,
  stats: Stats,
  config: Config,
  warn: (m: string) => void,
): void {
  const secrets = [
    config.password !== undefined && 'password',
    config.authToken !== undefined && 'auth_token',
  ].filter((name): name is string => typeof name === 'string');
  if (secrets.length > 0 && (stats.mode & 0o044) !== 0) {
    warn(
      `${path}: holds ${secrets.join(' and ')} but is readable by group/others (mode ${octalMode(stats)}); chmod 600 ${path}`,
    );
  }
  warnIfNotRootOwned(stats, 'configuration file', path, warn);
}

/**
 * Reads and checks the configuration.
 * Path: `path` if given, else `$STNS_CONFIG`, else `/etc/stns/libnss_stns.conf`, else
 * libnss-stns-v2's `/etc/stns/client/stns.conf` (see resolveConfigPath).
 * Throws ConfigError (missing, unreadable, syntax, bad value); warnings go to `options.warn`.
 */
export function loadConfig(path?: string, options: LoadOptions = {}): Config {
  const warn = options.warn ?? emitConfigWarning;
  const defaults = options.defaultPaths ?? DEFAULT_CONFIG_PATHS;
  const file = resolveConfigPath(path, options.env ?? process.env, defaults);
  const { text, stats } = readConfigFile(file, defaults);
  const config = parseConfig(text, file, { warn });
  checkConfigFilePermissions(file, stats, config, warn);
  return config;
}
