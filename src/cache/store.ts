// The bounded entry store behind the cached client: a Map used as an LRU
// (insertion order = recency), with absolute fresh/stale deadlines per entry.

/** One cached answer. Times are epoch milliseconds from the injected clock. */
export interface Entry<T = unknown> {
  value: T;
  /** When the answer came from the server (or the snapshot's save time). */
  storedAt: number;
  /** Served without asking the server until then. */
  freshUntil: number;
  /** Served while every endpoint is unavailable until then (positive entries only). */
  staleUntil: number;
  /** A "not found" answer. */
  negative: boolean;
}

/** An LRU-ish map: reads move an entry to the back, inserts evict from the front. */
export class EntryStore {
  readonly #entries = new Map<string, Entry>();

  /** @param maxEntries evict the least recently used entry beyond this many. */
  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`cache maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Returns the entry and marks it recently used. */
  get<T>(key: string): Entry<T> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry as Entry<T>;
  }

  /** Returns the entry without touching its recency (stats, snapshot). */
  peek<T>(key: string): Entry<T> | undefined {
    return this.#entries.get(key) as Entry<T> | undefined;
  }

  set(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  clear(): number {
    const count = this.#entries.size;
    this.#entries.clear();
    return count;
  }

  keys(): IterableIterator<string> {
    return this.#entries.keys();
  }

  entries(): IterableIterator<[string, Entry]> {
    return this.#entries.entries();
  }

  /** Age in ms of the entry stored longest ago, 0 when empty. */
  oldestAgeMs(now: number): number {
    let oldest = now;
    for (const entry of this.#entries.values()) if (entry.storedAt < oldest) oldest = entry.storedAt;
    return now - oldest;
  }
}
