// Shared by the NSS tests: builds the C module, runs the C driver against it,
// and plays the resolver (a real unix-socket server) or the exec helper.
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Answer, encodeResponse } from '../../src/daemon/protocol.js';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const nssDir = join(repoRoot, 'nss');
export const moduleSo = join(nssDir, 'libnss_stns.so.2');
export const shortTimeoutSo = join(nssDir, 'build/short-timeout/libnss_stns.so.2');
export const driverBin = join(nssDir, 'build/driver');
/** The short-timeout variant's budget, passed to make. */
export const SHORT_TIMEOUT_MS = 1500;

let built = false;

// make is incremental, so every test file may call this; it runs once per process.
export function buildNss(): void {
  if (built) return;
  execFileSync(
    'make',
    ['-s', '-C', nssDir, 'all', 'driver', 'short-timeout', `SHORT_TIMEOUT_MS=${SHORT_TIMEOUT_MS}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  built = true;
}

/** A request as the fake resolver received it. */
export interface Request {
  op: string;
  arg: string | undefined;
}

/** What the fake resolver does with one request. */
export type Reply = Answer | { raw: Buffer } | 'hang' | 'close';

/** A fake resolver: a real unix-socket server speaking docs/PROTOCOL.md. */
export interface FakeResolver {
  path: string;
  requests: Request[];
  close(): Promise<void>;
}

// Answers each connection's one request line with handler's reply.
function serveOne(socket: Socket, handler: (req: Request) => Reply, requests: Request[]): void {
  let data = '';
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    data += chunk.toString('utf8');
    const newline = data.indexOf('\n');
    if (newline < 0) return;
    const [magic, op = '', arg, ...rest] = data.slice(0, newline).split(' ');
    if (magic !== 'STNS1' || rest.length > 0) {
      socket.end(encodeResponse({ status: 1, lines: ['bad request'] }));
      return;
    }
    const request = { op, arg };
    requests.push(request);
    const reply = handler(request);
    if (reply === 'hang') return;
    if (reply === 'close') socket.destroy();
    else socket.end('raw' in reply ? reply.raw : encodeResponse(reply));
  });
}

// Starts a resolver on `path`; every socket it accepted is destroyed on close.
export async function startResolver(path: string, handler: (req: Request) => Reply): Promise<FakeResolver> {
  const requests: Request[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveOne(socket, handler, requests);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(path, () => done());
  });
  return {
    path,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A temp dir holding socket paths and helper scripts; removed by cleanup(). */
export interface Sandbox {
  dir: string;
  publicSocket: string;
  privateSocket: string;
  noHelper: string;
  cleanup(): Promise<void>;
}

// One sandbox per test file, so tests never touch /run or a real resolver.
export async function makeSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'stns-nss-'));
  return {
    dir,
    publicSocket: join(dir, 'nss.sock'),
    privateSocket: join(dir, 'private.sock'),
    noHelper: join(dir, 'no-such-helper'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

// Writes an executable shell script standing in for `stns-query`.
export async function writeHelper(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

/** What a driver run printed and how it ended. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Extra environment for a run; the sockets default to the sandbox's. */
export type RunEnv = Record<string, string | undefined>;

// Runs a program asynchronously (the fake resolver lives in this process).
export function run(file: string, args: string[], env: RunEnv): Promise<Run> {
  const started = Date.now();
  const cleanEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ PATH: process.env.PATH, ...env }))
    if (value !== undefined) cleanEnv[key] = value;
  return new Promise((done) => {
    execFile(file, args, { env: cleanEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      done({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

// Runs the driver against a module with the sandbox's sockets and helper.
export function runDriver(sandbox: Sandbox, args: string[], env: RunEnv = {}, so = moduleSo) {
  return run(driverBin, [so, ...args], {
    STNS_QUERY_PUBLIC_SOCKET: sandbox.publicSocket,
    STNS_QUERY_PRIVATE_SOCKET: sandbox.privateSocket,
    STNS_QUERY_PATH: sandbox.noHelper,
    ...env,
  });
}

/** A passwd line long enough that 1, 16 and 64 bytes are all too small. */
export const ALICE = 'alice:x:1001:2001:Alice Liddell, Wonderland Dept:/home/alice-in-wonderland:/bin/bash';
/** A group line with members, to exercise the aligned member array. */
export const DEV = 'developers:x:2001:alice,bob,carol,dave-with-a-long-name';

/** A test file's fake resolver: its sandbox, the server, and the reply each test may swap. */
export interface FileResolver {
  readonly sandbox: Sandbox;
  readonly resolver: FakeResolver;
  reply: (req: Request) => Reply;
}

/** Builds the module, a sandbox and a fake resolver before the file's tests; stops both after them. */
export function fakeResolverPerFile(initial: (req: Request) => Reply): FileResolver {
  let sandbox: Sandbox | undefined;
  let resolver: FakeResolver | undefined;
  const file: FileResolver = {
    get sandbox() {
      if (!sandbox) throw new Error('fakeResolverPerFile: used outside a test');
      return sandbox;
    },
    get resolver() {
      if (!resolver) throw new Error('fakeResolverPerFile: used outside a test');
      return resolver;
    },
    reply: initial,
  };
  before(async () => {
    buildNss();
    sandbox = await makeSandbox();
    resolver = await startResolver(sandbox.publicSocket, (req) => file.reply(req));
  });
  after(async () => {
    await resolver?.close();
    await sandbox?.cleanup();
  });
  return file;
}
