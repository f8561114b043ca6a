// Built-in defaults, one place: the example file, docs/CONFIG.md and the
// tests all quote these values.

import type { Config } from './types.js';

/** Where the CLI, the daemon and the NSS module look when no path is given. */
export const DEFAULT_CONFIG_PATH = '/etc/stns/libnss_stns.conf';

/** libnss-stns-v2's file: read unchanged when DEFAULT_CONFIG_PATH does not exist (a host migrating from v2). */
export const V2_CONFIG_PATH = '/etc/stns/client/stns.conf';

/** The files looked for, in order, when no path is given. */
export const DEFAULT_CONFIG_PATHS: readonly string[] = [DEFAULT_CONFIG_PATH, V2_CONFIG_PATH];

/** Environment variable naming the configuration file. */
export const CONFIG_ENV_VAR = 'STNS_CONFIG';

/** Go-era default: the root path of a local server (wire format of §3.4). */
export const DEFAULT_ENDPOINT = 'http://localhost:1104';

/** libnss-stns-v2 default: a local modern server (§3.1). */
export const DEFAULT_V2_ENDPOINT = 'http://localhost:1104/v1';

/** Programs that get "not found" at once so early boot never waits on the network (STNS.md §4). */
export const DEFAULT_BOOT_GUARD_PROCESSES: readonly string[] = [
  'init',
  'systemd',
  '(systemd)',
  'systemd-resolved',
  '(resolved)',
  'dbus-daemon',
  'dbus-broker',
];

// Fresh objects every call, so callers may mutate their copy.
/** The configuration used when a file sets nothing. */
export function defaultConfig(dialect: Config['dialect'] = 'libnss_stns'): Config {
  return {
    source: '',
    dialect,
    endpoints: [dialect === 'stns-v2' ? DEFAULT_V2_ENDPOINT : DEFAULT_ENDPOINT],
    requestTimeoutMs: 3000,
    retryRequest: 1,
    endpointCooldownSec: 10,
    maxResponseBytes: 32 * 1024 * 1024,
    headers: {},
    tls: { verify: true },
    uidShift: 0,
    gidShift: 0,
    minUid: 1000,
    minGid: 1000,
    enumerate: true,
    wrapperPath: '/usr/local/bin/stns-query',
    bootGuardProcesses: [...DEFAULT_BOOT_GUARD_PROCESSES],
    cache: {
      enabled: true,
      ttlSec: 600,
      negativeTtlSec: 10,
      maxStaleSec: 86400,
      dir: '/var/cache/stns-query',
      snapshot: true,
    },
    daemon: {
      publicSocket: '/run/stns-query/nss.sock',
      privateSocket: '/run/stns-query/private.sock',
    },
  };
}
