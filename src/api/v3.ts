// STNS server 0.3–0.4, endpoint ending in `/v3` (STNS.md §3.3): one object
// for name/id queries, an array for list; not found = 404 `{"Error":...}`.

import type { Generation } from './generation.js';
import { fromArray, isErrorBody, isObject, legacyPath, wrongShape } from './wire.js';

// Records from a 200 body; a 404 must carry the `{"Error":...}` body.
function parse(status: number, body: unknown, url: string) {
  if (status === 404) return isErrorBody(body) ? null : wrongShape(url, status, '{"Error":...}');
  if (Array.isArray(body)) return fromArray(body, url, status);
  if (isObject(body)) return fromArray([body], url, status);
  return wrongShape(url, status, 'an object or array');
}

export const v3: Generation = { id: 'v3', path: legacyPath, parse };
