// The resolver's cache: a StnsClient decorator, so src/api/resolve.ts answers
// through it unchanged. Fresh entries answer without a request; while every
// endpoint is unavailable, entries up to max_stale old still answer, so an
// outage keeps known users logging in and never turns into "not found".

import type { EndpointHealth, StnsClient } from '../api/types.js';
import type { CacheConfig } from '../config/types.js';
import type { Log } from '../daemon/log.js';
import { rateLimited, silentLog } from '../daemon/log.js';
import { EndpointError, UnavailableError } from '../errors.js';
import type { Group, User } from '../model/types.js';
import { readSnapshot, SNAPSHOT_VERSION, type Snapshot, snapshotPathIn, writeSnapshot } from './snapshot.js';
import { type Entry, EntryStore, type Key, type Namespace } from './store.js';

export interface CachedClientOptions {
  /** Clock in epoch ms; tests inject a controllable one. @default Date.now */
  now?: () => number;
  /** Snapshot file; null disables it. @default `<cache.dir>/snapshot.json` when cache.snapshot, else null */
  snapshotPath?: string | null;
  /** Event log (snapshot writes, stale serves, refresh failures). @default silent */
  log?: Log;
  /** Entries kept before the least recently used is evicted. @default 100000 */
  maxEntries?: number;
  /** A fresh entry read past this fraction of its TTL is refreshed in the background; 0 disables. @default 0.8 */
  refreshAheadRatio?: number;
  /** How often a changed cache is written to the snapshot, ms. @default 300000 */
  snapshotIntervalMs?: number;
}

/** What `status` reports about the cache. */
export interface CacheStats {
  enabled: boolean;
  entries: number;
  maxEntries: number;
  hits: number;
  misses: number;
  negativeHits: number;
  staleServes: number;
  /** hits / (hits + misses), 0 before the first lookup. */
  hitRate: number;
  /** Age of the oldest entry, seconds. */
  oldestEntryAgeSec: number;
  /** The last server attempt failed as unavailable and cached entries are being served. */
  servingStale: boolean;
  snapshotPath: string | null;
  /** Epoch ms of the last snapshot write, 0 when none. */
  snapshotWrittenAt: number;
}

/** A StnsClient that answers from its cache first. */
export interface CachedClient extends StnsClient {
  /** The client that asks the servers. */
  readonly upstream: StnsClient;
  stats(): CacheStats;
  /** Drops everything, or every entry about `key` (a user/group name or a numeric id); returns how many. */
  clear(key?: string): number;
  /** Loads the snapshot (entries arrive already expired: served only while unavailable); returns users+groups loaded. */
  loadSnapshot(): Promise<number>;
  /** Writes the snapshot now (no-op without a snapshot path). */
  saveSnapshot(): Promise<void>;
  /** Copies every entry of `other` into this cache (a reload that kept the same servers). */
  adoptEntries(other: CachedClient): void;
  /** Stops the snapshot timer without closing the upstream client. */
  stop(): void;
  /**
   * The resolver's synchronous hit path: when a fresh entry answers `ns`/`key`
   * (a hit, counted as one), its response as `encode(value)`, memoised on the
   * entry; undefined when only the asynchronous lookup can answer. `encode`
   * must be the same function for every call on one namespace kind.
   */
  encodedHit<T>(ns: HitNamespace, key: Key, encode: (value: T | null) => string): string | undefined;
}

/** Lookups the resolver answers synchronously from a fresh entry. */
export type HitNamespace = 'userByName' | 'userById' | 'groupByName' | 'groupById';

const DEFAULT_MAX_ENTRIES = 100_000;
const DEFAULT_REFRESH_AHEAD = 0.8;
const DEFAULT_SNAPSHOT_INTERVAL_MS = 300_000;

/** How one lookup is answered from the cache, derived from other entries, or fetched. */
interface Plan<T> {
  ns: Namespace;
  key: Key;
  fetch: () => Promise<T>;
  /** Answer from other fresh entries (a cached list, a cached user). */
  derive?: () => { value: T } | undefined;
  /** Answer from other stale entries while unavailable. */
  deriveStale?: () => { value: T } | undefined;
  /** Fills related entries from a fetched answer (`entry` is the one just stored for it). */
  fill?: (value: T, entry: Entry) => void;
}

const USERS = 'users';
const GROUPS = 'groups';

