// The CLI's single exit point: the only try/catch that maps errors to exit
// codes, the only place that prints an error, the only process.exit.
// Commands return an exit code or throw; they never exit.
import { ExitCode, exitCodeOf, StnsError } from '../errors.js';
import { printError, warn } from './io.js';
import { parseArgs, runInvocation } from './program.js';

// A reader that left early (sshd after the first matching key, `| head`) is not an error.
function isBrokenPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

// Process warnings (e.g. from the resolver client) in our one-line format instead of Node's.
export function routeProcessWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => warn(warning.message));
}

// Late EPIPE on stdout arrives as an 'error' event; unhandled, Node would print a stack trace.
function exitQuietlyOnBrokenPipe(): void {
  process.stdout.on('error', (error) => {
    if (isBrokenPipe(error)) process.exit(ExitCode.OK);
    printError(`cannot write to stdout: ${error.message}`);
    process.exit(ExitCode.SOFTWARE);
  });
}

/** The exit code for `error`, after printing its one-line message. */
export function reportError(error: unknown): number {
  if (isBrokenPipe(error)) return ExitCode.OK;
  if (StnsError.isStnsError(error)) {
    printError(error.message);
    return exitCodeOf(error);
  }
  const message = error instanceof Error ? error.message : String(error);
  printError(`internal error: ${message}`);
  return ExitCode.SOFTWARE;
}

/** Runs `stns-query` with the user's arguments (argv without node and script) and exits. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  routeProcessWarnings();
  exitQuietlyOnBrokenPipe();
  let code: number;
  try {
    code = await runInvocation(parseArgs(argv));
  } catch (error) {
    code = reportError(error);
  }
  process.exitCode = code;
  return process.exit(code);
}
