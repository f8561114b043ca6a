// A real STNS server for tests: node:http(s) on 127.0.0.1:0 serving all four
// wire generations (STNS.md §3) from TOML, with auth, TLS and injectable faults.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import {
  type Generation,
  type Kind,
  modernReply,
  parseData,
  type Reply,
  rootReply,
  type StnsData,
  unauthorizedBody,
  v2Reply,
  v3Reply,
} from './stns-bodies.js';

/** A misbehaviour applied to every data request until cleared. */
export type Fault =
  | { kind: 'hang' }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'body'; status?: number; body: string | Buffer; headers?: Record<string, string> }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'stall-body' }
  | { kind: 'drip'; bytesPerSec: number }
  | { kind: 'huge'; bytes: number }
  | { kind: 'reset' };

export interface TestServerOptions {
  /** TOML in the STNS server's format (`[users.alice]`, `[groups.dev]`). */
  data?: string;
  /** PEM text or file paths. requireClientCert asks for and verifies a client cert against ca. */
  tls?: { cert: string; key: string; ca?: string; requireClientCert?: boolean };
  /** Basic auth (user+password) and/or `Authorization: token <token>`; either is accepted. */
  auth?: { user?: string; password?: string; token?: string };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface TestServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  setData(toml: string): void;
  setFault(fault: Fault | null): void;
  close(): Promise<void>;
}

type Route =
  | { gen: 'health'; body: string }
  | { gen: Generation; kind: Kind; by: 'name' | 'id' | 'list'; key: string; params: URLSearchParams };

const LEGACY = /^(.*?)(\/v2|\/v3)?\/(user|group)\/(?:(name|id)\/([^/]+)|(list))$/;
const MODERN = /^(.*)\/v1\/(users|groups)$/;

/** Maps a request path (any prefix) to a generation and query. */
export function route(rawUrl: string): Route | null {
  const url = new URL(rawUrl, 'http://x');
  if (url.pathname.endsWith('/status')) return { gen: 'health', body: 'OK' };
  if (url.pathname.endsWith('/healthcheck')) return { gen: 'health', body: 'success' };
  const modern = MODERN.exec(url.pathname);
  if (modern) {
    const kind = modern[2] === 'users' ? 'user' : 'group';
    return { gen: 'v1', kind, by: 'list', key: '', params: url.searchParams };
  }
  const legacy = LEGACY.exec(url.pathname);
  if (!legacy) return null;
  const gen = legacy[2] === '/v2' ? 'v2' : legacy[2] === '/v3' ? 'v3' : 'root';
  const by = legacy[6] ? 'list' : (legacy[4] as 'name' | 'id');
  const key = decodeURIComponent(legacy[5] ?? '');
  return { gen, kind: legacy[3] as Kind, by, key, params: url.searchParams };
}

// The correct answer for a data route.
function answer(data: StnsData, r: Exclude<Route, { gen: 'health' }>): Reply {
  if (r.gen === 'v1') return modernReply(data, r.kind, r.params);
  if (r.gen === 'v2') return v2Reply(data, r.kind, r.by, r.key);
  if (r.gen === 'v3') return v3Reply(data, r.kind, r.by, r.key);
  return rootReply(data, r.kind, r.by, r.key);
}

// Does the Authorization header carry an accepted credential?
function authorized(auth: TestServerOptions['auth'], header: string | undefined): boolean {
  if (!auth) return true;
  if (auth.token !== undefined && header === `token ${auth.token}`) return true;
  if (auth.user !== undefined && auth.password !== undefined) {
    const basic = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    if (header === basic) return true;
  }
  return false;
}

const pem = (value: string): string => (value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8'));

/** Starts a server; close() also destroys open sockets. */
export async function startStnsServer(options: TestServerOptions = {}): Promise<TestServer> {
  let data = parseData(options.data ?? '');
  let fault: Fault | null = null;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const r = route(req.url ?? '/');
    if (r === null) send(res, { status: 404, body: '404 page not found\n', headers: {} });
    else if (r.gen === 'health') send(res, { status: 200, body: r.body, headers: {} });
    else if (!authorized(options.auth, req.headers.authorization)) {
      send(res, {
        status: 401,
        body: unauthorizedBody(r.gen),
        headers: { 'content-type': 'application/json' },
      });
    } else if (fault === null) send(res, answer(data, r));
    else applyFault(fault, req, res, answer(data, r), later);
  };

  const server = options.tls
    ? createHttpsServer(tlsOptions(options.tls), handler)
    : createHttpServer(handler);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    setData: (toml) => {
      data = parseData(toml);
    },
    setFault: (next) => {
      fault = next;
    },
    close: () => closeServer(server, sockets, timers),
  };
}

// node:https options from the test TLS settings.
function tlsOptions(tls: NonNullable<TestServerOptions['tls']>) {
  return {
    cert: pem(tls.cert),
    key: pem(tls.key),
    ...(tls.ca ? { ca: pem(tls.ca) } : {}),
    requestCert: tls.requireClientCert === true,
    rejectUnauthorized: tls.requireClientCert === true,
  };
}

// Writes one complete answer.
function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

// Misbehaves as the fault says; `reply` is what a healthy server would send.
function applyFault(
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  later: (ms: number, fn: () => void) => void,
): void {
  switch (fault.kind) {
    case 'hang':
      break;
    case 'reset':
      req.socket.destroy();
      break;
    case 'status':
      send(res, { status: fault.status, body: fault.body ?? '', headers: fault.headers ?? {} });
      break;
    case 'body': {
      const body = Buffer.isBuffer(fault.body) ? fault.body : Buffer.from(fault.body);
      const headers = {
        'content-type': 'application/json',
        ...fault.headers,
        'content-length': String(body.length),
      };
      res.writeHead(fault.status ?? 200, headers);
      res.end(body);
      break;
    }
    case 'slow':
      later(fault.delayMs, () => send(res, reply));
      break;
    case 'stall-body':
      res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) + 64 });
      res.write(reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2))));
      break;
    case 'drip':
      drip(res, reply, 1000 / fault.bytesPerSec, later);
      break;
    case 'huge':
      streamHuge(res, fault.bytes);
      break;
  }
}

// Sends the real body one byte per interval.
function drip(
  res: ServerResponse,
  reply: Reply,
  intervalMs: number,
  later: (ms: number, fn: () => void) => void,
) {
  const body = Buffer.from(reply.body);
  res.writeHead(reply.status, { ...reply.headers, 'content-length': body.length });
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    res.write(body.subarray(sent, sent + 1));
    sent += 1;
    if (sent >= body.length) res.end();
    else later(intervalMs, next);
  };
  next();
}

// Streams `bytes` bytes of a JSON array of spaces, chunked, honouring backpressure.
function streamHuge(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = Math.max(0, bytes - 2);
  res.write('[');
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(']');
  };
  pump();
}

// Listens on 127.0.0.1:0 and returns the port.
function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

// Stops listening, kills every open socket and pending timer.
function closeServer(server: Server, sockets: Set<Socket>, timers: Set<NodeJS.Timeout>): Promise<void> {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}

/** A 127.0.0.1 URL whose port was bound then closed: connecting is refused. */
export async function refusedUrl(): Promise<string> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A TCP server that accepts and never writes a byte. */
export async function startBlackhole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server, sockets, new Set()) };
}
