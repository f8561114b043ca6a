// STNS server 0.x, endpoint ending in `/v2` (STNS.md §3.2): an envelope
// `{"metadata":{...},"items":{name:{...}}}`; not found = `"items":null`.

import type { Generation } from './generation.js';
import { fromNameMap, isObject, legacyPath, wrongShape } from './wire.js';

// The envelope's items as records; null items is this generation's "not found".
function parse(status: number, body: unknown, url: string) {
  if (!isObject(body) || !isObject(body.metadata) || !('items' in body)) {
    return wrongShape(url, status, 'a {"metadata","items"} envelope');
  }
  if (body.items === null) return null;
  if (status === 404 || !isObject(body.items)) return wrongShape(url, status, 'an envelope with items');
  return fromNameMap(body.items, url, status);
}

export const v2: Generation = { id: 'v2', path: legacyPath, parse };
