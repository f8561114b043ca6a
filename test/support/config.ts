// A complete Config for tests: the built-in defaults (src/config/defaults.ts,
// no file parsing) with the test's overrides.

import { defaultConfig } from '../../src/config/defaults.js';
import type { Config } from '../../src/config/types.js';

/** The built-in defaults, then `overrides` (shallow; tls/cache/daemon merged one level). */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = defaultConfig();
  return {
    ...base,
    ...overrides,
    tls: { ...base.tls, ...overrides.tls },
    cache: { ...base.cache, ...overrides.cache },
    daemon: { ...base.daemon, ...overrides.daemon },
  };
}
