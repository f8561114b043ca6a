// TOML text → Config. Reads both dialects (Go-era libnss_stns.conf and
// libnss-stns-v2 client/stns.conf) with one key table (schema.ts), so a v2
// file works unchanged and a file naming one setting twice is refused.

import TOML from '@iarna/toml';
import { ConfigError } from '../errors.js';
import { defaultConfig } from './defaults.js';
import { checkProgramOwners, checkTlsFiles } from './files.js';
import {
  conflictError,
  type Dialect,
  type ParseState,
  SETTING_BY_NAME,
  SETTING_TABLES,
  type Setting,
  V2_HINT_NAMES,
} from './schema.js';
import { closestName } from './suggest.js';
import type { Config } from './types.js';
import { invalid, isTable } from './values.js';

/** Options shared by parseConfig and loadConfig. */
export interface ParseOptions {
  /**
   * Receives one-line warnings (unknown keys, ssl_verify = false, loose permissions).
   * @default process.emitWarning with type "StnsConfigWarning"
   */
  warn?: (message: string) => void;
}

/** One key as written in the file, with nested tables flattened to `tls.ca`. */
interface Entry {
  name: string;
  value: unknown;
}

/** Default warning sink: Node's own, so `--no-warnings` silences it. */
export function emitConfigWarning(message: string): void {
  process.emitWarning(message, { type: 'StnsConfigWarning', code: 'STNS_CONFIG_WARNING' });
}

/** Parses TOML text, turning syntax errors into a ConfigError with a line number and no file content. */
function parseToml(text: string, source: string): Record<string, unknown> {
  try {
    return TOML.parse(text) as Record<string, unknown>;
  } catch (error) {
    const err = error as { message?: string; line?: number; col?: number };
    // The library appends the offending lines (which may hold a password): keep only its first clause.
    const reason = String(err.message ?? 'syntax error')
      .split('\n')[0]
      ?.replace(/ at row \d+, col \d+, pos \d+:?$/, '');
    const where =
      typeof err.line === 'number' ? `line ${err.line + 1}, column ${(err.col ?? 0) + 1}` : 'somewhere';
    throw new ConfigError(
      `${source}: TOML syntax error at ${where}: ${reason}; fix the file (see libnss_stns.conf.example)`,
    );
  }
}

/** Top-level keys and the keys of setting tables ([tls], [cached], [daemon]) as flat entries. */
function flatten(document: Record<string, unknown>, source: string): Entry[] {
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(document)) {
    if (!SETTING_TABLES.has(name)) {
      entries.push({ name, value });
      continue;
    }
    if (!isTable(value)) throw invalid({ source, key: name }, `a table ([${name}])`, value);
    for (const [sub, subValue] of Object.entries(value))
      entries.push({ name: `${name}.${sub}`, value: subValue });
  }
  return entries;
}

// The endpoint key is the strongest signal; otherwise any v2-only name makes it a v2 file.
/** Which dialect the file is written in. */
function detectDialect(entries: readonly Entry[]): Dialect {
  const names = new Set(entries.map((e) => e.name));
  if (names.has('api_end_point')) return 'libnss_stns';
  if (names.has('api_endpoint')) return 'stns-v2';
  const v2Table = (name: string) => name.startsWith('tls.') || name.startsWith('cached.');
  return entries.some((e) => V2_HINT_NAMES.has(e.name) || v2Table(e.name)) ? 'stns-v2' : 'libnss_stns';
}

/** Every known name, for "did you mean" on unknown keys. */
const KNOWN_NAMES = [...SETTING_BY_NAME.keys()];

/** Groups entries by setting, warning on unknown keys and refusing a setting named twice. */
function groupBySetting(
  entries: readonly Entry[],
  source: string,
  warn: (message: string) => void,
): Map<Setting, Entry> {
  const bySetting = new Map<Setting, Entry>();
  for (const entry of entries) {
    const setting = SETTING_BY_NAME.get(entry.name);
    if (setting === undefined) {
      warn(unknownKeyMessage(entry.name, source));
      continue;
    }
    const earlier = bySetting.get(setting);
    if (earlier !== undefined) throw conflictError(source, setting, [earlier.name, entry.name]);
    bySetting.set(setting, entry);
  }
  return bySetting;
}

/** "unknown key x, ignored; did you mean y?" */
function unknownKeyMessage(name: string, source: string): string {
  const suggestion = closestName(name, KNOWN_NAMES);
  const hint =
    suggestion === undefined ? 'see libnss_stns.conf.example for the keys' : `did you mean ${suggestion}?`;
  return `${source}: unknown key ${name} is ignored; ${hint}`;
}

/** The name this file used for a setting, else its name in the file's dialect. */
function nameInFile(settingName: string, dialect: Dialect, bySetting: Map<Setting, Entry>): string {
  const setting = SETTING_BY_NAME.get(settingName);
  if (setting === undefined) return settingName;
  const used = bySetting.get(setting);
  if (used !== undefined) return used.name;
  return setting.names.find(([, d]) => d === dialect)?.[0] ?? settingName;
}

/** Warnings about combinations that load but probably do not do what was meant. */
function warnAboutCombinations(state: ParseState, source: string, warn: (message: string) => void): void {
  const { config } = state;
  if (!config.tls.verify) {
    warn(
      `${source}: ssl_verify = false: server certificates are not checked, so anyone on the path can serve fake users; remove it (default true) or set tls_ca to trust your own CA`,
    );
  }
  if ((config.user === undefined) !== (config.password === undefined)) {
    const [set, missing] = config.user === undefined ? ['password', 'user'] : ['user', 'password'];
    warn(`${source}: ${set} is set without ${missing}, so no basic auth is sent; set both or remove ${set}`);
  }
  if (config.authToken !== undefined && config.user !== undefined && config.password !== undefined) {
    warn(
      `${source}: auth_token and user/password are both set; auth_token is sent and user/password are ignored`,
    );
  }
  if (state.cachedEnabled) {
    warn(
      `${source}: [cached] enable = true is ignored: stns-query does not use cache-stnsd, its own resolver (stns-query serve) caches; remove [cached]`,
    );
  }
}

/**
 * Parses configuration text in either dialect into a checked Config.
 * `source` is the file path used in messages and to resolve relative TLS paths.
 * Throws ConfigError on the first bad key; warnings go to `options.warn`.
 */
export function parseConfig(text: string, source: string, options: ParseOptions = {}): Config {
  const warn = options.warn ?? emitConfigWarning;
  const entries = flatten(parseToml(text, source), source);
  const bySetting = groupBySetting(entries, source, warn);
  const dialect = detectDialect(entries);
  const state: ParseState = { config: { ...defaultConfig(dialect), source }, cachedEnabled: false };
  for (const [setting, entry] of bySetting) {
    setting.apply(entry.value, { source, key: entry.name, secret: setting.secret === true }, state);
  }
  const name = (settingName: string) => nameInFile(settingName, dialect, bySetting);
  checkTlsFiles(
    state.config,
    source,
    { ca: name('tls_ca'), cert: name('tls_cert'), key: name('tls_key') },
    warn,
  );
  checkProgramOwners(state.config, source, name('wrapper_path'), warn);
  warnAboutCombinations(state, source, warn);
  return state.config;
}
