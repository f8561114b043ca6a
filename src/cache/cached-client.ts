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
import {
  type GroupRecord,
  groupLine,
  groupName,
  hasMember,
  packGroup,
  packUser,
  passwdLine,
  recordId,
  type UserRecord,
  unpackGroup,
  unpackUser,
  userName,
} from './records.js';
import { readSnapshot, SNAPSHOT_VERSION, type Snapshot, snapshotPathIn, writeSnapshot } from './snapshot.js';
import { type Entry, EntryStore, type Key, type Namespace, type Stamp } from './store.js';

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
   * The resolver's allocation-light hit path: the getent line of a fresh
   * entry (a hit, counted as one), null for a fresh "not found", undefined
   * when only the asynchronous lookup can answer. Nothing is memoised: the
   * line is sliced from the one record the entry holds.
   */
  hitLine(ns: HitNamespace, key: Key): string | null | undefined;
  /**
   * The whole enumeration response from a fresh list (a hit, counted as
   * one): `encode(lines)`, shared by every caller while any of them still
   * holds it (every reader of a stalled enumeration gets the same Buffer),
   * collectable once none does. Undefined when the list is not fresh.
   */
  encodedList(
    kind: ListKind,
    encode: (lines: string[]) => Buffer,
    options?: { /** Count the call as a cache hit. @default true */ countHit?: boolean },
  ): Buffer | undefined;
}

/** Which full list: every user (passwd lines) or every group (group lines). */
export type ListKind = 'users' | 'groups';

/** Lookups the resolver answers synchronously from a fresh entry. */
export type HitNamespace = 'userByName' | 'userById' | 'groupByName' | 'groupById';

const DEFAULT_MAX_ENTRIES = 100_000;
const DEFAULT_REFRESH_AHEAD = 0.8;
const DEFAULT_SNAPSHOT_INTERVAL_MS = 300_000;

/** How one lookup is answered from the cache, derived from other entries, or fetched. */
interface Plan<T, S> {
  ns: Namespace;
  key: Key;
  fetch: () => Promise<T>;
  /** The stored (compact) form of a fetched answer, and the answer back from it. */
  pack: (value: T) => S;
  unpack: (stored: S) => T;
  /** Answer from other fresh entries (a cached list, a cached user). */
  derive?: () => { value: T } | undefined;
  /** Answer from other stale entries while unavailable. */
  deriveStale?: () => { value: T } | undefined;
  /** Fills related entries from a fetched answer (`entry` is the one just stored for it). */
  fill?: (value: T, entry: Entry<S>) => void;
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
    hitLine: () => undefined,
    encodedList: () => undefined,
  };
}

/** A user entry: compact records are stored, never the library's objects. */
type UserEntry = Entry<UserRecord | null>;
type UserNamespace = 'userByName' | 'userById';
type GroupNamespace = 'groupByName' | 'groupById';

const unpackUserOrNull = (record: UserRecord | null): User | null =>
  record === null ? null : unpackUser(record);
const unpackGroupOrNull = (record: GroupRecord | null): Group | null =>
  record === null ? null : unpackGroup(record);
const packUserOrNull = (user: User | null): UserRecord | null => (user === null ? null : packUser(user));
const packGroupOrNull = (group: Group | null): GroupRecord | null =>
  group === null ? null : packGroup(group);
