// The one HTTP client: lazy-loaded undici (start-up cost matters to the CLI),
// one keep-alive Agent (or ProxyAgent) per config, pinned TLS, auth headers,
// a timer bounding the whole attempt, and a streaming body cap.

import { readFileSync } from 'node:fs';
import type { Dispatcher } from 'undici';
import type { Config } from '../config/types.js';
import { ConfigError, ProtocolError, StnsError, TimeoutError } from '../errors.js';
import { mapTransportError, safeUrl } from './errors.js';

/** A complete HTTP answer; redirects are not followed. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export interface Transport {
  /** GET `url`; throws TimeoutError, ConnectError, TlsError or ProtocolError (body too large). */
  get(url: string): Promise<HttpResponse>;
  close(): Promise<void>;
}

// Reads a PEM file named by a config key, or throws a ConfigError naming it.
function readPem(path: string | undefined, key: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${key} file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

// TLS options for every connection: a set caFile replaces the system roots.
function tlsOptions(config: Config) {
  const ca = readPem(config.tls.caFile, 'tls_ca');
  const cert = readPem(config.tls.certFile, 'tls_cert');
  const key = readPem(config.tls.keyFile, 'tls_key');
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: config.tls.verify,
  };
}

/** Headers sent on every request: config.headers, then auth (which wins). */
export function requestHeaders(config: Config): Record<string, string> {
  const headers: Record<string, string> = { ...config.headers, accept: 'application/json' };
  if (config.user !== undefined && config.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${config.user}:${config.password}`).toString('base64')}`;
  }
  if (config.authToken !== undefined) headers.authorization = `token ${config.authToken}`;
  return headers;
}

// The dispatcher for this config, created on first use.
async function makeDispatcher(config: Config): Promise<Dispatcher> {
  const undici = await import('undici');
  const tls = tlsOptions(config);
  const timeouts = {
    headersTimeout: config.requestTimeoutMs,
    bodyTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 4000,
  };
  const connect = { ...tls, timeout: config.requestTimeoutMs };
  if (config.httpProxy) {
    return new undici.ProxyAgent({ uri: config.httpProxy, requestTls: tls, proxyTls: connect, ...timeouts });
  }
  return new undici.Agent({ connect, ...timeouts });
}

// Reads the body, aborting once it passes `max` bytes. With a Content-Length, each chunk is copied
// into one buffer of that size as it arrives and dropped at once, instead of every chunk
// being held until a final concat (which needs the body's size twice over, at its peak).
async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  max: number,
  url: string,
  declared: number | undefined,
): Promise<Uint8Array> {
  const tooLarge = () => {
    body.destroy();
    return new ProtocolError(`GET ${safeUrl(url)}: response body exceeds max_response_bytes (${max})`);
  };
  if (declared !== undefined && declared > max) throw tooLarge();
  const whole = declared !== undefined && declared > 0 ? Buffer.allocUnsafeSlow(declared) : undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > max) throw tooLarge();
    if (whole !== undefined && size + chunk.length <= whole.length) whole.set(chunk, size);
    else chunks.push(chunk);
    size += chunk.length;
  }
  if (whole === undefined) return Buffer.concat(chunks, size);
  if (chunks.length === 0) return whole.subarray(0, size);
  return Buffer.concat([whole.subarray(0, size - sumOf(chunks)), ...chunks], size);
}

function sumOf(chunks: Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return total;
}

// The Content-Length header as a byte count, when the server sent a usable one.
function declaredLength(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['content-length'];
  if (typeof value !== 'string' || !/^[0-9]{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** A transport for `config`; nothing is loaded or connected until the first get(). */
export function createTransport(config: Config): Transport {
  let dispatcher: Promise<Dispatcher> | undefined;
  const headers = requestHeaders(config);
  const timeoutMs = config.requestTimeoutMs;

  // One attempt, bounded as a whole by an abort timer.
  async function get(url: string): Promise<HttpResponse> {
    dispatcher ??= makeDispatcher(config);
    const agent = await dispatcher;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const { request } = await import('undici');
      const res = await request(url, {
        method: 'GET',
        headers,
        dispatcher: agent,
        signal: controller.signal,
      });
      const declared = declaredLength(res.headers);
      const body = await readCapped(res.body, config.maxResponseBytes, url, declared);
      return { status: res.statusCode, headers: res.headers, body };
    } catch (error) {
      if (controller.signal.aborted) {
        throw new TimeoutError(`GET ${safeUrl(url)}: no complete answer within ${timeoutMs} ms`, {
          cause: error,
        });
      }
      if (StnsError.isStnsError(error)) throw error;
      throw mapTransportError(error, url, timeoutMs, config.httpProxy);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    get,
    async close() {
      if (dispatcher) await (await dispatcher).destroy();
    },
  };
}
