// Helpers for the CLI tests: run the real bin/stns-query as a child process,
// write a temp config, start the real test STNS server with the fixture users.
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import TOML from '@iarna/toml';
import { startStnsServer, type TestServer, type TestServerOptions } from '../support/stns-server.js';

/** The checkout root (dist/test/cli → ../../..). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The real CLI entry point. */
export const BIN = join(ROOT, 'bin', 'stns-query');
/** The fixture the test server serves. */
export const FIXTURE = join(ROOT, 'test', 'fixtures', 'users.toml');

/** What one CLI run produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Options of one CLI run. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Run this program instead of node (its args are given whole). */
  command?: string;
  /** Kill the child after this long. @default 30000 */
  timeoutMs?: number;
}

/** Runs `node bin/stns-query ...args` (or `command ...args`), collecting output and exit status. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const [command, argv] = options.command ? [options.command, args] : [process.execPath, [BIN, ...args]];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: ROOT,
      env: { ...cleanEnv(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - started,
      });
    });
  });
}

// The test runner's environment minus anything that would steer the CLI elsewhere.
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.STNS_CONFIG;
  delete env.STNS_QUERY_NSS_CHILD;
  delete env.STNS_QUERY_PUBLIC_SOCKET;
  delete env.NODE_OPTIONS;
  return env;
}

/**
 * Writes a Go-dialect config to `dir/libnss_stns.conf` (mode 0600) and returns its path.
 * The resolver sockets point into `dir`, where nothing listens, so lookups go direct.
 */
export function writeConfig(dir: string, body: string, mode = 0o600): string {
  const path = join(dir, 'libnss_stns.conf');
  const daemon = `\n[daemon]\npublic_socket = "${join(dir, 'nss.sock')}"\nprivate_socket = "${join(dir, 'private.sock')}"\n`;
  writeFileSync(path, body + daemon, { mode });
  chmodSync(path, mode);
  return path;
}

/** The fixture's TOML text. */
export function fixtureText(): string {
  return readFileSync(FIXTURE, 'utf8');
}

interface FixtureUser {
  id: number;
  group_id: number;
  directory: string;
  shell: string;
  gecos: string;
  keys: string[];
  password: string;
}
interface FixtureGroup {
  id: number;
  users: string[];
}

/** The fixture parsed, so expectations come from the data the server serves. */
export function fixture(): { users: Record<string, FixtureUser>; groups: Record<string, FixtureGroup> } {
  return TOML.parse(fixtureText()) as unknown as {
    users: Record<string, FixtureUser>;
    groups: Record<string, FixtureGroup>;
  };
}

/** The getent passwd line for a fixture user, composed here independently of format.ts. */
export function expectedPasswd(name: string): string {
  const u = fixture().users[name];
  if (!u) throw new Error(`no user ${name} in ${FIXTURE}`);
  return `${name}:x:${u.id}:${u.group_id}:${u.gecos}:${u.directory}:${u.shell}`;
}

/** The getent group line for a fixture group. */
export function expectedGroup(name: string): string {
  const g = fixture().groups[name];
  if (!g) throw new Error(`no group ${name} in ${FIXTURE}`);
  return `${name}:x:${g.id}:${g.users.join(',')}`;
}

/** Runs the CLI as uid/gid 65534 with no groups; `config` must be readable or not, as the test wants. */
export type NobodyCli = (args: string[], options?: RunOptions) => Promise<CliResult>;

const SETPRIV_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/**
 * The CLI as nobody, or null (with a loud skip of `t`) when uid 65534 cannot
 * run node from this checkout, the one thing such a test cannot fix itself.
 */
export async function cliAsNobody(t: { skip(message: string): void }): Promise<NobodyCli | null> {
  const probe = await runCli(
    [...SETPRIV_NOBODY, process.execPath, '-e', 'require("fs").accessSync(process.argv[1])', BIN],
    {
      command: 'setpriv',
    },
  );
  if (probe.code !== 0) {
    t.skip(`SKIPPED LOUDLY: uid 65534 cannot run node or read ${BIN}: ${probe.stderr.trim()}`);
    return null;
  }
  return (args, options = {}) =>
    runCli([...SETPRIV_NOBODY, process.execPath, BIN, ...args], { ...options, command: 'setpriv' });
}

/** A test server serving the fixture users on 127.0.0.1. */
export function startFixtureServer(options: Omit<TestServerOptions, 'data'> = {}): Promise<TestServer> {
  return startStnsServer({ ...options, data: fixtureText() });
}
