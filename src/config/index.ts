// Public surface of the config layer.

export {
  CONFIG_ENV_VAR,
  DEFAULT_BOOT_GUARD_PROCESSES,
  DEFAULT_CONFIG_PATH,
  DEFAULT_CONFIG_PATHS,
  DEFAULT_ENDPOINT,
  DEFAULT_V2_ENDPOINT,
  defaultConfig,
  V2_CONFIG_PATH,
} from './defaults.js';
export { type LoadOptions, loadConfig, resolveConfigPath } from './load.js';
export { type ParseOptions, parseConfig } from './parse.js';
export type { CacheConfig, Config, DaemonConfig, TlsConfig } from './types.js';
