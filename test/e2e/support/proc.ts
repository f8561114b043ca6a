// Running commands and daemons so that nothing outlives a test: every child
// gets its own process group and a coreutils `timeout` watchdog, and is
// killed as a group on timeout or stop, even if the test already failed.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a finished command left behind. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  /** The whole environment of the child (nothing is inherited). @default baseEnv() */
  env?: NodeJS.ProcessEnv;
  /** Kill the process group after this long. @default 30000 */
  timeoutMs?: number;
  /** Bytes written to stdin, then closed. @default '' */
  input?: string;
}

/** How long a daemon may live at most, whatever happens to the test process. */
const DAEMON_WATCHDOG_SEC = 170;

/** The minimal environment every child starts from; `extra` is added on top. */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    LC_ALL: 'C',
    ...extra,
  };
}

// Sends a signal to a whole process group, ignoring one that is already gone.
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has already exited.
  }
}

/** Runs a command to completion in its own process group, killed as a group after timeoutMs. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 30000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? baseEnv(),
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup(child.pid, 'SIGKILL');
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    });
  });
}

/** A long-running process started by startDaemon. */
export interface Daemon {
  name: string;
  pid: number;
  /** Everything it printed so far (stdout and stderr interleaved), for failure messages. */
  output(): string;
  /** Whether it has exited. */
  exited(): boolean;
  /** SIGTERM to its group, SIGKILL after graceMs; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

// Keeps the last `limit` characters of a stream for diagnostics.
function collect(child: ChildProcess, limit = 64 * 1024): () => string {
  let text = '';
  const add = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-limit);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

/** Starts a daemon under a `timeout` watchdog in a new process group. */
export function startDaemon(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = baseEnv(),
): Daemon {
  const child = spawn('timeout', ['-k', '5', String(DAEMON_WATCHDOG_SEC), command, ...args], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`cannot start ${name}: ${command} did not spawn`);
  const output = collect(child);
  let gone = false;
  const closed = new Promise<void>((resolve) => {
    child.on('close', () => {
      gone = true;
      resolve();
    });
    child.on('error', () => {
      gone = true;
      resolve();
    });
  });
  const pid = child.pid;
  return {
    name,
    pid,
    output,
    exited: () => gone,
    stop: async (graceMs = 3000) => {
      if (!gone) killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await closed;
      clearTimeout(timer);
      killGroup(pid, 'SIGKILL');
    },
  };
}

/** Polls `ready` every 25 ms until it is true, failing with the daemon's output after timeoutMs. */
export async function waitFor(
  what: string,
  ready: () => boolean | Promise<boolean>,
  timeoutMs = 15000,
  daemon?: Daemon,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    if (daemon?.exited()) break;
    await sleep(25);
  }
  const why = daemon?.exited() ? `${daemon.name} exited` : `timed out after ${timeoutMs} ms`;
  throw new Error(`${what}: ${why}\n${daemon?.output() ?? ''}`);
}

/** True once a path exists (e.g. a socket or pid file). */
export const exists = (path: string) => (): boolean => existsSync(path);
