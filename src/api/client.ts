// The StnsClient orchestrator: endpoints in order with failover, extra rounds
// with a short backoff, cooldown of timed-out endpoints, and normalisation.

import pRetry from 'p-retry';
import type { Config } from '../config/types.js';
import {
  AuthError,
  ConfigError,
  EndpointError,
  EnumerationDisabledError,
  type StnsError,
  UnavailableError,
} from '../errors.js';
import {
  dedupe,
  isValidName,
  matchQuery,
  normalizeGroup,
  normalizeUser,
  type Warn,
} from '../model/normalize.js';
import type { Group, Query, User } from '../model/types.js';
import { safeUrl } from '../transport/errors.js';
import { createTransport, type Transport } from '../transport/http.js';
import { type Endpoint, EndpointPool } from './endpoints.js';
import { fetchRecords } from './fetch.js';
import type { StnsClient } from './types.js';
import type { RawRecord } from './wire.js';

/** Backoff between rounds (p-retry): 100 ms, doubling, at most 1 s, no jitter. */
export const BACKOFF = { minTimeout: 100, factor: 2, maxTimeout: 1000, randomize: false } as const;

const MAX_ID = 0xfffffffe;

export interface ClientOptions {
  /** Receives one line per refused or suspicious server entry. @default no-op */
  warn?: Warn;
  /** Clock for cooldowns (epoch ms). @default Date.now */
  now?: () => number;
}

/**
 * Upper bound on one lookup, ms. Each attempt is bounded as a whole by
 * requestTimeoutMs (T); there are R = 1 + retryRequest rounds over N endpoints,
 * with backoff b(i) = min(maxTimeout, minTimeout * factor^i) before round i+2:
 *
 *   worstCaseMs = R * N * T + sum_{i=0}^{R-2} b(i)
 *
 * Cooldown only lowers the real figure (a timed-out endpoint is skipped in later rounds).
 */
export function worstCaseMs(config: Pick<Config, 'endpoints' | 'requestTimeoutMs' | 'retryRequest'>): number {
  const rounds = 1 + config.retryRequest;
  let backoff = 0;
  for (let i = 0; i < rounds - 1; i++)
    backoff += Math.min(BACKOFF.maxTimeout, BACKOFF.minTimeout * BACKOFF.factor ** i);
  return rounds * config.endpoints.length * config.requestTimeoutMs + backoff;
}

// Refuses a config the client cannot run with, naming the key.
function validate(config: Config): void {
  if (config.endpoints.length === 0)
    throw new ConfigError('api_end_point is empty: set at least one server URL');
  for (const url of config.endpoints) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new ConfigError(`api_end_point ${safeUrl(url)} is not an http(s) URL`);
    }
  }
  if (!(config.requestTimeoutMs > 0)) throw new ConfigError('request_timeout must be greater than 0');
  if (!Number.isInteger(config.retryRequest) || config.retryRequest < 0) {
    throw new ConfigError('retry_request must be an integer >= 0');
  }
}

/** Thrown by a round in which every endpoint was cooling down: no further rounds. */
class AllCoolingDown extends UnavailableError {}

