// The bounded entry store behind the cached client: one Map per kind of
// lookup, keyed by the bare name or numeric id (no composite key strings to
// build per lookup or keep per entry), each used as an LRU (insertion order =
// recency). One Entry object may sit under several keys (a user by name and
// by id): it is stored once. Its deadlines live in a Stamp shared by every
// entry one fetch filled (a list fills 20k entries with one Stamp).

/** What a key names: a user or group by name or id, a user's keys or memberships, or a full list. */
export type Namespace =
  | 'userByName'
  | 'userById'
  | 'groupByName'
  | 'groupById'
  | 'keys'
  | 'memberOf'
  | 'list';

export const NAMESPACES: readonly Namespace[] = [
  'userByName',
  'userById',
  'groupByName',
  'groupById',
  'keys',
  'memberOf',
  'list',
];

export type Key = string | number;

/** When one fetch's answers were stored and how long they last. Times are epoch ms from the injected clock. */
export interface Stamp {
  /** When the answer came from the server (or the snapshot's save time). */
  readonly storedAt: number;
  /** Served without asking the server until then. */
  readonly freshUntil: number;
  /** Served while every endpoint is unavailable until then (positive entries only). */
  readonly staleUntil: number;
}

/** One cached answer; a null value is a "not found" answer. */
export interface Entry<T = unknown> {
  readonly value: T;
  readonly stamp: Stamp;
}

/** An LRU-ish store: reads move an entry to the back of its map, inserts evict from the front. */
export class EntryStore {
  readonly #maps = new Map<Namespace, Map<Key, Entry>>(NAMESPACES.map((ns) => [ns, new Map()]));
  #size = 0;

  /** @param maxEntries evict the least recently used key beyond this many. */
  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`cache maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.#size;
  }

  /** Returns the entry and marks it recently used. */
  get<T>(ns: Namespace, key: Key): Entry<T> | undefined {
    const map = this.#map(ns);
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    map.delete(key);
    map.set(key, entry);
    return entry as Entry<T>;
  }

  /** Returns the entry without touching its recency (stats, snapshot). */
  peek<T>(ns: Namespace, key: Key): Entry<T> | undefined {
    return this.#map(ns).get(key) as Entry<T> | undefined;
  }

  set(ns: Namespace, key: Key, entry: Entry): void {
    const map = this.#map(ns);
    if (!map.delete(key)) this.#size++;
    map.set(key, entry);
    while (this.#size > this.maxEntries && this.#evictFrom(map.size > 1 ? map : this.#largest())) {}
  }

  delete(ns: Namespace, key: Key): boolean {
    if (!this.#map(ns).delete(key)) return false;
    this.#size--;
    return true;
  }

  clear(): number {
    const count = this.#size;
    for (const map of this.#maps.values()) map.clear();
    this.#size = 0;
    return count;
  }

  *entries(): IterableIterator<[Namespace, Key, Entry]> {
    for (const [ns, map] of this.#maps) for (const [key, entry] of map) yield [ns, key, entry];
  }

  /** Age in ms of the entry stored longest ago, 0 when empty. */
  oldestAgeMs(now: number): number {
    let oldest = now;
    for (const map of this.#maps.values())
      for (const entry of map.values()) if (entry.stamp.storedAt < oldest) oldest = entry.stamp.storedAt;
    return now - oldest;
  }

  #map(ns: Namespace): Map<Key, Entry> {
    return this.#maps.get(ns) as Map<Key, Entry>;
  }

  #largest(): Map<Key, Entry> {
    let largest: Map<Key, Entry> | undefined;
    for (const map of this.#maps.values())
      if (largest === undefined || map.size > largest.size) largest = map;
    return largest as Map<Key, Entry>;
  }

  // Drops the least recently used key of `map`; false when it was empty.
  #evictFrom(map: Map<Key, Entry>): boolean {
    const oldest = map.keys().next();
    if (oldest.done) return false;
    map.delete(oldest.value);
    this.#size--;
    return true;
  }
}
