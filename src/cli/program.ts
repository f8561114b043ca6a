// The command line: commander declares every command and flag and turns argv
// into one Invocation value. Parsing runs nothing; `runInvocation` then
// lazy-imports only the module the command needs, so `--version` and the
// boot guard load almost nothing (no undici, no TOML parser).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { parseId } from '../api/resolve.js';
import type { Op } from '../daemon/protocol.js';
import { UsageError } from '../errors.js';
import { loadCliConfig } from './load-config.js';

/** Flags every command accepts. */
export interface GlobalOptions {
  /** Config file; when absent, loadConfig honours STNS_CONFIG and then the default paths. */
  config?: string;
  /** Print a JSON array instead of getent lines. @default false */
  json: boolean;
  /**
   * Write a lookup's answer as a resolver response (docs/PROTOCOL.md) instead of
   * lines: what the NSS module execs us with, so it reads the socket and the
   * fallback alike and never depends on our exit status. Present only when set.
   */
  framed?: true;
}

/** What argv asks for, before anything runs. */
export type Invocation =
  | { command: 'lookup'; op: Op; arg?: string; global: GlobalOptions }
  | { command: 'keys'; user: string; global: GlobalOptions }
  | { command: 'check'; global: GlobalOptions }
  | { command: 'serve'; publicSocket?: string; privateSocket?: string; global: GlobalOptions }
  | { command: 'status'; global: GlobalOptions }
  | { command: 'cache-clear'; key?: string; global: GlobalOptions }
  | { command: 'output'; stdout: string; stderr: string; exitCode: number };

/** The protocol ops the NSS module execs us with, as `stns-query <op> [arg]`. */
const OP_COMMANDS: ReadonlyArray<[Op, string, string]> = [
  ['getpwnam', '<name>', 'passwd line of the user NAME'],
  ['getpwuid', '<uid>', 'passwd line of the user with id UID'],
  ['getpwent', '', 'every passwd line'],
  ['getgrnam', '<name>', 'group line of the group NAME'],
  ['getgrgid', '<gid>', 'group line of the group with id GID'],
  ['getgrent', '', 'every group line'],
  ['getspnam', '<name>', 'shadow line of the user NAME (root only)'],
  ['getspent', '', 'every shadow line (root only)'],
  ['initgroups', '<user>', 'gid of every group listing USER, one per line'],
];

/** The package version, read from package.json next to dist/ (no JSON import needed). */
export function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

// `passwd KEY` style: a purely numeric key is an id (as getent), no key lists everything.
function databaseOp(key: string | undefined, byName: Op, byId: Op | null, list: Op): Op {
  if (key === undefined) return list;
  return byId !== null && parseId(key) !== null ? byId : byName;
}

// The global flags as the action sees them, whatever position they were given in.
function globalsOf(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals<{ config?: string; json?: boolean; framed?: boolean }>();
  const global: GlobalOptions = { json: opts.json === true };
  if (opts.config !== undefined) global.config = opts.config;
  if (opts.framed === true) global.framed = true;
  return global;
}

// A lookup invocation; `arg` absent (not undefined) when there is none, so tables compare exactly.
function lookupOf(op: Op, arg: string | undefined, command: Command): Invocation {
  const global = globalsOf(command);
  return arg === undefined ? { command: 'lookup', op, global } : { command: 'lookup', op, arg, global };
}

type Found = (invocation: Invocation) => void;

// `passwd|group|shadow [key]` and the protocol ops the NSS module execs us with.
function declareLookups(program: Command, found: Found): void {
  program
    .command('passwd [key]')
    .description('passwd line(s): by name, by uid when KEY is numeric, every user without KEY')
    .action((key: string | undefined, _o, command: Command) =>
      found(lookupOf(databaseOp(key, 'getpwnam', 'getpwuid', 'getpwent'), key, command)),
    );
  program
    .command('group [key]')
    .description('group line(s): by name, by gid when KEY is numeric, every group without KEY')
    .action((key: string | undefined, _o, command: Command) =>
      found(lookupOf(databaseOp(key, 'getgrnam', 'getgrgid', 'getgrent'), key, command)),
    );
  program
    .command('shadow [name]')
    .description(
      'shadow line(s), root only: by name (as getent, a numeric key is a name), every user without NAME',
    )
    .action((name: string | undefined, _o, command: Command) =>
      found(lookupOf(databaseOp(name, 'getspnam', null, 'getspent'), name, command)),
    );
  for (const [op, arg, description] of OP_COMMANDS) {
    const sub = program.command(arg === '' ? op : `${op} ${arg}`).description(description);
    if (arg === '') sub.action((_o, command: Command) => found(lookupOf(op, undefined, command)));
    else sub.action((value: string, _o, command: Command) => found(lookupOf(op, value, command)));
  }
}

