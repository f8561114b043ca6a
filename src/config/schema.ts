// Every key the file may hold, in both dialects, and how it lands on Config.
// One row per setting: a setting with two names (Go-era and libnss-stns-v2)
// is one row, which is how a file naming both is caught.

import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Config } from './types.js';
import {
  invalid,
  isTable,
  type KeyContext,
  readAbsolutePath,
  readBoolean,
  readEndpointList,
  readInteger,
  readProxyUrl,
  readSocketPath,
  readString,
  readStringArray,
} from './values.js';

export type Dialect = Config['dialect'];

/** Which dialect a name belongs to; `both` = shared or one of our own keys. */
export type NameDialect = Dialect | 'both';

/** What the parser keeps besides Config while reading one file. */
export interface ParseState {
  config: Config;
  /** `[cached] enable = true` was set (cache-stnsd delegation, which we do not use). */
  cachedEnabled: boolean;
}

export interface Setting {
  /** Words for conflict messages: "`a` and `b` both set <what>". */
  what: string;
  names: ReadonlyArray<readonly [name: string, dialect: NameDialect]>;
  /** The value is a credential and never appears in a message. */
  secret?: boolean;
  apply(value: unknown, ctx: KeyContext, state: ParseState): void;
}

/** Tables whose keys are settings of their own (`tls.ca`), as opposed to header maps. */
export const SETTING_TABLES: ReadonlySet<string> = new Set(['tls', 'cached', 'daemon']);

const UINT32_MAX_ID = 0xfffffffe;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** A whole number of seconds in min..max. */
const seconds =
  (min: number, max: number, store: (config: Config, value: number) => void) =>
  (value: unknown, ctx: KeyContext, state: ParseState) =>
    store(state.config, readInteger(value, ctx, min, max, `a whole number of seconds from ${min} to ${max}`));

// Relative TLS paths (STNS.md's example uses "keys/ca.pem") are read next to the config file.
/** Absolute form of a path written in the file at `source`. */
export function resolveFromConfig(path: string, source: string): string {
  if (isAbsolute(path)) return path;
  return isAbsolute(source) ? resolve(dirname(source), path) : resolve(path);
}

/** A file path, resolved against the config file's directory. */
const filePath =
  (store: (config: Config, path: string) => void) => (value: unknown, ctx: KeyContext, state: ParseState) =>
    store(state.config, resolveFromConfig(readString(value, ctx), ctx.source));

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// The HTTP client owns these; a configured value would corrupt the request framing.
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

/** A `[request_header]` / `[http_headers]` table: valid names, values never shown. */
export function readHeaders(value: unknown, ctx: KeyContext): Record<string, string> {
  if (!isTable(value)) throw invalid(ctx, 'a table of header names to string values', value);
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [name, headerValue] of Object.entries(value)) {
    const nameCtx: KeyContext = { source: ctx.source, key: `${ctx.key}.${JSON.stringify(name)}` };
    if (!HEADER_NAME.test(name)) throw invalid(nameCtx, 'keyed by a valid HTTP header name', name);
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) throw invalid(nameCtx, 'a header the HTTP client does not manage', name);
    if (seen.has(lower)) throw invalid(nameCtx, 'set once (header names ignore case)', name);
    seen.add(lower);
    const valueCtx: KeyContext = { source: ctx.source, key: `${ctx.key}.${name}`, secret: true };
    if (typeof headerValue !== 'string') {
      throw invalid(valueCtx, 'a string', headerValue);
    }
    if (/[\r\n\0]/.test(headerValue))
      throw invalid(valueCtx, 'a string without CR, LF or NUL characters', headerValue);
    headers[name] = headerValue;
  }
  return headers;
}

/** Credentials: user may not contain ':' (basic auth splits on it). */
function readUser(value: unknown, ctx: KeyContext): string {
  const user = readString(value, ctx);
  if (user.includes(':')) throw invalid(ctx, 'a user name without ":" (HTTP basic auth splits on it)', value);
  return user;
}

/** A program name for the boot guard: what the process calls itself, not a path. */
function readProgramNames(value: unknown, ctx: KeyContext): string[] {
  const names = readStringArray(value, ctx);
  names.forEach((name, index) => {
    if (name.includes('/')) {
      throw invalid(
        { ...ctx, key: `${ctx.key}[${index}]` },
        'a program name without a directory, e.g. "init"',
        name,
      );
    }
  });
  return names;
}

