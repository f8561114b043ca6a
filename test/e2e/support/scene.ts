// One test's world in a temp dir: alice's ssh key pair, a real STNS test
// server on 127.0.0.1 serving her public key, a config naming only that
// server, the fallback wrapper the module execs, and the resolver.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { defer, tempDir } from '../../support/cleanup.js';
import { startStnsServer, type TestServer } from '../../support/stns-server.js';
import { CLI, NODE, NSS_DIR } from './paths.js';
import { baseEnv, type Daemon, type RunResult, run, startDaemon, waitFor } from './proc.js';

export interface SceneOptions {
  /** Resolver caching (`cache = false` proves outages are not remembered). @default true */
  cache?: boolean;
  /**
   * `temp`: sockets in the temp dir, handed to the module by env (no namespace needed);
   * `default`: the built-in /run/stns-query paths, for use inside a private namespace.
   * @default 'temp'
   */
  sockets?: 'temp' | 'default';
  /** Server base URL to put in the config instead of the test server's (e.g. a blackhole). */
  endpointBase?: string;
}

/** Everything a test needs, all under `dir`; torn down by the test's after hook. */
export interface Scene {
  dir: string;
  server: TestServer;
  /** Path of the generated config file. */
  config: string;
  /** alice's private key (ed25519, no passphrase) and her public key line. */
  aliceKey: string;
  alicePublicKey: string;
  /** Socket paths the resolver listens on and the module is pointed at. */
  publicSocket: string;
  privateSocket: string;
  /** Executable the module runs when no resolver answers (STNS_QUERY_PATH). */
  queryWrapper: string;
  /** The environment a module-using program needs; `extra` is added on top. */
  moduleEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Runs `node bin/stns-query --config CONFIG ...args`. */
  cli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult>;
  /** The argv (after node) that runs the resolver for this scene. */
  resolverArgs(): string[];
  /** Starts the resolver on the scene's sockets (temp sockets only) and waits until it answers. */
  startResolver(): Promise<Daemon>;
  /** A helper for STNS_QUERY_PATH that logs each argv (one line per exec) and then runs the CLI. */
  loggingHelper(): { path: string; calls(): string[] };
  /** Runs fn when the test ends, before the scene itself is removed (last registered runs first). */
  defer(fn: () => Promise<void> | void): void;
}

/** The built-in socket paths of the module and the resolver. */
export const DEFAULT_PUBLIC_SOCKET = '/run/stns-query/nss.sock';
export const DEFAULT_PRIVATE_SOCKET = '/run/stns-query/private.sock';

/** alice's passwd hash in the test data: a real-looking, unlocked crypt string. */
export const ALICE_HASH = '$6$e2esalt$aliceHashForE2eTestsOnly';

// The users of test/fixtures/users.toml, with alice's freshly generated key.
/** STNS server TOML: alice 1001/2001 (hash, key), bob 1002, dev 2001 (alice,bob), ops 2002 (alice). */
export function stnsData(alicePublicKey: string): string {
  return `[users.alice]
id = 1001
group_id = 2001
directory = "/home/alice"
shell = "/bin/sh"
gecos = "Alice"
keys = [${JSON.stringify(alicePublicKey)}]
password = ${JSON.stringify(ALICE_HASH)}

[users.bob]
id = 1002
group_id = 2001
directory = "/home/bob"
shell = "/bin/sh"
gecos = "Bob"
keys = []
password = "$6$e2esalt$bobHashForE2eTestsOnly"

[groups.dev]
id = 2001
users = ["alice", "bob"]

[groups.ops]
id = 2002
users = ["alice"]
`;
}