// UnavailableError/EndpointError mean "no server answered"; auth and enumeration refusals are answers.
function isUnavailable(error: unknown): boolean {
  return error instanceof UnavailableError || error instanceof EndpointError;
}

/**
 * Wraps `client` with the cache described by `cache`. With `cache.enabled =
 * false` every call goes straight through.
 */
export function createCachedClient(
  client: StnsClient,
  cache: CacheConfig,
  options: CachedClientOptions = {},
): CachedClient {
  return cache.enabled ? new Cached(client, cache, options) : passThrough(client);
}

// Same surface as the cache, answering nothing itself: keeps the resolver code path single.
function passThrough(client: StnsClient): CachedClient {
  const stats: CacheStats = {
    enabled: false,
    entries: 0,
    maxEntries: 0,
    hits: 0,
    misses: 0,
    negativeHits: 0,
    staleServes: 0,
    hitRate: 0,
    oldestEntryAgeSec: 0,
    servingStale: false,
    snapshotPath: null,
    snapshotWrittenAt: 0,
  };
  return {
    upstream: client,
    getUserByName: (name) => client.getUserByName(name),
    getUserById: (uid) => client.getUserById(uid),
    getGroupByName: (name) => client.getGroupByName(name),
    getGroupById: (gid) => client.getGroupById(gid),
    listUsers: () => client.listUsers(),
    listGroups: () => client.listGroups(),
    getKeys: (name) => client.getKeys(name),
    getGroupsForUser: (name) => client.getGroupsForUser(name),
    endpointHealth: () => client.endpointHealth(),
    close: () => client.close(),
    stats: () => ({ ...stats }),
    clear: () => 0,
    loadSnapshot: async () => 0,
    saveSnapshot: async () => {},
    adoptEntries: () => {},
    stop: () => {},
    encodedHit: () => undefined,
  };
}

