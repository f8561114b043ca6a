// One request to one endpoint, read in that endpoint's wire format:
// 200/404 are parsed by the generation, 401/403 refuse, anything else fails over.

import { AuthError, HttpStatusError } from '../errors.js';
import type { Query } from '../model/types.js';
import { safeUrl } from '../transport/errors.js';
import type { Transport } from '../transport/http.js';
import { generationFor } from './generation.js';
import { type RawRecord, readJson } from './wire.js';

/** The full request URL for `query` on the endpoint `base`. */
export function queryUrl(base: string, query: Query): string {
  return base.replace(/\/+$/, '') + generationFor(base).path(query);
}

/** Records for `query` from `base`; null = authoritative not found. */
export async function fetchRecords(
  transport: Transport,
  base: string,
  query: Query,
): Promise<RawRecord[] | null> {
  const url = queryUrl(base, query);
  const shown = safeUrl(url);
  const res = await transport.get(url);
  if (res.status === 401 || res.status === 403) {
    throw new AuthError(
      `GET ${shown}: HTTP ${res.status}, the server refused the credentials; check user/password, auth_token or tls_cert`,
    );
  }
  if (res.status !== 200 && res.status !== 404) {
    throw new HttpStatusError(`GET ${shown}: unexpected HTTP ${res.status}`, res.status);
  }
  return generationFor(base).parse(res.status, readJson(res.body, shown), shown);
}
