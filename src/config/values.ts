// Typed readers for TOML values. Each one either returns a checked value or
// throws a one-line ConfigError naming the file, the key, what was found and
// what is allowed. Secret values are never shown.

import { isAbsolute } from 'node:path';
import { ConfigError } from '../errors.js';

/** Where a value came from, for messages. */
export interface KeyContext {
  /** File path (or other label) the text was read from. */
  source: string;
  /** Dotted key as written in the file, e.g. `tls.ca`. */
  key: string;
  /** Never print the value (passwords, tokens, header values). */
  secret?: boolean;
}

const HIDDEN = '<hidden>';
const MAX_SHOWN = 80;

// Messages quote what was found, but briefly, and never a secret.
/** How a bad value appears in a message. */
export function showValue(value: unknown, secret = false): string {
  if (secret) return HIDDEN;
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 4)}..."` : text;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return 'an array';
  if (isTable(value)) return 'a table';
  return String(value);
}

// A URL may carry a proxy password in its userinfo part.
/** `value` shown with any `user:password@` replaced. */
export function showUrl(value: unknown): string {
  if (typeof value !== 'string') return showValue(value);
  return showValue(value.replace(/\/\/[^/?#]*@/, `//${HIDDEN}@`));
}

/** The one-line error every reader throws. */
export function invalid(ctx: KeyContext, expected: string, value: unknown, shown?: string): ConfigError {
  return new ConfigError(
    `${ctx.source}: ${ctx.key} must be ${expected}, got ${shown ?? showValue(value, ctx.secret)}`,
  );
}

/** A TOML table (not an array, not a date). */
export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A whole number in min..max; `expected` says it in words for the message. */
export function readInteger(
  value: unknown,
  ctx: KeyContext,
  min: number,
  max: number,
  expected: string,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(ctx, expected, value);
  }
  return value;
}

/** A TOML boolean; strings like "true" are refused so typos are not silently truthy. */
export function readBoolean(value: unknown, ctx: KeyContext): boolean {
  if (typeof value !== 'boolean') throw invalid(ctx, 'true or false (without quotes)', value);
  return value;
}

// CR, LF and NUL would split an HTTP header or a command line.
const UNSAFE_CHARS = /[\r\n\0]/;

/** A non-empty string without CR, LF or NUL. */
export function readString(value: unknown, ctx: KeyContext): string {
  if (typeof value !== 'string' || value === '') throw invalid(ctx, 'a non-empty string', value);
  if (UNSAFE_CHARS.test(value)) throw invalid(ctx, 'a string without CR, LF or NUL characters', value);
  return value;
}

/** An absolute path. */
export function readAbsolutePath(value: unknown, ctx: KeyContext): string {
  const text = readString(value, ctx);
  if (!isAbsolute(text)) throw invalid(ctx, 'an absolute path (starting with /)', value);
  return text;
}

// sun_path is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH_BYTES = 107;

/** An absolute path short enough to bind a unix socket on. */
export function readSocketPath(value: unknown, ctx: KeyContext): string {
  const text = readAbsolutePath(value, ctx);
  if (Buffer.byteLength(text) > MAX_SOCKET_PATH_BYTES) {
    throw invalid(
      ctx,
      `an absolute path of at most ${MAX_SOCKET_PATH_BYTES} bytes (unix socket limit)`,
      value,
    );
  }
  return text;
}

/** Parses an http(s) URL with a host, or throws naming the key. */
function parseHttpUrl(value: unknown, ctx: KeyContext): URL {
  const expected = 'an http:// or https:// URL with a host, e.g. "https://stns.example.com:1104/v1"';
  if (typeof value !== 'string' || UNSAFE_CHARS.test(value))
    throw invalid(ctx, expected, value, showUrl(value));
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(ctx, expected, value, showUrl(value));
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw invalid(ctx, expected, value, showUrl(value));
  }
  return url;
}

/** An STNS server URL, normalised without trailing slash (the last path segment picks the wire format). */
export function readEndpoint(value: unknown, ctx: KeyContext): string {
  const url = parseHttpUrl(value, ctx);
  if (url.username !== '' || url.password !== '') {
    throw invalid(ctx, 'a URL without user:password@ (set user and password instead)', value, showUrl(value));
  }
  if (url.search !== '' || url.hash !== '') {
    throw invalid(ctx, 'a URL without ?query or #fragment', value, showUrl(value));
  }
  return url.href.replace(/\/+$/, '');
}

/** One endpoint or a non-empty list of them. */
export function readEndpointList(value: unknown, ctx: KeyContext): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid(ctx, 'a URL string or a non-empty array of URL strings', value);
  }
  return list.map((item, index) => readEndpoint(item, { ...ctx, key: `${ctx.key}[${index}]` }));
}

/** A proxy URL; may carry credentials, which stay out of messages. */
export function readProxyUrl(value: unknown, ctx: KeyContext): string {
  return parseHttpUrl(value, ctx).href.replace(/\/+$/, '');
}

/** An array of non-empty strings without CR, LF or NUL. */
export function readStringArray(value: unknown, ctx: KeyContext): string[] {
  if (!Array.isArray(value)) throw invalid(ctx, 'an array of strings, e.g. ["init", "systemd"]', value);
  return value.map((item, index) => readString(item, { ...ctx, key: `${ctx.key}[${index}]` }));
}
