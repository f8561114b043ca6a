// The typed configuration every layer reads. Both file dialects
// (Go-era libnss_stns.conf and libnss-stns-v2 client/stns.conf) map onto it.

export interface TlsConfig {
  /** Verify the server certificate. Upstream Go client defaulted to false. @default true */
  verify: boolean;
  /** PEM CA bundle path; when set, only this CA is trusted (pinned). */
  caFile?: string;
  /** PEM client certificate path, presented for TLS client authentication. */
  certFile?: string;
  /** PEM client key path. */
  keyFile?: string;
}

export interface CacheConfig {
  /** Cache in the resident resolver at all. @default true */
  enabled: boolean;
  /** Seconds a found entry is served from cache. @default 600 */
  ttlSec: number;
  /** Seconds a "not found" is served from cache. @default 10 */
  negativeTtlSec: number;
  /** Seconds past expiry a cached entry may still be served while every endpoint is down. @default 86400 */
  maxStaleSec: number;
  /** Directory for the on-disk snapshot (root-owned, 0600). @default "/var/cache/stns-query" */
  dir: string;
  /** Keep a snapshot on disk so a restart during an outage still answers. @default true */
  snapshot: boolean;
}

export interface DaemonConfig {
  /** Socket anyone may use: no password hashes. @default "/run/stns-query/nss.sock" */
  publicSocket: string;
  /** Root-only socket (mode 0600): everything, hashes included. @default "/run/stns-query/private.sock" */
  privateSocket: string;
}

export interface Config {
  /** Absolute path of the file this was read from ('' for built-in defaults). */
  source: string;
  /** Which file dialect the keys were read in. */
  dialect: 'libnss_stns' | 'stns-v2';
  /** Server URLs, tried in order; the last path segment picks the wire format. @default ["http://localhost:1104"] */
  endpoints: string[];
  /** Bound on one whole attempt (connect + headers + body), milliseconds. @default 3000 */
  requestTimeoutMs: number;
  /** Extra rounds over all endpoints after the first fails. @default 1 */
  retryRequest: number;
  /** Seconds an endpoint that timed out is skipped. @default 10 */
  endpointCooldownSec: number;
  /** Largest response body accepted, bytes. @default 33554432 */
  maxResponseBytes: number;
  /** HTTP basic auth, sent when both are set. */
  user?: string;
  password?: string;
  /** Sent as `Authorization: token <value>`. */
  authToken?: string;
  /** Extra headers on every request. */
  headers: Record<string, string>;
  /** Proxy URL for every request. */
  httpProxy?: string;
  tls: TlsConfig;
  /** Added to uids from the server, subtracted from uids in queries. @default 0 */
  uidShift: number;
  /** Added to gids from the server, subtracted from gids in queries. @default 0 */
  gidShift: number;
  /** Lowest uid accepted from the server (after shifting); uid 0 is always refused. @default 1000 */
  minUid: number;
  /** Lowest gid accepted from the server (after shifting); gid 0 is always refused. @default 1000 */
  minGid: number;
  /** Allow listing every user/group (`getent passwd`). @default true */
  enumerate: boolean;
  /** Program the NSS module runs when the resolver is down. @default "/usr/local/bin/stns-query" */
  wrapperPath: string;
  /** Extra key source, run as `<cmd> <user>`; its output is appended to the keys. */
  chainSshWrapper?: string;
  /** Calling programs that get "not found" at once (early-boot guard). */
  bootGuardProcesses: string[];
  cache: CacheConfig;
  daemon: DaemonConfig;
}
