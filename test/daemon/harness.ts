// Shared by the daemon tests: a real STNS server plus a resolver on sockets
// in a temp dir, and a raw unix-socket client that returns exact bytes.

import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../../src/config/types.js';
import { silentLog } from '../../src/daemon/log.js';
import { type Resolver, type ResolverOptions, startResolver } from '../../src/daemon/server.js';
import { defer, tempDir as sharedTempDir } from '../support/cleanup.js';
import { testConfig } from '../support/config.js';
import { startStnsServer, type TestServer } from '../support/stns-server.js';

export const USERS = readFileSync(new URL('../../../test/fixtures/users.toml', import.meta.url), 'utf8');

export interface Harness {
  dir: string;
  server: TestServer;
  config: Config;
  resolver: Resolver;
  publicSocket: string;
  privateSocket: string;
}

type After = { after(fn: () => Promise<void> | void): void };

/** A temp dir removed after the test (after everything deferred later). */
export function tempDir(t: After, prefix = 'stns-daemon-'): string {
  return sharedTempDir(t, prefix);
}

/** The config a resolver in `dir` uses against `url`. */
export function daemonConfig(dir: string, url: string, overrides: Partial<Config> = {}): Config {
  return testConfig({
    endpoints: [`${url}/v1`],
    requestTimeoutMs: 1000,
    retryRequest: 0,
    endpointCooldownSec: 0,
    ...overrides,
    cache: { dir: join(dir, 'cache'), ...overrides.cache } as Config['cache'],
    daemon: { publicSocket: join(dir, 'run', 'nss.sock'), privateSocket: join(dir, 'run', 'private.sock') },
  });
}

/** Starts a test server and a resolver; both are stopped after the test. */
export async function startHarness(
  t: After,
  overrides: Partial<Config> = {},
  options: Partial<ResolverOptions> = {},
): Promise<Harness> {
  const dir = tempDir(t);
  const server = await startStnsServer({ data: USERS });
  defer(t, () => server.close());
  const config = daemonConfig(dir, server.url, overrides);
  const resolver = await startResolver({ config, log: silentLog, ...options });
  defer(t, () => resolver.close({ drainMs: 100 }));
  return {
    dir,
    server,
    config,
    resolver,
    publicSocket: config.daemon.publicSocket,
    privateSocket: config.daemon.privateSocket,
  };
}

/** Writes `request` and returns every byte the resolver sent before closing. */
export function rawExchange(path: string, request: string | Buffer, timeoutMs = 8000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Opens a connection and keeps it idle; resolves once connected. */
export function idleConnection(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}
