// The resident resolver: two unix sockets speaking docs/PROTOCOL.md, one
// long-lived StnsClient (warm undici pools) behind the cache, every answer
// made by src/api/resolve.ts so it is byte-identical to the CLI's direct path.

import { createServer, type Server, type Socket } from 'node:net';
import { createClient } from '../api/client.js';
import { parseId, resolve } from '../api/resolve.js';
import type { EndpointHealth, StnsClient } from '../api/types.js';
import {
  type CachedClient,
  type CachedClientOptions,
  type CacheStats,
  createCachedClient,
  type ListKind,
} from '../cache/index.js';
import type { Config } from '../config/types.js';
import { StnsError } from '../errors.js';
import { createLog, type Log, rateLimited } from './log.js';
import {
  type Answer,
  encodeResponse,
  MAX_BODY_BYTES,
  MAX_CONNECTIONS,
  MAX_REQUEST_BYTES,
  PRIVATE_OPS,
  PROTOCOL_MAGIC,
  REQUEST_READ_TIMEOUT_MS,
  RESPONSE_WRITE_TIMEOUT_MS,
  Status,
} from './protocol.js';
import { parseRequest, type Request } from './request.js';
import { listenOnSocket, prepareSocketPath, removeSocketFile } from './socket.js';

export interface ResolverOptions {
  config: Config;
  /** Socket for everyone (mode 0666, no hashes). @default config.daemon.publicSocket */
  publicSocket?: string;
  /** Root-only socket (mode 0600). @default config.daemon.privateSocket */
  privateSocket?: string;
  /** Event log. @default one line per event on stderr */
  log?: Log;
  /** Clock for the cache (tests). @default Date.now */
  now?: () => number;
  /** Extra cache options (snapshot path, entry bound, refresh-ahead). @default {} */
  cache?: Omit<CachedClientOptions, 'log' | 'now'>;
  /** Concurrent connections over both sockets; more are closed at once. @default 512 */
  maxConnections?: number;
  /** Time a client has to send its request line, ms. @default 2000 */
  readTimeoutMs?: number;
  /** Time a client has to take the response, ms. @default 10000 */
  writeTimeoutMs?: number;
  /**
   * Response bytes held for readers that have not taken them yet, over every
   * connection (a Buffer shared by several readers counts once); past it the
   * oldest such connections are cut. @default 33554432 (32 MiB)
   */
  maxQueuedBytes?: number;
}

const DEFAULT_MAX_QUEUED_BYTES = 32 * 1024 * 1024;

/** The `status` op's answer (one JSON line). */
export interface ResolverStatus {
  version: 1;
  pid: number;
  uptimeSec: number;
  configSource: string;
  publicSocket: string;
  privateSocket: string;
  servingStale: boolean;
  connections: { open: number; refused: number; max: number };
  requests: number;
  endpoints: EndpointHealth[];
  cache: CacheStats;
}

export interface Resolver {
  readonly publicSocket: string;
  readonly privateSocket: string;
  /** The configuration currently answered with. */
  readonly config: Config;
  /** The cache currently answering. */
  readonly cache: CachedClient;
  status(): ResolverStatus;
  /** Swaps in a new configuration: new client and cache config, same sockets. */
  reload(config: Config): Promise<void>;
  /** Stops accepting, finishes in-flight requests (bounded), writes the snapshot, removes the sockets. */
  close(options?: { drainMs?: number }): Promise<void>;
}

/** Settings that change what the servers answer: when equal, a reload keeps the cache content. */
const ANSWER_KEYS = [
  'endpoints',
  'uidShift',
  'gidShift',
  'minUid',
  'minGid',
  'enumerate',
  'user',
  'password',
  'authToken',
  'headers',
  'httpProxy',
  'tls',
] as const;

function sameAnswers(a: Config, b: Config): boolean {
  return ANSWER_KEYS.every((key) => JSON.stringify(a[key]) === JSON.stringify(b[key]));
}

