// A private mount namespace for tests that need the real /etc/nsswitch.conf
// path (sshd, nscd): the generated nsswitch.conf is bind-mounted over it and
// a tmpfs covers /run, so the machine's own /etc and /run are never touched.
// A holder process keeps the namespace alive; every command and daemon
// enters it with nsenter and is stopped when the test ends.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE, NSS_MODULE } from './paths.js';
import { baseEnv, type Daemon, type RunOptions, type RunResult, run, startDaemon, waitFor } from './proc.js';
import { resolverAnswers, type Scene } from './scene.js';

/** Private directory inside the namespace's /run: root-owned, 0755 all the way up (sshd's rules). */
export const NS_DIR = '/run/stns-e2e';
/** The module copy inside the namespace, for LD_LIBRARY_PATH. */
export const NS_LIB = `${NS_DIR}/lib`;
/** The AuthorizedKeysCommand wrapper inside the namespace. */
export const NS_KEYS_COMMAND = `${NS_DIR}/keys`;

/** `passwd: files stns` and friends; hosts from files only, so nothing asks DNS. */
export const NSSWITCH = `passwd: files stns
group: files stns
shadow: files stns
hosts: files
`;

export interface Namespace {
  /** Pid of the holder process; /proc/<pid>/root shows the namespace's view. */
  pid: number;
  /** The host path under which `path` inside the namespace is visible. */
  path(inside: string): string;
  /** Runs a command inside the namespace to completion. */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Starts a daemon inside the namespace; stopped when the namespace closes. */
  spawn(name: string, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Daemon;
  /** The environment of a module-using program inside the namespace. */
  moduleEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

// Mounts, private files, then the holder sleeps; argv: nsswitch file, module, keys wrapper.
// -n everywhere: without it libmount creates its utab directory /run/mount on
// the host's /run before the tmpfs covers it.
const SETUP_SCRIPT = `set -eu
mount -n --make-rprivate /
mount -n -t tmpfs -o mode=0755,size=64m stns-e2e-run /run
mount -n --bind "$1" /etc/nsswitch.conf
mkdir -m 0755 /run/sshd /run/nscd ${NS_DIR} ${NS_LIB}
install -o root -g root -m 0644 "$2" ${NS_LIB}/libnss_stns.so.2
install -o root -g root -m 0755 "$3" ${NS_KEYS_COMMAND}
echo "namespace-ready $$"
exec sleep 170
`;

/** What the host must still look like after the namespace is gone. */
interface HostSnapshot {
  nsswitch: Buffer;
  run: string[];
}

// Reads the host state the namespace must not change.
function snapshotHost(): HostSnapshot {
  return { nsswitch: readFileSync('/etc/nsswitch.conf'), run: readdirSync('/run').sort() };
}

// Fails the test when the host's /etc/nsswitch.conf or /run changed.
function assertHostUntouched(before: HostSnapshot): void {
  assert.ok(
    readFileSync('/etc/nsswitch.conf').equals(before.nsswitch),
    'host /etc/nsswitch.conf changed during the test',
  );
  assert.equal(existsSync(NS_DIR), false, `host ${NS_DIR} exists: the tmpfs leaked out of the namespace`);
  assert.deepEqual(readdirSync('/run').sort(), before.run, 'the host /run changed during the test');
}

/**
 * Opens a namespace for `scene`: `keysCommand` is the script text sshd will run as
 * AuthorizedKeysCommand. Registers teardown (daemons, holder, host check) on the scene.
 */
export async function openNamespace(scene: Scene, keysCommand: string): Promise<Namespace> {
  const before = snapshotHost();
  const files = {
    setup: join(scene.dir, 'ns-setup.sh'),
    nsswitch: join(scene.dir, 'nsswitch.conf'),
    module: join(scene.dir, 'libnss_stns.so.2'),
    keys: join(scene.dir, 'keys-command'),
  };
  writeFileSync(files.setup, SETUP_SCRIPT);
  writeFileSync(files.nsswitch, NSSWITCH, { mode: 0o644 });
  copyFileSync(NSS_MODULE, files.module);
  writeFileSync(files.keys, keysCommand, { mode: 0o755 });

  const daemons: Daemon[] = [];
  const holder = startDaemon('namespace holder', 'unshare', [
    '-m',
    '--propagation',
    'private',
    'sh',
    files.setup,
    files.nsswitch,
    files.module,
    files.keys,
  ]);
  scene.defer(() => assertHostUntouched(before));
  scene.defer(() => holder.stop());
  scene.defer(async () => {
    for (const daemon of daemons.reverse()) await daemon.stop();
  });
  let pid = 0;
  await waitFor(
    'namespace setup',
    () => {
      const match = /namespace-ready (\d+)/.exec(holder.output());
      pid = match ? Number(match[1]) : 0;
      return pid > 0;
    },
    10000,
    holder,
  );
  const enter = (command: string, args: readonly string[]): string[] => [
    '-t',
    String(pid),
    '-m',
    '--',
    command,
    ...args,
  ];
  return {
    pid,
    path: (inside) => `/proc/${pid}/root${inside}`,
    run: (command, args, options) => run('nsenter', enter(command, args), options),
    spawn: (name, command, args, env = baseEnv()) => {
      const daemon = startDaemon(name, 'nsenter', enter(command, args), env);
      daemons.push(daemon);
      return daemon;
    },
    moduleEnv: (extra = {}) =>
      baseEnv({ LD_LIBRARY_PATH: NS_LIB, STNS_QUERY_PATH: scene.queryWrapper, ...extra }),
  };
}

/** Starts the scene's resolver inside the namespace on the default sockets and waits until it answers. */
export async function startNamespaceResolver(ns: Namespace, scene: Scene): Promise<Daemon> {
  const resolver = ns.spawn('resolver', NODE, scene.resolverArgs());
  await waitFor(
    'resolver in the namespace',
    () => resolverAnswers(ns.path(scene.publicSocket)),
    15000,
    resolver,
  );
  return resolver;
}
