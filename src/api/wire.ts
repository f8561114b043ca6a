// Helpers shared by the server generation modules: strict JSON decoding and
// the record shapes (name-keyed maps, arrays) the generations use.

import { ProtocolError } from '../errors.js';
import type { Query } from '../model/types.js';

/** One server record as sent, with `name` filled in for generations that key by name. */
export type RawRecord = Record<string, unknown> & { name: unknown };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and parses a JSON body; invalid UTF-8 or JSON (any depth error too) is a ProtocolError. */
export function readJson(body: Uint8Array, url: string): unknown {
  try {
    return JSON.parse(strictUtf8.decode(body));
  } catch (error) {
    throw new ProtocolError(`${url}: response body is not valid UTF-8 JSON`, { cause: error });
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws the ProtocolError every generation uses for a body of the wrong shape. */
export function wrongShape(url: string, status: number, expected: string): never {
  throw new ProtocolError(`${url}: HTTP ${status} body is not ${expected}`);
}

/** Records from a name-keyed map (`{"alice":{...}}`), each gaining its `name`. */
export function fromNameMap(map: Record<string, unknown>, url: string, status: number): RawRecord[] {
  return Object.entries(map).map(([name, attrs]) => {
    if (!isObject(attrs)) wrongShape(url, status, 'a map of objects');
    return { ...attrs, name };
  });
}

/** Records from an array of objects that carry their own `name`. */
export function fromArray(list: unknown[], url: string, status: number): RawRecord[] {
  return list.map((item) => {
    if (!isObject(item)) wrongShape(url, status, 'an array of objects');
    return { ...item, name: item.name };
  });
}

/** `/user/name/x` style paths shared by the 0.x generations. */
export function legacyPath(query: Query): string {
  if (query.by === 'list') return `/${query.kind}/list`;
  if (query.by === 'name') return `/${query.kind}/name/${encodeURIComponent(query.name)}`;
  return `/${query.kind}/id/${query.id}`;
}

/** True for the 0.3+/root not-found body `{"Error":"..."}`. */
export function isErrorBody(body: unknown): boolean {
  return isObject(body) && typeof body.Error === 'string';
}
