// The exact bodies each STNS server generation sends (STNS.md §3), built from
// TOML data in the STNS server's own format. Values pass through unchanged,
// so hostile data in the TOML reaches the client as the server would send it.

import { parse } from '@iarna/toml';

export type Generation = 'v1' | 'v2' | 'v3' | 'root';
export type Kind = 'user' | 'group';
type Rec = Record<string, unknown>;

/** Users and groups keyed by name, in file order. */
export interface StnsData {
  users: Map<string, Rec>;
  groups: Map<string, Rec>;
}

/** One HTTP answer. */
export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** Parses `[users.NAME]` / `[groups.NAME]` tables. */
export function parseData(toml: string): StnsData {
  const doc = parse(toml) as Record<string, Record<string, Rec> | undefined>;
  return {
    users: new Map(Object.entries(doc.users ?? {})),
    groups: new Map(Object.entries(doc.groups ?? {})),
  };
}

const pick = (rec: Rec, key: string, unset: unknown): unknown => (key in rec ? rec[key] : unset);

// The attributes of a user or group as the 0.x servers name them.
function attributes(kind: Kind, rec: Rec): Rec {
  if (kind === 'group') return { id: pick(rec, 'id', 0), users: pick(rec, 'users', null) };
  return {
    id: pick(rec, 'id', 0),
    password: pick(rec, 'password', ''),
    group_id: pick(rec, 'group_id', 0),
    directory: pick(rec, 'directory', ''),
    shell: pick(rec, 'shell', ''),
    gecos: pick(rec, 'gecos', ''),
    keys: pick(rec, 'keys', null),
  };
}

/** A modern (/v1) record: name right after id. */
export function modernRecord(kind: Kind, name: string, rec: Rec): Rec {
  const { id, ...rest } = attributes(kind, rec);
  return { id, name, ...rest };
}

// v2/root record: attributes plus the link field.
function legacyRecord(kind: Kind, rec: Rec): Rec {
  return { ...attributes(kind, rec), [kind === 'user' ? 'link_users' : 'link_groups']: null };
}

// v3 record: name inside, plus the generation's extra field.
function v3Record(kind: Kind, name: string, rec: Rec): Rec {
  const extra = kind === 'user' ? { setup_commands: null } : { link_groups: null };
  return { ...modernRecord(kind, name, rec), ...extra };
}

const json = { 'content-type': 'application/json' };
const notFoundV3 = '{"Error":"Resource not found"}';

/** The entries a name/id/list query selects. */
export function select(
  data: StnsData,
  kind: Kind,
  by: 'name' | 'id' | 'list',
  key: string,
): Array<[string, Rec]> {
  const all = [...(kind === 'user' ? data.users : data.groups)];
  if (by === 'list') return all;
  if (by === 'name') return all.filter(([name]) => name === key);
  return all.filter(([, rec]) => String(rec.id) === key);
}

// Lowest and highest numeric id of one kind.
function idRange(data: StnsData, kind: Kind): [number, number] {
  const ids = [...(kind === 'user' ? data.users : data.groups).values()]
    .map((rec) => rec.id)
    .filter((id): id is number => typeof id === 'number');
  return ids.length === 0 ? [0, 0] : [Math.min(...ids), Math.max(...ids)];
}

/** /v1/users?name=|id= and list: a JSON array; 404 `{}`; 400 for a bad id. */
export function modernReply(data: StnsData, kind: Kind, params: URLSearchParams): Reply {
  const [low, high] = idRange(data, kind);
  const prefix = kind === 'user' ? 'User' : 'Group';
  const headers = { ...json, [`${prefix}-Highest-Id`]: String(high), [`${prefix}-Lowest-Id`]: String(low) };
  const name = params.get('name');
  const id = params.get('id');
  if (name === null && id !== null && !/^[0-9]+$/.test(id)) {
    return { status: 400, body: '{"message":"Bad Request"}', headers: json };
  }
  const by = name !== null ? 'name' : id !== null ? 'id' : 'list';
  const hits = select(data, kind, by, name ?? id ?? '');
  if (hits.length === 0 && by !== 'list') return { status: 404, body: '{}', headers };
  return { status: 200, body: JSON.stringify(hits.map(([n, r]) => modernRecord(kind, n, r))), headers };
}

/** /v2/...: the pretty-printed envelope; 404 with `"items":null`. */
export function v2Reply(data: StnsData, kind: Kind, by: 'name' | 'id' | 'list', key: string): Reply {
  const hits = select(data, kind, by, key);
  const items =
    hits.length === 0 ? null : Object.fromEntries(hits.map(([n, r]) => [n, legacyRecord(kind, r)]));
  const envelope = {
    metadata: { api_version: 2.1, result: 'success', min_id: idRange(data, kind)[0] },
    items,
  };
  return { status: items === null ? 404 : 200, body: JSON.stringify(envelope, null, 2), headers: json };
}

/** /v3/...: one object (name/id) or an array (list); 404 `{"Error":"Resource not found"}`. */
export function v3Reply(data: StnsData, kind: Kind, by: 'name' | 'id' | 'list', key: string): Reply {
  const hits = select(data, kind, by, key).map(([n, r]) => v3Record(kind, n, r));
  if (by === 'list') return { status: 200, body: JSON.stringify(hits), headers: json };
  if (hits.length > 0) return { status: 200, body: JSON.stringify(hits[0]), headers: json };
  const [low, high] = idRange(data, kind);
  const idHeaders: Record<string, string> =
    by === 'id' ? { 'Stns-Min-Id': String(low), 'Stns-Max-Id': String(high) } : {};
  return { status: 404, body: notFoundV3, headers: { ...json, ...idHeaders } };
}

/** Root paths (`/user/name/X`): a map keyed by name; 404 `{"Error":"Resource not found"}`. */
export function rootReply(data: StnsData, kind: Kind, by: 'name' | 'id' | 'list', key: string): Reply {
  const hits = select(data, kind, by, key);
  if (hits.length === 0 && by !== 'list') return { status: 404, body: notFoundV3, headers: json };
  const map = Object.fromEntries(hits.map(([n, r]) => [n, legacyRecord(kind, r)]));
  return { status: 200, body: JSON.stringify(map), headers: json };
}

/** The 401 body of each generation. */
export function unauthorizedBody(gen: Generation): string {
  return gen === 'v1' ? '{"message":"Unauthorized"}' : '{"Error":"Not Authorized"}';
}
