// The library's public surface. test/index.test.ts checks every export.
export { createClient, worstCaseMs } from './api/client.js';
export type { EndpointHealth, StnsClient } from './api/types.js';
export { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from './config/index.js';
export type { CacheConfig, Config, DaemonConfig, TlsConfig } from './config/types.js';
export * from './errors.js';
export { formatGroup, formatPasswd, formatShadow } from './model/format.js';
export type { Group, Query, User } from './model/types.js';