export const SETTINGS: readonly Setting[] = [
  {
    what: 'the server URLs',
    names: [
      ['api_end_point', 'libnss_stns'],
      ['api_endpoint', 'stns-v2'],
    ],
    apply: (v, ctx, s) => {
      s.config.endpoints = readEndpointList(v, ctx);
    },
  },
  {
    what: 'the request timeout',
    names: [['request_timeout', 'both']],
    apply: seconds(1, 300, (c, n) => {
      c.requestTimeoutMs = n * 1000;
    }),
  },
  {
    what: 'the number of retries',
    names: [
      ['retry_request', 'libnss_stns'],
      ['request_retry', 'stns-v2'],
    ],
    apply: (v, ctx, s) => {
      s.config.retryRequest = readInteger(v, ctx, 0, 10, 'a whole number of retries from 0 to 10');
    },
  },
  {
    what: 'how long a failed endpoint is skipped',
    names: [
      ['endpoint_cooldown', 'both'],
      ['request_locktime', 'stns-v2'],
    ],
    apply: seconds(0, 3600, (c, n) => {
      c.endpointCooldownSec = n;
    }),
  },
  {
    what: 'the largest response accepted',
    names: [['max_response_bytes', 'both']],
    apply: (v, ctx, s) => {
      s.config.maxResponseBytes = readInteger(
        v,
        ctx,
        1024,
        1024 ** 3,
        'a whole number of bytes from 1024 to 1073741824',
      );
    },
  },
  {
    what: 'the basic-auth user',
    names: [['user', 'both']],
    apply: (v, ctx, s) => {
      s.config.user = readUser(v, ctx);
    },
  },
  {
    what: 'the basic-auth password',
    names: [['password', 'both']],
    secret: true,
    apply: (v, ctx, s) => {
      s.config.password = readString(v, ctx);
    },
  },
  {
    what: 'the API token',
    names: [['auth_token', 'both']],
    secret: true,
    apply: (v, ctx, s) => {
      s.config.authToken = readString(v, ctx);
    },
  },
  {
    what: 'the extra request headers',
    names: [
      ['request_header', 'libnss_stns'],
      ['http_headers', 'stns-v2'],
    ],
    apply: (v, ctx, s) => {
      s.config.headers = readHeaders(v, ctx);
    },
  },
  {
    what: 'the HTTP proxy',
    names: [['http_proxy', 'both']],
    apply: (v, ctx, s) => {
      s.config.httpProxy = readProxyUrl(v, ctx);
    },
  },
  {
    what: 'server certificate verification',
    names: [['ssl_verify', 'both']],
    apply: (v, ctx, s) => {
      s.config.tls.verify = readBoolean(v, ctx);
    },
  },
  {
    what: 'the CA bundle',
    names: [
      ['tls_ca', 'libnss_stns'],
      ['tls.ca', 'stns-v2'],
    ],
    apply: filePath((c, p) => {
      c.tls.caFile = p;
    }),
  },
  {
    what: 'the client certificate',
    names: [
      ['tls_cert', 'libnss_stns'],
      ['tls.cert', 'stns-v2'],
    ],
    apply: filePath((c, p) => {
      c.tls.certFile = p;
    }),
  },
  {
    what: 'the client key',
    names: [
      ['tls_key', 'libnss_stns'],
      ['tls.key', 'stns-v2'],
    ],
    apply: filePath((c, p) => {
      c.tls.keyFile = p;
    }),
  },
  {
    what: 'the uid shift',
    names: [['uid_shift', 'both']],
    apply: (v, ctx, s) => {
      s.config.uidShift = readInteger(
        v,
        ctx,
        INT32_MIN,
        INT32_MAX,
        'a whole number from -2147483648 to 2147483647',
      );
    },
  },
  {
    what: 'the gid shift',
    names: [['gid_shift', 'both']],
    apply: (v, ctx, s) => {
      s.config.gidShift = readInteger(
        v,
        ctx,
        INT32_MIN,
        INT32_MAX,
        'a whole number from -2147483648 to 2147483647',
      );
    },
  },
  {
    what: 'the lowest uid',
    names: [['min_uid', 'both']],
    apply: (v, ctx, s) => {
      s.config.minUid = readInteger(v, ctx, 1, UINT32_MAX_ID, 'a whole number from 1 to 4294967294');
    },
  },
  {
    what: 'the lowest gid',
    names: [['min_gid', 'both']],
    apply: (v, ctx, s) => {
      s.config.minGid = readInteger(v, ctx, 1, UINT32_MAX_ID, 'a whole number from 1 to 4294967294');
    },
  },
  {
    what: 'enumeration',
    names: [['enumerate', 'both']],
    apply: (v, ctx, s) => {
      s.config.enumerate = readBoolean(v, ctx);
    },
  },
  {
    what: 'the helper program',
    names: [
      ['wrapper_path', 'libnss_stns'],
      ['query_wrapper', 'stns-v2'],
    ],
    apply: (v, ctx, s) => {
      s.config.wrapperPath = readAbsolutePath(v, ctx);
    },
  },
  {
    what: 'the chained ssh key command',
    names: [['chain_ssh_wrapper', 'both']],
    apply: (v, ctx, s) => {
      s.config.chainSshWrapper = readString(v, ctx);
    },
  },
  {
    what: 'the boot guard list',
    names: [['boot_guard_processes', 'both']],
    apply: (v, ctx, s) => {
      s.config.bootGuardProcesses = readProgramNames(v, ctx);
    },
  },
  {
    what: 'caching',
    names: [['cache', 'both']],
    apply: (v, ctx, s) => {
      s.config.cache.enabled = readBoolean(v, ctx);
    },
  },
  {
    what: 'the cache directory',
    names: [['cache_dir', 'both']],
    apply: (v, ctx, s) => {
      s.config.cache.dir = readAbsolutePath(v, ctx);
    },
  },
  {
    what: 'the cache TTL',
    names: [['cache_ttl', 'both']],
    apply: seconds(0, 604800, (c, n) => {
      c.cache.ttlSec = n;
    }),
  },
  {
    what: 'the negative cache TTL',
    names: [['negative_cache_ttl', 'both']],
    apply: seconds(0, 86400, (c, n) => {
      c.cache.negativeTtlSec = n;
    }),
  },
  {
    what: 'how long stale entries are served',
    names: [['cache_max_stale', 'both']],
    apply: seconds(0, 2592000, (c, n) => {
      c.cache.maxStaleSec = n;
    }),
  },
  {
    what: 'the on-disk cache snapshot',
    names: [['cache_snapshot', 'both']],
    apply: (v, ctx, s) => {
      s.config.cache.snapshot = readBoolean(v, ctx);
    },
  },
  {
    what: 'cache-stnsd delegation',
    names: [['cached.enable', 'stns-v2']],
    apply: (v, ctx, s) => {
      s.cachedEnabled = readBoolean(v, ctx);
    },
  },
  {
    what: 'the cache-stnsd socket',
    names: [['cached.unix_socket', 'stns-v2']],
    apply: (v, ctx) => {
      readAbsolutePath(v, ctx);
    },
  },
  {
    what: 'the public resolver socket',
    names: [['daemon.public_socket', 'both']],
    apply: (v, ctx, s) => {
      s.config.daemon.publicSocket = readSocketPath(v, ctx);
    },
  },
  {
    what: 'the private resolver socket',
    names: [['daemon.private_socket', 'both']],
    apply: (v, ctx, s) => {
      s.config.daemon.privateSocket = readSocketPath(v, ctx);
    },
  },
];

/** Name → setting, for every name of every dialect. */
export const SETTING_BY_NAME: ReadonlyMap<string, Setting> = new Map(
  SETTINGS.flatMap((setting) => setting.names.map(([name]) => [name, setting] as const)),
);

/** Names that only libnss-stns-v2 files use, plus auth_token which v2 introduced. */
export const V2_HINT_NAMES: ReadonlySet<string> = new Set([
  ...SETTINGS.flatMap((s) => s.names.filter(([, d]) => d === 'stns-v2').map(([name]) => name)),
  'auth_token',
]);

/** Thrown when a file names one setting twice, once in each dialect. */
export function conflictError(source: string, setting: Setting, present: readonly string[]): ConfigError {
  const [first, second] = present;
  return new ConfigError(
    `${source}: ${first} and ${second} both set ${setting.what}; keep one of them (they are the same setting in two dialects)`,
  );
}