// Go-era config naming only 127.0.0.1; no retries or cooldown so an outage ends the moment the server is back.
function configText(endpoint: string, dir: string, cache: boolean, sockets: [string, string] | null): string {
  const lines = [
    `api_end_point = [${JSON.stringify(`${endpoint}/v1`)}]`,
    'request_timeout = 5', // generous: a loaded CI machine starts Node slowly
    'retry_request = 0',
    'endpoint_cooldown = 0',
    `cache = ${cache}`,
    `cache_dir = ${JSON.stringify(join(dir, 'cache'))}`,
    'cache_snapshot = false',
  ];
  if (sockets) {
    lines.push('', '[daemon]', `public_socket = ${JSON.stringify(sockets[0])}`);
    lines.push(`private_socket = ${JSON.stringify(sockets[1])}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A shell script that runs the CLI with this config: what the module and sshd exec. */
export function cliWrapper(config: string, subcommand = ''): string {
  const args = subcommand === '' ? '"$@"' : `${subcommand} "$1"`;
  return `#!/bin/sh\nexec ${NODE} ${CLI} --config ${config} ${args}\n`;
}

/** Generates an ed25519 key pair without passphrase; returns the public key line. */
export async function makeKeyPair(path: string, comment: string): Promise<string> {
  const made = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  if (made.code !== 0) throw new Error(`ssh-keygen ${path} failed: ${made.stderr}`);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** Builds a scene and defers its teardown (processes, server, temp dir), last set up first stopped. */
export async function createScene(t: TestContext, options: SceneOptions = {}): Promise<Scene> {
  const dir = tempDir(t, 'stns-e2e-');
  // The unprivileged half of the shadow test must reach the public socket and the wrapper.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'cache'), { mode: 0o700 });
  const aliceKey = join(dir, 'alice_key');
  const alicePublicKey = await makeKeyPair(aliceKey, 'alice@e2e');
  const server = await startStnsServer({ data: stnsData(alicePublicKey) });
  defer(t, () => server.close());

  const temp = (options.sockets ?? 'temp') === 'temp';
  const publicSocket = temp ? join(dir, 'run', 'nss.sock') : DEFAULT_PUBLIC_SOCKET;
  const privateSocket = temp ? join(dir, 'run', 'private.sock') : DEFAULT_PRIVATE_SOCKET;
  if (temp) mkdirSync(join(dir, 'run'), { mode: 0o755 });
  const config = join(dir, 'libnss_stns.conf');
  const sockets: [string, string] | null = temp ? [publicSocket, privateSocket] : null;
  writeFileSync(config, configText(options.endpointBase ?? server.url, dir, options.cache ?? true, sockets), {
    mode: 0o644,
  });
  const queryWrapper = join(dir, 'stns-query-wrapper');
  writeFileSync(queryWrapper, cliWrapper(config), { mode: 0o755 });

  const resolverArgs = (): string[] => [
    CLI,
    '--config',
    config,
    'serve',
    '--public-socket',
    publicSocket,
    '--private-socket',
    privateSocket,
  ];
  const scene: Scene = {
    dir,
    server,
    config,
    aliceKey,
    alicePublicKey,
    publicSocket,
    privateSocket,
    queryWrapper,
    moduleEnv: (extra = {}) =>
      baseEnv({
        LD_LIBRARY_PATH: NSS_DIR,
        STNS_QUERY_PUBLIC_SOCKET: publicSocket,
        STNS_QUERY_PRIVATE_SOCKET: privateSocket,
        STNS_QUERY_PATH: queryWrapper,
        ...extra,
      }),
    cli: (args, env = baseEnv()) => run(NODE, [CLI, '--config', config, ...args], { env }),
    resolverArgs,
    startResolver: async () => {
      if (!temp) throw new Error('startResolver: a default-socket scene starts its resolver in a namespace');
      const resolver = startDaemon('resolver', NODE, resolverArgs());
      defer(t, () => resolver.stop());
      await waitFor('resolver sockets', () => resolverAnswers(publicSocket), 15000, resolver);
      return resolver;
    },
    loggingHelper: () => {
      const path = join(dir, 'logging-helper');
      const log = join(dir, 'helper-calls.log');
      writeFileSync(log, '', { mode: 0o666 });
      writeFileSync(path, `#!/bin/sh\necho "$*" >> ${log}\nexec ${queryWrapper} "$@"\n`, { mode: 0o755 });
      return {
        path,
        calls: () =>
          readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => line !== ''),
      };
    },
    defer: (fn) => defer(t, fn),
  };
  return scene;
}

/** True once something accepts connections on the unix socket at `path`. */
export function resolverAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
