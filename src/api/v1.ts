// Modern STNS server (v1.0+ / v2.x), endpoint ending in `/v1` (STNS.md §3.1):
// `/users?name=`, `?id=`, list; always a JSON array; not found = 404 `{}`.

import type { Query } from '../model/types.js';
import type { Generation } from './generation.js';
import { fromArray, isObject, wrongShape } from './wire.js';

// `/users?name=alice`, `/groups?id=2001`, `/users`.
function path(query: Query): string {
  const base = query.kind === 'user' ? '/users' : '/groups';
  if (query.by === 'list') return base;
  if (query.by === 'name') return `${base}?name=${encodeURIComponent(query.name)}`;
  return `${base}?id=${query.id}`;
}

// 200: an array of records; 404: exactly `{}`.
function parse(status: number, body: unknown, url: string) {
  if (status === 404) {
    if (isObject(body) && Object.keys(body).length === 0) return null;
    return wrongShape(url, status, '{}');
  }
  if (!Array.isArray(body)) return wrongShape(url, status, 'a JSON array');
  return fromArray(body, url, status);
}

export const modern: Generation = { id: 'v1', path, parse };