/** Starts the resolver on both sockets; rejects if either cannot be bound. */
export async function startResolver(options: ResolverOptions): Promise<Resolver> {
  const resolver = new ResidentResolver(options);
  await resolver.start();
  return resolver;
}

/** One open connection: which socket it came in on, and when it must be done by. */
interface Connection {
  privileged: boolean;
  /** Epoch ms by which the request (or, once answered, the response) must be through. */
  deadline: number;
  /** The request is being answered: later bytes and the end of input are ignored. */
  answered: boolean;
  /** Bytes of a request line split over several reads; null while nothing is buffered. */
  chunks: Buffer[] | null;
  size: number;
  /** The response Buffer being written, counted in the queued-bytes budget until the connection closes. */
  queued: Buffer | null;
}

// The hit path's encoding: the exact bytes encodeResponse() gives for one line, as a string written as UTF-8.
function lineResponse(line: string | null): string {
  if (line === null) return NOT_FOUND_RESPONSE;
  return `${PROTOCOL_MAGIC} ${Status.FOUND} ${Buffer.byteLength(line) + 1}\n${line}\n`;
}

const NOT_FOUND_RESPONSE = `${PROTOCOL_MAGIC} ${Status.NOT_FOUND} 0\n`;

/** The list behind each enumeration op the resolver shares one response of. */
const ENUMERATIONS: Partial<Record<Request['op'], ListKind>> = { getpwent: 'users', getgrent: 'groups' };

// The response of a whole list, as resolve() + encode() give it.
function listResponse(lines: string[]): Buffer {
  return encode({ status: Status.FOUND, lines });
}

