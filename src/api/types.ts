import type { Group, User } from '../model/types.js';

/** Health of one endpoint as the transport sees it (for `check` and `status`). */
export interface EndpointHealth {
  url: string;
  state: 'healthy' | 'failing' | 'cooling-down';
  /** Epoch ms until which the endpoint is skipped; 0 when not cooling down. */
  downUntil: number;
  /** Code and message of the last failure, if any (never a secret). */
  lastError?: { code: string; message: string; at: number };
  /** Latency of the last successful request, ms. */
  lastLatencyMs?: number;
}

/**
 * What the library offers. "Not found" is `null` (or an empty list);
 * failures throw typed errors from `src/errors.ts`.
 */
export interface StnsClient {
  getUserByName(name: string): Promise<User | null>;
  getUserById(uid: number): Promise<User | null>;
  getGroupByName(name: string): Promise<Group | null>;
  getGroupById(gid: number): Promise<Group | null>;
  /** Every user; throws EnumerationDisabledError when `enumerate = false`. */
  listUsers(): Promise<User[]>;
  /** Every group; throws EnumerationDisabledError when `enumerate = false`. */
  listGroups(): Promise<Group[]>;
  /** The user's ssh keys, or null when the user does not exist. */
  getKeys(name: string): Promise<string[] | null>;
  /** Groups that list `name` as a member (works even with `enumerate = false`). */
  getGroupsForUser(name: string): Promise<Group[]>;
  endpointHealth(): EndpointHealth[];
  close(): Promise<void>;
}