// Declares every command; each action only records what was asked into `found`.
function buildProgram(found: Found): Command {
  const program = new Command('stns-query')
    .description('Look up STNS users, groups and ssh keys, printing getent-exact lines')
    .option('--config <path>', 'configuration file (default: $STNS_CONFIG, then /etc/stns/libnss_stns.conf)')
    .option('--json', 'print a JSON array instead of getent lines')
    .option('--framed', 'answer lookups in the resolver protocol (what the NSS module reads)')
    .version(packageVersion(), '-V, --version');
  declareLookups(program, found);
  program
    .command('keys <user>')
    .description("USER's ssh public keys, one per line, then the chain_ssh_wrapper output (for sshd)")
    .action((user: string, _o, command: Command) =>
      found({ command: 'keys', user, global: globalsOf(command) }),
    );
  program
    .command('check')
    .description('validate the configuration and probe every endpoint (health, TLS, auth)')
    .action((_o, command: Command) => found({ command: 'check', global: globalsOf(command) }));
  program
    .command('serve')
    .description('run the resident resolver on its unix sockets')
    .option('--public-socket <path>', 'socket for everyone (no password hashes)')
    .option('--private-socket <path>', 'root-only socket (everything)')
    .action((flags: { publicSocket?: string; privateSocket?: string }, command: Command) =>
      found({ command: 'serve', ...flags, global: globalsOf(command) }),
    );
  program
    .command('status')
    .description("the resident resolver's endpoints, cache and uptime")
    .action((_o, command: Command) => found({ command: 'status', global: globalsOf(command) }));
  program
    .command('cache')
    .description("control the resident resolver's cache")
    .command('clear [key]')
    .description('drop every cached entry, or only those for KEY')
    .action((key: string | undefined, _o, command: Command) =>
      found(
        key === undefined
          ? { command: 'cache-clear', global: globalsOf(command) }
          : { command: 'cache-clear', key, global: globalsOf(command) },
      ),
    );
  return program;
}

// Makes commander (and its subcommands) throw instead of exiting, and write into buffers.
function captureOutput(program: Command, out: { stdout: string; stderr: string }): void {
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({
      writeOut: (text) => {
        out.stdout += text;
      },
      writeErr: (text) => {
        out.stderr += text;
      },
      outputError: () => {},
    });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
}

/**
 * Turns the user's arguments (argv without node and script) into one Invocation.
 * Pure: runs nothing. Help and version come back as an `output` invocation;
 * a usage error throws UsageError with commander's one-line message.
 */
export function parseArgs(argv: readonly string[]): Invocation {
  let invocation: Invocation | undefined;
  const out = { stdout: '', stderr: '' };
  const program = buildProgram((found) => {
    invocation = found;
  });
  captureOutput(program, out);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (out.stdout !== '' || out.stderr !== '')
      return { command: 'output', ...out, exitCode: error.exitCode };
    throw new UsageError(error.message.replace(/^error: /, ''), { cause: error });
  }
  if (invocation === undefined) throw new UsageError('no command given (try --help)');
  return invocation;
}

/** Runs what argv asked for; resolves to the exit code. Each command's module is imported only now. */
export async function runInvocation(invocation: Invocation): Promise<number> {
  switch (invocation.command) {
    case 'output':
      process.stdout.write(invocation.stdout);
      process.stderr.write(invocation.stderr);
      return invocation.exitCode;
    case 'lookup':
      return (await import('./lookup.js')).runLookup(invocation.op, invocation.arg, invocation.global);
    case 'keys':
      return (await import('./commands/keys.js')).run({ user: invocation.user, ...invocation.global });
    case 'check':
      return (await import('./commands/check.js')).run(invocation.global);
    case 'serve': {
      const { publicSocket, privateSocket } = invocation;
      const config = await loadCliConfig(invocation.global);
      return (await import('./commands/serve.js')).run({ config, publicSocket, privateSocket });
    }
    case 'status': {
      const { loadSource, resolverSocket } = await import('./lookup.js');
      const publicSocket = resolverSocket(await loadSource(invocation.global), false);
      return (await import('./commands/status.js')).run({ publicSocket, json: invocation.global.json });
    }
    case 'cache-clear': {
      const config = await loadCliConfig(invocation.global);
      return (await import('./commands/cache.js')).run({ config, key: invocation.key });
    }
  }
}