class ResidentResolver implements Resolver {
  readonly publicSocket: string;
  readonly privateSocket: string;
  #config: Config;
  #cache: CachedClient;
  readonly #options: ResolverOptions;
  readonly #log: Log;
  readonly #warn: Log;
  readonly #servers: Server[] = [];
  readonly #connections = new Map<Socket, Connection>();
  readonly #readTimeoutMs: number;
  readonly #writeTimeoutMs: number;
  #sweeper: NodeJS.Timeout | undefined;
  // Shared listeners (`this` is the socket): no closures allocated per connection.
  readonly #onData: (this: Socket, chunk: Buffer) => void;
  readonly #onEnd: (this: Socket) => void;
  readonly #onClose: (this: Socket) => void;
  readonly #startedAt = Date.now();
  readonly #max: number;
  readonly #maxQueuedBytes: number;
  /** Response Buffers still being written, with how many connections write each. */
  readonly #queued = new Map<Buffer, number>();
  #queuedBytes = 0;
  #refused = 0;
  #requests = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ResolverOptions) {
    this.#options = options;
    this.#config = options.config;
    this.publicSocket = options.publicSocket ?? options.config.daemon.publicSocket;
    this.privateSocket = options.privateSocket ?? options.config.daemon.privateSocket;
    this.#log = options.log ?? createLog();
    this.#warn = rateLimited(this.#log);
    this.#max = options.maxConnections ?? MAX_CONNECTIONS;
    this.#cache = this.#makeCache(options.config);
    this.#readTimeoutMs = options.readTimeoutMs ?? REQUEST_READ_TIMEOUT_MS;
    this.#writeTimeoutMs = options.writeTimeoutMs ?? RESPONSE_WRITE_TIMEOUT_MS;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    const resolver = this;
    this.#onData = function (this: Socket, chunk: Buffer) {
      resolver.#received(this, chunk);
    };
    this.#onEnd = function (this: Socket) {
      const connection = resolver.#connections.get(this);
      if (connection && !connection.answered)
        resolver.#finish(this, connection, badRequest('request ended before its newline'));
    };
    this.#onClose = function (this: Socket) {
      const connection = resolver.#connections.get(this);
      if (connection?.queued) resolver.#release(connection.queued);
      resolver.#connections.delete(this);
    };
  }

  get config(): Config {
    return this.#config;
  }

  get cache(): CachedClient {
    return this.#cache;
  }

  async start(): Promise<void> {
    await this.#loadSnapshot();
    try {
      await this.#listen(this.publicSocket, 0o666, false);
      await this.#listen(this.privateSocket, 0o600, true);
      this.#startSweeper();
    } catch (error) {
      await this.#shutDownServers();
      await this.#cache.upstream.close();
      throw error;
    }
    this.#log('started', {
      public: this.publicSocket,
      private: this.privateSocket,
      config: this.#config.source || '(defaults)',
      endpoints: this.#config.endpoints.length,
      cache: this.#config.cache.enabled ? 'on' : 'off',
    });
  }

  status(): ResolverStatus {
    const cache = this.#cache.stats();
    return {
      version: 1,
      pid: process.pid,
      uptimeSec: Math.round((Date.now() - this.#startedAt) / 1000),
      configSource: this.#config.source,
      publicSocket: this.publicSocket,
      privateSocket: this.privateSocket,
      servingStale: cache.servingStale,
      connections: { open: this.#connections.size, refused: this.#refused, max: this.#max },
      requests: this.#requests,
      endpoints: this.#cache.endpointHealth(),
      cache,
    };
  }

  async reload(config: Config): Promise<void> {
    const old = this.#cache;
    const next = this.#makeCache(config);
    const kept = sameAnswers(this.#config, config);
    if (kept) next.adoptEntries(old);
    old.stop();
    this.#config = config;
    this.#cache = next;
    // Requests already running on the old client finish before its pools close.
    setTimeout(() => void old.upstream.close().catch(() => {}), RESPONSE_WRITE_TIMEOUT_MS).unref();
    if (
      config.daemon.publicSocket !== this.publicSocket ||
      config.daemon.privateSocket !== this.privateSocket
    )
      this.#log('reload-sockets-unchanged', { reason: 'socket paths change only on restart' });
    this.#log('reloaded', { config: config.source || '(defaults)', cache: kept ? 'kept' : 'emptied' });
  }

  close(options: { drainMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.drainMs ?? 5000);
    return this.#closing;
  }

  async #close(drainMs: number): Promise<void> {
    this.#log('stopping', { open: this.#connections.size });
    const closed = this.#shutDownServers();
    await this.#drain(drainMs);
    clearInterval(this.#sweeper);
    await closed;
    try {
      await this.#cache.close();
    } catch (error) {
      this.#log('close-failed', { error });
    }
    removeSocketFile(this.publicSocket);
    removeSocketFile(this.privateSocket);
    this.#log('stopped');
  }

  #shutDownServers(): Promise<void> {
    const servers = this.#servers.splice(0);
    return Promise.all(
      servers.map(
        (server) => new Promise<void>((done) => (server.listening ? server.close(() => done()) : done())),
      ),
    ).then(() => {});
  }

  // Waits for open connections up to drainMs, then cuts the rest.
  async #drain(drainMs: number): Promise<void> {
    const deadline = Date.now() + drainMs;
    while (this.#connections.size > 0 && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 20));
    for (const socket of this.#connections.keys()) socket.destroy();
  }

  #makeCache(config: Config): CachedClient {
    const client: StnsClient = createClient(config, {
      warn: (message: string) => this.#warn('client-warning', { message }),
    });
    return createCachedClient(client, config.cache, {
      ...this.#options.cache,
      log: this.#log,
      now: this.#options.now,
    });
  }

  async #loadSnapshot(): Promise<void> {
    try {
      const loaded = await this.#cache.loadSnapshot();
      if (loaded > 0) this.#log('snapshot-loaded', { entries: loaded });
    } catch (error) {
      this.#log('snapshot-unusable', { error });
    }
  }

  async #listen(path: string, mode: number, privileged: boolean): Promise<void> {
    await prepareSocketPath(path);
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket, privileged));
    server.on('error', (error) => this.#warn('socket-error', { path, error }));
    this.#servers.push(server);
    await listenOnSocket(server, path, mode);
  }

  #accept(socket: Socket, privileged: boolean): void {
    if (this.#closing !== undefined || this.#connections.size >= this.#max) {
      this.#refused++;
      this.#warn('connection-refused', { open: this.#connections.size, max: this.#max });
      socket.destroy();
      return;
    }
    const deadline = Date.now() + this.#readTimeoutMs;
    this.#connections.set(socket, {
      privileged,
      deadline,
      answered: false,
      chunks: null,
      size: 0,
      queued: null,
    });
    socket.on('close', this.#onClose);
    socket.on('error', destroySelf);
    socket.on('end', this.#onEnd);
    socket.on('data', this.#onData);
  }

  // One timer for every connection's deadline instead of two timers per connection.
  #startSweeper(): void {
    const every = Math.min(250, Math.max(10, Math.min(this.#readTimeoutMs, this.#writeTimeoutMs) / 5));
    this.#sweeper = setInterval(() => this.#sweep(Date.now()), every);
    this.#sweeper.unref();
  }

  // A request not complete in time gets status 1; a response not taken in time is cut off.
  #sweep(now: number): void {
    for (const [socket, connection] of this.#connections) {
      if (connection.deadline > now) continue;
      if (connection.answered) socket.destroy();
      else this.#finish(socket, connection, badRequest('request not complete within 2 seconds'));
    }
  }

  // Collects bytes until the first newline, within the size bound of the protocol.
  #received(socket: Socket, chunk: Buffer): void {
    const connection = this.#connections.get(socket);
    if (connection === undefined || connection.answered) return;
    let data = chunk;
    if (connection.chunks !== null) {
      connection.chunks.push(chunk);
      connection.size += chunk.length;
      data = Buffer.concat(connection.chunks, connection.size);
    }
    const newline = data.indexOf(0x0a);
    if (newline >= 0 && newline < MAX_REQUEST_BYTES)
      this.#respond(socket, connection, data.subarray(0, newline));
    else if (data.length >= MAX_REQUEST_BYTES)
      this.#finish(socket, connection, badRequest(`request longer than ${MAX_REQUEST_BYTES} bytes`));
    else if (connection.chunks === null) {
      connection.chunks = [chunk];
      connection.size = chunk.length;
    }
  }

  // A fresh cache hit is written synchronously; anything else goes through resolve().
  #respond(socket: Socket, connection: Connection, line: Buffer): void {
    this.#requests++;
    const parsed = parseRequest(line);
    if (!parsed.ok) {
      this.#warn('bad-request', { reason: parsed.reason });
      this.#finish(socket, connection, badRequest(parsed.reason));
      return;
    }
    const hit = this.#hit(parsed.request);
    if (hit !== undefined) this.#write(socket, connection, hit);
    else this.#finish(socket, connection, this.#answer(parsed.request, connection.privileged));
  }

  #hit({ op, arg = '' }: Request): string | Buffer | undefined {
    const cache = this.#cache;
    switch (op) {
      case 'getpwnam':
        return this.#lineHit(cache.hitLine('userByName', arg));
      case 'getgrnam':
        return this.#lineHit(cache.hitLine('groupByName', arg));
      case 'getpwuid': {
        const uid = parseId(arg);
        return uid === null ? undefined : this.#lineHit(cache.hitLine('userById', uid));
      }
      case 'getgrgid': {
        const gid = parseId(arg);
        return gid === null ? undefined : this.#lineHit(cache.hitLine('groupById', gid));
      }
      case 'getpwent':
        return cache.encodedList('users', listResponse);
      case 'getgrent':
        return cache.encodedList('groups', listResponse);
      default:
        return undefined;
    }
  }

  #lineHit(line: string | null | undefined): string | undefined {
    return line === undefined ? undefined : lineResponse(line);
  }

  #finish(socket: Socket, connection: Connection, answer: Answer | Promise<Buffer>): void {
    connection.answered = true;
    connection.deadline = Number.POSITIVE_INFINITY;
    socket.pause();
    if (answer instanceof Promise) void answer.then((done) => this.#write(socket, connection, done));
    else this.#write(socket, connection, encode(answer));
  }

  // Writes the whole response, then closes; a peer that does not take it within the bound is dropped.
  #write(socket: Socket, connection: Connection, response: Buffer | string): void {
    if (socket.destroyed) return;
    connection.answered = true;
    connection.deadline = Date.now() + this.#writeTimeoutMs;
    socket.pause();
    // A unix socket write is in the peer's queue once flushed, so closing then loses nothing.
    socket.on('finish', destroySelf);
    if (typeof response === 'string') {
      socket.end(response, 'utf8');
      return;
    }
    connection.queued = response;
    this.#hold(response, socket);
    socket.end(response);
  }

  // Counts `response` in the queued-bytes budget (once however many write it) and cuts the oldest readers past it.
  #hold(response: Buffer, writer: Socket): void {
    const writers = this.#queued.get(response) ?? 0;
    this.#queued.set(response, writers + 1);
    if (writers === 0) this.#queuedBytes += response.length;
    if (this.#queuedBytes <= this.#maxQueuedBytes) return;
    for (const [socket, connection] of this.#connections) {
      if (this.#queuedBytes <= this.#maxQueuedBytes) break;
      if (socket === writer || connection.queued === null) continue;
      this.#warn('slow-reader-dropped', { queuedBytes: this.#queuedBytes, max: this.#maxQueuedBytes });
      this.#release(connection.queued);
      connection.queued = null;
      socket.destroy();
    }
  }

  #release(response: Buffer): void {
    const writers = (this.#queued.get(response) ?? 1) - 1;
    if (writers > 0) {
      this.#queued.set(response, writers);
      return;
    }
    this.#queued.delete(response);
    this.#queuedBytes -= response.length;
  }

  // The response bytes; an enumeration just fetched is answered with the list's shared response.
  async #answer(request: Request, privileged: boolean): Promise<Buffer> {
    let answer: Answer;
    try {
      answer = await this.#dispatch(request, privileged);
    } catch (error) {
      this.#warn('internal-error', { op: request.op, error });
      const message = StnsError.isStnsError(error) ? error.message : 'internal error in the resolver';
      answer = { status: Status.UNAVAILABLE, lines: [message] };
    }
    const list = ENUMERATIONS[request.op];
    const shared =
      list !== undefined && answer.status === Status.FOUND
        ? this.#cache.encodedList(list, listResponse, { countHit: false })
        : undefined;
    return shared ?? encode(answer);
  }

  async #dispatch({ op, arg }: Request, privileged: boolean): Promise<Answer> {
    // Shadow ops go on to resolve(), whose own refusal keeps the text identical to the CLI's.
    if (!privileged && PRIVATE_OPS.has(op) && op !== 'getspnam' && op !== 'getspent')
      return { status: Status.REFUSED, lines: [`${op} is answered on the root-only private socket only`] };
    if (op === 'status') return { status: Status.FOUND, lines: [JSON.stringify(this.status())] };
    if (op === 'cache-clear') {
      const removed = this.#cache.clear(arg);
      this.#log('cache-cleared', { key: arg ?? '(all)', entries: removed });
      return { status: Status.FOUND, lines: [] };
    }
    return resolve(this.#cache, op, arg, { privileged });
  }
}

// The response bytes of `answer`, or status 69 when it would break the body bound.
function encode(answer: Answer): Buffer {
  const response = encodeResponse(answer);
  if (response.length <= MAX_BODY_BYTES + 64) return response;
  return encodeResponse({
    status: Status.UNAVAILABLE,
    lines: ['answer larger than the 64 MiB protocol bound'],
  });
}

// Shared 'error' / 'finish' listener: the socket is done with.
function destroySelf(this: Socket): void {
  this.destroy();
}

function badRequest(reason: string): Answer {
  return { status: Status.BAD_REQUEST, lines: [reason] };
}