class Cached implements CachedClient {
  readonly upstream: StnsClient;
  readonly #cache: CacheConfig;
  readonly #now: () => number;
  readonly #log: Log;
  readonly #warn: Log;
  readonly #store: EntryStore;
  readonly #refreshAhead: number;
  readonly #snapshotPath: string | null;
  readonly #inFlight = new Map<string, Promise<{ value: unknown; stale: boolean }>>();
  readonly #counts = { hits: 0, misses: 0, negativeHits: 0, staleServes: 0 };
  #servingStale = false;
  #dirty = false;
  #snapshotWrittenAt = 0;
  #saving: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(client: StnsClient, cache: CacheConfig, options: CachedClientOptions) {
    this.upstream = client;
    this.#cache = cache;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? silentLog;
    this.#warn = rateLimited(this.#log, 60_000, this.#now);
    this.#store = new EntryStore(options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.#refreshAhead = options.refreshAheadRatio ?? DEFAULT_REFRESH_AHEAD;
    this.#snapshotPath =
      options.snapshotPath !== undefined
        ? options.snapshotPath
        : cache.snapshot
          ? snapshotPathIn(cache.dir)
          : null;
    if (this.#snapshotPath !== null) {
      this.#timer = setInterval(
        () => this.#saveIfDirty(),
        options.snapshotIntervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS,
      );
      this.#timer.unref();
    }
  }

  getUserByName(name: string): Promise<User | null> {
    return this.#lookup<User | null>({
      ns: 'userByName',
      key: name,
      fetch: () => this.upstream.getUserByName(name),
      fill: (user, entry) => user && this.#share('userById', user.uid, entry),
    });
  }

  getUserById(uid: number): Promise<User | null> {
    return this.#lookup<User | null>({
      ns: 'userById',
      key: uid,
      fetch: () => this.upstream.getUserById(uid),
      fill: (user, entry) => user && this.#share('userByName', user.name, entry),
    });
  }

  getGroupByName(name: string): Promise<Group | null> {
    return this.#lookup<Group | null>({
      ns: 'groupByName',
      key: name,
      fetch: () => this.upstream.getGroupByName(name),
      fill: (group, entry) => group && this.#share('groupById', group.gid, entry),
    });
  }

  getGroupById(gid: number): Promise<Group | null> {
    return this.#lookup<Group | null>({
      ns: 'groupById',
      key: gid,
      fetch: () => this.upstream.getGroupById(gid),
      fill: (group, entry) => group && this.#share('groupByName', group.name, entry),
    });
  }

  listUsers(): Promise<User[]> {
    return this.#lookup<User[]>({
      ns: 'list',
      key: USERS,
      fetch: () => this.upstream.listUsers(),
      fill: (users) => this.#fillUsers(users),
    });
  }

  listGroups(): Promise<Group[]> {
    return this.#lookup<Group[]>({
      ns: 'list',
      key: GROUPS,
      fetch: () => this.upstream.listGroups(),
      fill: (groups) => this.#fillGroups(groups),
    });
  }

  getKeys(name: string): Promise<string[] | null> {
    const fromUser = (entry: Entry<User | null> | undefined) => ({ value: entry?.value?.keys ?? null });
    return this.#lookup<string[] | null>({
      ns: 'keys',
      key: name,
      fetch: () => this.upstream.getKeys(name),
      derive: () => {
        const user = this.#fresh<User | null>('userByName', name);
        return user ? fromUser(user) : undefined;
      },
      deriveStale: () => {
        const user = this.#stale<User | null>('userByName', name);
        return user ? fromUser(user) : undefined;
      },
    });
  }

  getGroupsForUser(name: string): Promise<Group[]> {
    const memberOf = (groups: Group[]) => ({ value: groups.filter((g) => g.members.includes(name)) });
    return this.#lookup<Group[]>({
      ns: 'memberOf',
      key: name,
      fetch: () => this.upstream.getGroupsForUser(name),
      derive: () => {
        const list = this.#fresh<Group[]>('list', GROUPS);
        return list ? memberOf(list.value) : undefined;
      },
      deriveStale: () => {
        const list = this.#stale<Group[]>('list', GROUPS);
        return list ? memberOf(list.value) : undefined;
      },
      fill: (groups) => {
        for (const group of groups) this.#fillGroup(group);
      },
    });
  }

  endpointHealth(): EndpointHealth[] {
    return this.upstream.endpointHealth();
  }

  async close(): Promise<void> {
    this.stop();
    try {
      await this.saveSnapshot();
    } finally {
      await this.upstream.close();
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  stats(): CacheStats {
    const { hits, misses } = this.#counts;
    return {
      enabled: true,
      entries: this.#store.size,
      maxEntries: this.#store.maxEntries,
      ...this.#counts,
      hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
      oldestEntryAgeSec: Math.round(this.#store.oldestAgeMs(this.#now()) / 1000),
      servingStale: this.#servingStale,
      snapshotPath: this.#snapshotPath,
      snapshotWrittenAt: this.#snapshotWrittenAt,
    };
  }

  clear(key?: string): number {
    if (key === undefined || key === '') return this.#store.clear();
    const id = /^[0-9]{1,10}$/.test(key) ? Number(key) : undefined;
    const users = [this.#store.peek<User | null>('userByName', key)?.value];
    const groups = [this.#store.peek<Group | null>('groupByName', key)?.value];
    if (id !== undefined) {
      users.push(this.#store.peek<User | null>('userById', id)?.value);
      groups.push(this.#store.peek<Group | null>('groupById', id)?.value);
    }
    const doomed: Array<[Namespace, Key]> = [
      ['userByName', key],
      ['groupByName', key],
      ['keys', key],
      ['memberOf', key],
      ['list', USERS],
      ['list', GROUPS],
    ];
    if (id !== undefined) doomed.push(['userById', id], ['groupById', id]);
    for (const user of users) if (user) doomed.push(['userByName', user.name], ['userById', user.uid]);
    for (const group of groups) if (group) doomed.push(['groupByName', group.name], ['groupById', group.gid]);
    let removed = 0;
    for (const [ns, k] of doomed) if (this.#store.delete(ns, k)) removed++;
    return removed;
  }

  adoptEntries(other: CachedClient): void {
    if (!(other instanceof Cached)) return;
    for (const [ns, key, entry] of other.#store.entries()) this.#store.set(ns, key, entry);
  }

  async loadSnapshot(): Promise<number> {
    if (this.#snapshotPath === null) return 0;
    const snapshot = await readSnapshot(this.#snapshotPath);
    if (snapshot === null) return 0;
    const entry = <T>(value: T): Entry<T> => ({
      value,
      storedAt: snapshot.savedAt,
      freshUntil: snapshot.savedAt,
      staleUntil: snapshot.savedAt + (this.#cache.ttlSec + this.#cache.maxStaleSec) * 1000,
      negative: false,
      encoded: undefined,
    });
    if (entry(null).staleUntil <= this.#now()) return 0;
    for (const user of snapshot.users) {
      const shared = entry(user);
      this.#store.set('userByName', user.name, shared);
      this.#store.set('userById', user.uid, shared);
    }
    for (const group of snapshot.groups) {
      const shared = entry(group);
      this.#store.set('groupByName', group.name, shared);
      this.#store.set('groupById', group.gid, shared);
    }
    if (snapshot.usersComplete) this.#store.set('list', USERS, entry(snapshot.users));
    if (snapshot.groupsComplete) this.#store.set('list', GROUPS, entry(snapshot.groups));
    return snapshot.users.length + snapshot.groups.length;
  }

  saveSnapshot(): Promise<void> {
    const path = this.#snapshotPath;
    if (path === null) return Promise.resolve();
    this.#saving = this.#saving.then(async () => {
      this.#dirty = false;
      const snapshot = this.#buildSnapshot();
      try {
        await writeSnapshot(path, snapshot);
        this.#snapshotWrittenAt = snapshot.savedAt;
      } catch (error) {
        this.#dirty = true;
        this.#warn('snapshot-write-failed', { path, error });
      }
    });
    return this.#saving;
  }

  #saveIfDirty(): void {
    if (this.#dirty) void this.saveSnapshot();
  }

  // Users/groups cached one by one are kept too: a restart keeps every user seen, not just listed ones.
  #buildSnapshot(): Snapshot {
    const users = new Map<string, User>();
    const groups = new Map<string, Group>();
    const userList = this.#store.peek<User[]>('list', USERS);
    const groupList = this.#store.peek<Group[]>('list', GROUPS);
    for (const user of userList?.value ?? []) users.set(user.name, user);
    for (const group of groupList?.value ?? []) groups.set(group.name, group);
    for (const [ns, , entry] of this.#store.entries()) {
      if (entry.negative) continue;
      if (ns === 'userByName') users.set((entry.value as User).name, entry.value as User);
      else if (ns === 'groupByName') groups.set((entry.value as Group).name, entry.value as Group);
    }
    return {
      version: SNAPSHOT_VERSION,
      savedAt: this.#now(),
      users: [...users.values()],
      groups: [...groups.values()],
      usersComplete: userList !== undefined,
      groupsComplete: groupList !== undefined,
    };
  }

  encodedHit<T>(ns: HitNamespace, key: Key, encode: (value: T | null) => string): string | undefined {
    const entry = this.#store.get<T | null>(ns, key);
    if (entry === undefined) return undefined;
    const now = this.#now();
    if (now >= entry.freshUntil) return undefined;
    this.#counts.hits++;
    if (entry.negative) this.#counts.negativeHits++;
    else if (this.#refreshDue(ns, key, entry, now)) void this.#lookupPlan(ns, key);
    entry.encoded ??= encode(entry.value);
    return entry.encoded;
  }

  // The plan the asynchronous path uses for a hit-path namespace (refresh-ahead only).
  #lookupPlan(ns: HitNamespace, key: Key): void {
    const refresh = (): Promise<unknown> =>
      ns === 'userByName'
        ? this.upstream.getUserByName(String(key))
        : ns === 'userById'
          ? this.upstream.getUserById(Number(key))
          : ns === 'groupByName'
            ? this.upstream.getGroupByName(String(key))
            : this.upstream.getGroupById(Number(key));
    const fill = (value: unknown, entry: Entry): void => {
      if (value === null) return;
      if (ns === 'userByName') this.#share('userById', (value as User).uid, entry);
      else if (ns === 'userById') this.#share('userByName', (value as User).name, entry);
      else if (ns === 'groupByName') this.#share('groupById', (value as Group).gid, entry);
      else this.#share('groupByName', (value as Group).name, entry);
    };
    this.#fetchOnce({ ns, key, fetch: refresh, fill }).catch((error: Error) =>
      this.#warn('refresh-failed', { key: `${ns}:${key}`, error }),
    );
  }

  async #lookup<T>(plan: Plan<T>): Promise<T> {
    const entry = this.#store.get<T>(plan.ns, plan.key);
    const now = this.#now();
    if (entry !== undefined && now < entry.freshUntil) {
      this.#counts.hits++;
      if (entry.negative) this.#counts.negativeHits++;
      this.#maybeRefreshAhead(plan, entry, now);
      return entry.value;
    }
    const derived = plan.derive?.();
    if (derived !== undefined) {
      this.#counts.hits++;
      return derived.value;
    }
    this.#counts.misses++;
    const answer = await this.#fetchOnce(plan);
    if (answer.stale) this.#counts.staleServes++;
    return answer.value;
  }

  // Single flight: every concurrent caller for one key shares one upstream request.
  #fetchOnce<T>(plan: Plan<T>): Promise<{ value: T; stale: boolean }> {
    const flightKey = `${plan.ns}\0${plan.key}`;
    const running = this.#inFlight.get(flightKey);
    if (running !== undefined) return running as Promise<{ value: T; stale: boolean }>;
    const flight = this.#fetchOrStale(plan).finally(() => this.#inFlight.delete(flightKey));
    this.#inFlight.set(flightKey, flight);
    return flight;
  }

  async #fetchOrStale<T>(plan: Plan<T>): Promise<{ value: T; stale: boolean }> {
    try {
      const value = await plan.fetch();
      this.#remember(plan, value);
      this.#servingStale = false;
      return { value, stale: false };
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      const stale = this.#stale<T>(plan.ns, plan.key) ?? plan.deriveStale?.();
      if (stale === undefined) throw error;
      this.#servingStale = true;
      this.#warn('serving-stale', { key: `${plan.ns}:${plan.key}`, error: (error as Error).message });
      return { value: stale.value, stale: true };
    }
  }

  #maybeRefreshAhead<T>(plan: Plan<T>, entry: Entry<T>, now: number): void {
    if (entry.negative || !this.#refreshDue(plan.ns, plan.key, entry, now)) return;
    this.#fetchOnce(plan).catch((error: Error) =>
      this.#warn('refresh-failed', { key: `${plan.ns}:${plan.key}`, error }),
    );
  }

  // Past refreshAheadRatio of its lifetime and not already being fetched.
  #refreshDue(ns: Namespace, key: Key, entry: Entry<unknown>, now: number): boolean {
    if (this.#refreshAhead <= 0) return false;
    const lifetime = entry.freshUntil - entry.storedAt;
    if (now - entry.storedAt < lifetime * this.#refreshAhead) return false;
    return !this.#inFlight.has(`${ns}\0${key}`);
  }

  #remember<T>(plan: Plan<T>, value: T): void {
    plan.fill?.(value, this.#put(plan.ns, plan.key, value));
    if (plan.ns === 'list') void this.saveSnapshot();
  }

  // A fresh entry for `value`; one per fetched value, shared by every key that names it.
  #entryFor(value: unknown): Entry {
    const now = this.#now();
    const negative = value === null;
    const ttlMs = (negative ? this.#cache.negativeTtlSec : this.#cache.ttlSec) * 1000;
    const staleMs = negative ? 0 : this.#cache.maxStaleSec * 1000;
    if (!negative && this.#snapshotPath !== null) this.#dirty = true;
    const entry: Entry = {
      value,
      storedAt: now,
      freshUntil: now + ttlMs,
      staleUntil: now + ttlMs + staleMs,
      negative,
      encoded: undefined,
    };
    return entry;
  }

  #put(ns: Namespace, key: Key, value: unknown): Entry {
    const entry = this.#entryFor(value);
    this.#store.set(ns, key, entry);
    return entry;
  }

  // Stores the same entry under a second key (a user by id too): one object, not a copy per key.
  #share(ns: Namespace, key: Key, entry: Entry): void {
    this.#store.set(ns, key, entry);
  }

  #fillUsers(users: User[]): void {
    for (const user of users) {
      this.#share('userById', user.uid, this.#put('userByName', user.name, user));
    }
  }

  #fillGroups(groups: Group[]): void {
    for (const group of groups) this.#fillGroup(group);
  }

  #fillGroup(group: Group): void {
    this.#share('groupById', group.gid, this.#put('groupByName', group.name, group));
  }

  #fresh<T>(ns: Namespace, key: Key): Entry<T> | undefined {
    const entry = this.#store.peek<T>(ns, key);
    return entry !== undefined && this.#now() < entry.freshUntil ? entry : undefined;
  }

  // Negative entries are never served stale: an outage must read "unavailable", not "not found".
  #stale<T>(ns: Namespace, key: Key): Entry<T> | undefined {
    const entry = this.#store.peek<T>(ns, key);
    return entry !== undefined && !entry.negative && this.#now() < entry.staleUntil ? entry : undefined;
  }
}
