// Maps Node/undici failures to the project's error classes, with messages that
// name the (credential-free) URL and the underlying code, never a secret.

import { ConnectError, type EndpointError, TimeoutError, TlsError } from '../errors.js';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const TLS_CODE = /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;

/** The URL without userinfo, for messages and logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}

// The first `code` found along the error's cause chain.
function codeOf(error: unknown): string {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return (error as { code?: string })?.code ?? 'UNKNOWN';
}

// Under TLS 1.3 a server that wants a client certificate rejects it after the
// handshake: the client only sees the socket close, so say what it likely means.
function closedHint(code: string, url: string): string {
  return code === 'UND_ERR_SOCKET' && url.startsWith('https:')
    ? '; the server closed the TLS connection: if it requires a client certificate, set tls_cert and tls_key'
    : '';
}

// undici reports a proxy that answers CONNECT with anything but 200 only in
// its message ("Proxy response (407) !== 200 when HTTP Tunneling").
function proxyStatus(error: unknown): number | undefined {
  const match = /^Proxy response \(([0-9]{3})\)/.exec((error as { message?: unknown })?.message as string);
  return match ? Number(match[1]) : undefined;
}

// What went wrong at the proxy, when one is configured and it was the proxy's fault.
function proxyFailure(error: unknown, where: string): ConnectError | undefined {
  const status = proxyStatus(error);
  if (status === 407) {
    return new ConnectError(`${where}: the proxy wants credentials (407); put user:password in http_proxy`, {
      cause: error,
    });
  }
  if (status !== undefined) {
    return new ConnectError(`${where}: the proxy refused the tunnel (${status})`, { cause: error });
  }
  return undefined;
}

/** A transport failure as TimeoutError, TlsError or ConnectError; `proxy` is config.httpProxy. */
export function mapTransportError(
  error: unknown,
  url: string,
  timeoutMs: number,
  proxy?: string,
): EndpointError {
  const code = codeOf(error);
  const where =
    proxy === undefined ? `GET ${safeUrl(url)}` : `GET ${safeUrl(url)} via proxy ${safeUrl(proxy)}`;
  const atProxy = proxy === undefined ? undefined : proxyFailure(error, where);
  if (atProxy !== undefined) return atProxy;
  if (TIMEOUT_CODES.has(code)) {
    return new TimeoutError(`${where}: no complete answer within ${timeoutMs} ms (${code})`, {
      cause: error,
    });
  }
  if (TLS_CODE.test(code)) {
    return new TlsError(
      `${where}: TLS failed (${code}); check tls_ca / tls_cert / tls_key and the server certificate`,
      {
        cause: error,
      },
    );
  }
  return new ConnectError(`${where}: connection failed (${code})${closedHint(code, url)}`, { cause: error });
}
