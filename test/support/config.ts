// A complete Config for tests, with the documented defaults from
// src/config/types.ts, so tests need not depend on the config loader.

import type { Config } from '../../src/config/types.js';

/** The defaults from src/config/types.ts, then `overrides` (shallow; tls/cache/daemon merged one level). */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const base: Config = {
    source: '',
    dialect: 'libnss_stns',
    endpoints: ['http://localhost:1104'],
    requestTimeoutMs: 3000,
    retryRequest: 1,
    endpointCooldownSec: 10,
    maxResponseBytes: 33554432,
    headers: {},
    tls: { verify: true },
    uidShift: 0,
    gidShift: 0,
    minUid: 1000,
    minGid: 1000,
    enumerate: true,
    wrapperPath: '/usr/local/bin/stns-query',
    bootGuardProcesses: [],
    cache: {
      enabled: true,
      ttlSec: 600,
      negativeTtlSec: 10,
      maxStaleSec: 86400,
      dir: '/var/cache/stns-query',
      snapshot: true,
    },
    daemon: { publicSocket: '/run/stns-query/nss.sock', privateSocket: '/run/stns-query/private.sock' },
  };
  return {
    ...base,
    ...overrides,
    tls: { ...base.tls, ...overrides.tls },
    cache: { ...base.cache, ...overrides.cache },
    daemon: { ...base.daemon, ...overrides.daemon },
  };
}
