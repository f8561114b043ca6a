// The resolver's cache layer: the caching StnsClient decorator and its snapshot.
export {
  type CachedClient,
  type CachedClientOptions,
  type CacheStats,
  createCachedClient,
  type HitNamespace,
  type ListKind,
} from './cached-client.js';
export { readSnapshot, type Snapshot, snapshotPathIn, writeSnapshot } from './snapshot.js';