/** Creates a client for `config`; nothing connects until the first lookup. */
export function createClient(config: Config, options: ClientOptions = {}): StnsClient {
  validate(config);
  const warn = options.warn ?? (() => {});
  const now = options.now ?? Date.now;
  const transport = createTransport(config);
  const pool = new EndpointPool(config.endpoints, config.endpointCooldownSec * 1000, now);
  const lookup = (query: Query) => lookupWithRetry(transport, pool, config, query);
  const norm = {
    uidShift: config.uidShift,
    gidShift: config.gidShift,
    minUid: config.minUid,
    minGid: config.minGid,
  };
  const users = (raws: RawRecord[]) =>
    raws.map((r) => normalizeUser(r, norm, warn)).filter((u) => u !== null);
  const groups = (raws: RawRecord[]) =>
    raws.map((r) => normalizeGroup(r, norm, warn)).filter((g) => g !== null);

  // One user or group by name or id, null when not found.
  async function one<T extends User | Group>(
    query: Query,
    convert: (raws: RawRecord[]) => T[],
  ): Promise<T | null> {
    const raws = await lookup(serverQuery(query, config));
    return raws === null ? null : matchQuery(query, convert(raws), warn);
  }

  // A whole list, deduplicated.
  async function all<T extends User | Group>(kind: 'user' | 'group', convert: (raws: RawRecord[]) => T[]) {
    const raws = await lookup({ kind, by: 'list' });
    return dedupe(convert(raws ?? []), warn);
  }

  const byName = <T extends User | Group>(
    kind: 'user' | 'group',
    name: string,
    convert: (r: RawRecord[]) => T[],
  ) => (plausibleName(name) ? one({ kind, by: 'name', name }, convert) : Promise.resolve(null));
  const byId = <T extends User | Group>(
    kind: 'user' | 'group',
    id: number,
    convert: (r: RawRecord[]) => T[],
  ) =>
    plausibleId(id, kind === 'user' ? config.uidShift : config.gidShift)
      ? one({ kind, by: 'id', id }, convert)
      : Promise.resolve(null);
  const enumerable = () => {
    if (!config.enumerate) throw new EnumerationDisabledError('enumeration is disabled (enumerate = false)');
  };

  return {
    getUserByName: (name) => byName('user', name, users),
    getUserById: (uid) => byId('user', uid, users),
    getGroupByName: (name) => byName('group', name, groups),
    getGroupById: (gid) => byId('group', gid, groups),
    listUsers: async () => {
      enumerable();
      return all('user', users);
    },
    listGroups: async () => {
      enumerable();
      return all('group', groups);
    },
    getKeys: async (name) => (await byName('user', name, users))?.keys ?? null,
    getGroupsForUser: async (name) => (await all('group', groups)).filter((g) => g.members.includes(name)),
    endpointHealth: () => pool.health(),
    close: () => transport.close(),
  };
}

// A name the server could ever answer for (anything else is not found without asking).
function plausibleName(name: string): boolean {
  return isValidName(name);
}

// A local id that maps to a valid server id after the shift.
function plausibleId(id: number, shift: number): boolean {
  const server = id - shift;
  return Number.isInteger(id) && id > 0 && id <= MAX_ID && server > 0 && server <= MAX_ID;
}

// The query as the server sees it: ids un-shifted.
function serverQuery(query: Query, config: Config): Query {
  if (query.by !== 'id') return query;
  return { ...query, id: query.id - (query.kind === 'user' ? config.uidShift : config.gidShift) };
}

// Full rounds over the endpoints, retried with backoff; auth errors and "all cooling down" stop at once.
function lookupWithRetry(transport: Transport, pool: EndpointPool, config: Config, query: Query) {
  return pRetry(() => oneRound(transport, pool, query), {
    retries: config.retryRequest,
    ...BACKOFF,
    shouldRetry: ({ error }) => !(error instanceof AuthError) && !(error instanceof AllCoolingDown),
  });
}

// Tries each usable endpoint once, in order, until one answers (records or not found).
async function oneRound(transport: Transport, pool: EndpointPool, query: Query): Promise<RawRecord[] | null> {
  const candidates = pool.candidates();
  if (candidates.length === 0) {
    const at = new Date(pool.nextTryAt()).toISOString();
    const errors = lastErrors(pool);
    throw new AllCoolingDown(
      `every STNS endpoint timed out recently, next try after ${at}: ${joinMessages(errors)}`,
      errors,
    );
  }
  for (const endpoint of candidates) {
    const answer = await tryEndpoint(transport, pool, endpoint, query);
    if (answer !== undefined) return answer;
  }
  const errors = lastErrors(pool);
  throw new UnavailableError(`no STNS endpoint answered: ${joinMessages(errors)}`, errors);
}

// The failures of every endpoint in one line, so the message always names each URL.
function joinMessages(errors: readonly StnsError[]): string {
  return errors.map((e) => e.message).join('; ');
}

// One endpoint: the answer, or undefined after recording a fail-over error.
async function tryEndpoint(transport: Transport, pool: EndpointPool, endpoint: Endpoint, query: Query) {
  const started = performance.now();
  try {
    const answer = await fetchRecords(transport, endpoint.url, query);
    pool.succeeded(endpoint, Math.round(performance.now() - started));
    return answer;
  } catch (error) {
    if (!(error instanceof EndpointError)) throw error;
    pool.failed(endpoint, error);
    lastError.set(endpoint, error);
    return undefined;
  }
}

const lastError = new WeakMap<Endpoint, StnsError>();

// The last failure of each endpoint that has one.
function lastErrors(pool: EndpointPool): StnsError[] {
  return pool.endpoints.map((e) => lastError.get(e)).filter((e) => e !== undefined);
}