const same = <T>(value: T): T => value;

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
  /** encodedList's memo: shared by every reader still being written to, then collectable. */
  readonly #encodedLists = new WeakMap<Entry, WeakRef<Buffer>>();
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
    return this.#lookup(this.#userPlan('userByName', name));
  }

  getUserById(uid: number): Promise<User | null> {
    return this.#lookup(this.#userPlan('userById', uid));
  }

  getGroupByName(name: string): Promise<Group | null> {
    return this.#lookup(this.#groupPlan('groupByName', name));
  }

  getGroupById(gid: number): Promise<Group | null> {
    return this.#lookup(this.#groupPlan('groupById', gid));
  }

  listUsers(): Promise<User[]> {
    return this.#lookup(this.#userListPlan());
  }

  listGroups(): Promise<Group[]> {
    return this.#lookup(this.#groupListPlan());
  }

  getKeys(name: string): Promise<string[] | null> {
    const fromUser = (entry: UserEntry | undefined) => ({
      value: entry?.value ? unpackUser(entry.value).keys : null,
    });
    return this.#lookup<string[] | null, string[] | null>({
      ns: 'keys',
      key: name,
      fetch: () => this.upstream.getKeys(name),
      pack: same,
      unpack: same,
      derive: () => {
        const user = this.#fresh<UserRecord | null>('userByName', name);
        return user ? fromUser(user) : undefined;
      },
      deriveStale: () => {
        const user = this.#stale<UserRecord | null>('userByName', name);
        return user ? fromUser(user) : undefined;
      },
    });
  }

  getGroupsForUser(name: string): Promise<Group[]> {
    const memberOf = (list: Entry<GroupRecord[]>) => ({
      value: list.value.filter((record) => hasMember(record, name)).map(unpackGroup),
    });
    return this.#lookup<Group[], GroupRecord[]>({
      ns: 'memberOf',
      key: name,
      fetch: () => this.upstream.getGroupsForUser(name),
      pack: (groups) => groups.map(packGroup),
      unpack: (records) => records.map(unpackGroup),
      derive: () => {
        const list = this.#fresh<GroupRecord[]>('list', GROUPS);
        return list ? memberOf(list) : undefined;
      },
      deriveStale: () => {
        const list = this.#stale<GroupRecord[]>('list', GROUPS);
        return list ? memberOf(list) : undefined;
      },
      fill: (_groups, entry) => {
        for (const record of entry.value) this.#fillGroup(record, entry.stamp);
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
    const users = [this.#store.peek<UserRecord | null>('userByName', key)?.value];
    const groups = [this.#store.peek<GroupRecord | null>('groupByName', key)?.value];
    if (id !== undefined) {
      users.push(this.#store.peek<UserRecord | null>('userById', id)?.value);
      groups.push(this.#store.peek<GroupRecord | null>('groupById', id)?.value);
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
    for (const user of users)
      if (user) doomed.push(['userByName', userName(user)], ['userById', recordId(user)]);
    for (const group of groups)
      if (group) doomed.push(['groupByName', groupName(group)], ['groupById', recordId(group)]);
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
    const stamp: Stamp = {
      storedAt: snapshot.savedAt,
      freshUntil: snapshot.savedAt,
      staleUntil: snapshot.savedAt + (this.#cache.ttlSec + this.#cache.maxStaleSec) * 1000,
    };
    if (stamp.staleUntil <= this.#now()) return 0;
    const users = snapshot.users.map((user) => this.#fillUser(packUser(user), stamp));
    const groups = snapshot.groups.map((group) => this.#fillGroup(packGroup(group), stamp));
    if (snapshot.usersComplete) this.#store.set('list', USERS, { value: users, stamp });
    if (snapshot.groupsComplete) this.#store.set('list', GROUPS, { value: groups, stamp });
    return users.length + groups.length;
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
    const users = new Map<string, UserRecord>();
    const groups = new Map<string, GroupRecord>();
    const userList = this.#store.peek<UserRecord[]>('list', USERS);
    const groupList = this.#store.peek<GroupRecord[]>('list', GROUPS);
    for (const user of userList?.value ?? []) users.set(userName(user), user);
    for (const group of groupList?.value ?? []) groups.set(groupName(group), group);
    for (const [ns, , entry] of this.#store.entries()) {
      const record = entry.value as string | null;
      if (record === null) continue;
      if (ns === 'userByName') users.set(userName(record), record);
      else if (ns === 'groupByName') groups.set(groupName(record), record);
    }
    return {
      version: SNAPSHOT_VERSION,
      savedAt: this.#now(),
      users: [...users.values()].map(unpackUser),
      groups: [...groups.values()].map(unpackGroup),
      usersComplete: userList !== undefined,
      groupsComplete: groupList !== undefined,
    };
  }

  hitLine(ns: HitNamespace, key: Key): string | null | undefined {
    const record = this.#hitEntry(ns, key)?.value;
    if (record === undefined || record === null) return record;
    return isUserNamespace(ns) ? passwdLine(record) : groupLine(record);
  }

  encodedList(
    kind: ListKind,
    encode: (lines: string[]) => Buffer,
    { countHit = true }: { countHit?: boolean } = {},
  ): Buffer | undefined {
    const plan = (kind === 'users' ? this.#userListPlan() : this.#groupListPlan()) as Plan<unknown, string[]>;
    const entry = this.#store.get<string[]>('list', plan.key);
    const now = this.#now();
    if (entry === undefined || now >= entry.stamp.freshUntil) return undefined;
    if (countHit) {
      this.#counts.hits++;
      this.#maybeRefreshAhead(plan, entry, now);
    }
    const shared = this.#encodedLists.get(entry)?.deref();
    if (shared !== undefined) return shared;
    const encoded = encode(entry.value.map(kind === 'users' ? passwdLine : groupLine));
    this.#encodedLists.set(entry, new WeakRef(encoded));
    return encoded;
  }

  // A fresh user/group entry for the synchronous hit path, counted as a hit; undefined on a miss.
  #hitEntry(ns: HitNamespace, key: Key): Entry<string | null> | undefined {
    const entry = this.#store.get<string | null>(ns, key);
    if (entry === undefined) return undefined;
    const now = this.#now();
    if (now >= entry.stamp.freshUntil) return undefined;
    this.#counts.hits++;
    if (entry.value === null) this.#counts.negativeHits++;
    else if (this.#refreshDue(ns, key, entry, now)) {
      const plan = isUserNamespace(ns) ? this.#userPlan(ns, key) : this.#groupPlan(ns, key);
      this.#maybeRefreshAhead(plan as Plan<unknown, unknown>, entry, now);
    }
    return entry;
  }

  #userPlan(ns: UserNamespace, key: Key): Plan<User | null, UserRecord | null> {
    return {
      ns,
      key,
      fetch: () =>
        ns === 'userByName'
          ? this.upstream.getUserByName(String(key))
          : this.upstream.getUserById(Number(key)),
      pack: packUserOrNull,
      unpack: unpackUserOrNull,
      fill: (_user, entry) => entry.value !== null && this.#shareUser(entry as Entry<UserRecord>),
    };
  }

  #groupPlan(ns: GroupNamespace, key: Key): Plan<Group | null, GroupRecord | null> {
    return {
      ns,
      key,
      fetch: () =>
        ns === 'groupByName'
          ? this.upstream.getGroupByName(String(key))
          : this.upstream.getGroupById(Number(key)),
      pack: packGroupOrNull,
      unpack: unpackGroupOrNull,
      fill: (_group, entry) => entry.value !== null && this.#shareGroup(entry as Entry<GroupRecord>),
    };
  }

  // The list entry holds the very records its per-user entries hold: one copy of the text.
  #userListPlan(): Plan<User[], UserRecord[]> {
    return {
      ns: 'list',
      key: USERS,
      fetch: () => this.upstream.listUsers(),
      pack: (users) => users.map(packUser),
      unpack: (records) => records.map(unpackUser),
      fill: (_users, entry) => {
        for (const record of entry.value) this.#fillUser(record, entry.stamp);
      },
    };
  }

  #groupListPlan(): Plan<Group[], GroupRecord[]> {
    return {
      ns: 'list',
      key: GROUPS,
      fetch: () => this.upstream.listGroups(),
      pack: (groups) => groups.map(packGroup),
      unpack: (records) => records.map(unpackGroup),
      fill: (_groups, entry) => {
        for (const record of entry.value) this.#fillGroup(record, entry.stamp);
      },
    };
  }

  async #lookup<T, S>(plan: Plan<T, S>): Promise<T> {
    const entry = this.#store.get<S>(plan.ns, plan.key);
    const now = this.#now();
    if (entry !== undefined && now < entry.stamp.freshUntil) {
      this.#counts.hits++;
      if (entry.value === null) this.#counts.negativeHits++;
      this.#maybeRefreshAhead(plan, entry, now);
      return plan.unpack(entry.value);
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
  #fetchOnce<T, S>(plan: Plan<T, S>): Promise<{ value: T; stale: boolean }> {
    const flightKey = `${plan.ns}\0${plan.key}`;
    const running = this.#inFlight.get(flightKey);
    if (running !== undefined) return running as Promise<{ value: T; stale: boolean }>;
    const flight = this.#fetchOrStale(plan).finally(() => this.#inFlight.delete(flightKey));
    this.#inFlight.set(flightKey, flight);
    return flight;
  }

  async #fetchOrStale<T, S>(plan: Plan<T, S>): Promise<{ value: T; stale: boolean }> {
    try {
      const value = await plan.fetch();
      this.#remember(plan, value);
      this.#servingStale = false;
      return { value, stale: false };
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      const entry = this.#stale<S>(plan.ns, plan.key);
      const stale = entry !== undefined ? { value: plan.unpack(entry.value) } : plan.deriveStale?.();
      if (stale === undefined) throw error;
      this.#servingStale = true;
      this.#warn('serving-stale', { key: `${plan.ns}:${plan.key}`, error: (error as Error).message });
      return { value: stale.value, stale: true };
    }
  }

  #maybeRefreshAhead<T, S>(plan: Plan<T, S>, entry: Entry<S>, now: number): void {
    if (entry.value === null || !this.#refreshDue(plan.ns, plan.key, entry, now)) return;
    this.#fetchOnce(plan).catch((error: Error) =>
      this.#warn('refresh-failed', { key: `${plan.ns}:${plan.key}`, error }),
    );
  }

  // Past refreshAheadRatio of its lifetime and not already being fetched.
  #refreshDue(ns: Namespace, key: Key, entry: Entry<unknown>, now: number): boolean {
    if (this.#refreshAhead <= 0) return false;
    const { storedAt, freshUntil } = entry.stamp;
    if (now - storedAt < (freshUntil - storedAt) * this.#refreshAhead) return false;
    return !this.#inFlight.has(`${ns}\0${key}`);
  }

  #remember<T, S>(plan: Plan<T, S>, value: T): void {
    const entry: Entry<S> = { value: plan.pack(value), stamp: this.#stampFor(value === null) };
    this.#store.set(plan.ns, plan.key, entry);
    plan.fill?.(value, entry);
    if (plan.ns === 'list') void this.saveSnapshot();
  }

  // One stamp per fetch, shared by every entry that fetch fills.
  #stampFor(negative: boolean): Stamp {
    const now = this.#now();
    const ttlMs = (negative ? this.#cache.negativeTtlSec : this.#cache.ttlSec) * 1000;
    const staleMs = negative ? 0 : this.#cache.maxStaleSec * 1000;
    if (!negative && this.#snapshotPath !== null) this.#dirty = true;
    return { storedAt: now, freshUntil: now + ttlMs, staleUntil: now + ttlMs + staleMs };
  }

  // Stores one entry under both the user's name and id: one object, not a copy per key.
  #shareUser(entry: Entry<UserRecord>): void {
    this.#store.set('userByName', userName(entry.value), entry);
    this.#store.set('userById', recordId(entry.value), entry);
  }

  #shareGroup(entry: Entry<GroupRecord>): void {
    this.#store.set('groupByName', groupName(entry.value), entry);
    this.#store.set('groupById', recordId(entry.value), entry);
  }

  #fillUser(record: UserRecord, stamp: Stamp): UserRecord {
    this.#shareUser({ value: record, stamp });
    return record;
  }

  #fillGroup(record: GroupRecord, stamp: Stamp): GroupRecord {
    this.#shareGroup({ value: record, stamp });
    return record;
  }

  #fresh<T>(ns: Namespace, key: Key): Entry<T> | undefined {
    const entry = this.#store.peek<T>(ns, key);
    return entry !== undefined && this.#now() < entry.stamp.freshUntil ? entry : undefined;
  }

  // Negative entries are never served stale: an outage must read "unavailable", not "not found".
  #stale<T>(ns: Namespace, key: Key): Entry<T> | undefined {
    const entry = this.#store.peek<T>(ns, key);
    return entry !== undefined && entry.value !== null && this.#now() < entry.stamp.staleUntil
      ? entry
      : undefined;
  }
}

function isUserNamespace(ns: HitNamespace): ns is UserNamespace {
  return ns === 'userByName' || ns === 'userById';
}
