// The library's public surface. Everything here is covered by test/index.test.ts.
export type { EndpointHealth, StnsClient } from './api/types.js';
export type { CacheConfig, Config, DaemonConfig, TlsConfig } from './config/types.js';
export * from './errors.js';
export { formatGroup, formatPasswd, formatShadow } from './model/format.js';
export type { Group, Query, User } from './model/types.js';
