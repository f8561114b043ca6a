// STNS server 0.x root paths, endpoint with no version suffix (STNS.md §3.4):
// `/user/name/alice` → `{"alice":{...}}`; not found = 404 `{"Error":...}`.

import type { Generation } from './generation.js';
import { fromNameMap, isErrorBody, isObject, legacyPath, wrongShape } from './wire.js';

// A name-keyed map on 200; the `{"Error":...}` body on 404.
function parse(status: number, body: unknown, url: string) {
  if (status === 404) return isErrorBody(body) ? null : wrongShape(url, status, '{"Error":...}');
  if (!isObject(body)) return wrongShape(url, status, 'a map keyed by name');
  return fromNameMap(body, url, status);
}

export const root: Generation = { id: 'root', path: legacyPath, parse };
