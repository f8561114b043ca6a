// The wire-format interface every server generation module implements, and
// the choice of generation from the endpoint URL's last path segment (STNS.md §3).

import type { Query } from '../model/types.js';
import { root } from './root.js';
import { modern } from './v1.js';
import { v2 } from './v2.js';
import { v3 } from './v3.js';
import type { RawRecord } from './wire.js';

/** A server wire format: where to ask, and how to read the answer. */
export interface Generation {
  readonly id: 'v1' | 'v2' | 'v3' | 'root';
  /** Path (with query string) appended to the endpoint URL. */
  path(query: Query): string;
  /** Records from a 200 or 404 body; null = this generation's "not found"; ProtocolError otherwise. */
  parse(status: number, body: unknown, url: string): RawRecord[] | null;
}

/** Picks the wire format from the endpoint's last path segment (`/v1`, `/v2`, `/v3`, none). */
export function generationFor(endpoint: string): Generation {
  const last = new URL(endpoint).pathname.replace(/\/+$/, '').split('/').pop();
  if (last === 'v1') return modern;
  if (last === 'v2') return v2;
  if (last === 'v3') return v3;
  return root;
}
