// `stns-query keys USER`: sshd's AuthorizedKeysCommand. Prints the user's
// STNS keys, then what `chain_ssh_wrapper USER` prints. The chain is a second
// key source, so its failure is a warning, never a reason to lock anyone out.
import { type ExecFileException, execFile } from 'node:child_process';
import { Status } from '../../daemon/protocol.js';
import { ConfigUnreadableError } from '../../errors.js';
import { warn, writeOut } from '../io.js';
import { answer, type LookupSource, renderLines, reportFailure, sourceUnlessGuarded } from '../lookup.js';

/** Options of the keys command. */
export interface KeysOptions {
  user: string;
  config?: string;
  /** @default false */
  json: boolean;
}

/** Bound on the chain_ssh_wrapper run; sshd itself gives up on a slow AuthorizedKeysCommand. */
export const CHAIN_TIMEOUT_MS = 10_000;
/** Largest chain_ssh_wrapper output accepted. */
export const CHAIN_MAX_BYTES = 1024 * 1024;

/** Lines `<wrapper> <user>` prints (no shell), or [] with a warning when it fails. */
export function runChainWrapper(wrapper: string, user: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile(
      wrapper,
      [user],
      { timeout: CHAIN_TIMEOUT_MS, maxBuffer: CHAIN_MAX_BYTES, encoding: 'utf8', windowsHide: true },
      (error, stdout) => {
        if (error) {
          warn(`chain_ssh_wrapper ${wrapper} failed, its keys are skipped: ${describeFailure(error)}`);
          resolve([]);
          return;
        }
        resolve(stdout.split('\n').filter((line) => line.trim() !== ''));
      },
    );
  });
}

// Why the wrapper failed, in words (the error message repeats the whole command line).
function describeFailure(error: ExecFileException): string {
  if (error.killed) return `no answer within ${CHAIN_TIMEOUT_MS} ms`;
  if (typeof error.code === 'number') return `exit status ${error.code}`;
  if (error.signal) return `killed by ${error.signal}`;
  return error.code ?? error.message;
}

// The chain's keys; a config this user may not read cannot say whether there is a chain.
async function chainedKeys(source: LookupSource, user: string): Promise<string[]> {
  if (source instanceof ConfigUnreadableError) {
    warn(`chain_ssh_wrapper, if set, was not run: ${source.message}`);
    return [];
  }
  return source.chainSshWrapper ? runChainWrapper(source.chainSshWrapper, user) : [];
}

/** Prints STNS keys then chain keys; exit 0 when any key was printed, else the STNS status. */
export async function run(options: KeysOptions): Promise<number> {
  const source = await sourceUnlessGuarded(options);
  if (source === null) return Status.NOT_FOUND;
  const stns = await answer(source, 'keys', options.user);
  const chained = await chainedKeys(source, options.user);
  const keys = [...(stns.status === Status.FOUND ? stns.lines : []), ...chained];
  if (stns.status !== Status.FOUND && chained.length === 0) return reportFailure(stns);
  if (stns.status !== Status.FOUND && stns.lines[0]) warn(stns.lines[0]);
  await writeOut(renderLines('keys', keys, options.json));
  return Status.FOUND;
}
