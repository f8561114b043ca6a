// The CLI's only writers. stdout is data (getent lines); stderr is one line
// per message, always prefixed `stns-query:` so scripts and sshd logs can tell
// it apart from the data.

/** Prefix of every stderr line. */
export const PROGRAM = 'stns-query';

/** Writes `text` to stdout and resolves once it is handed to the OS; rejects with EPIPE when the reader left. */
export function writeOut(text: string | Uint8Array): Promise<void> {
  if (text.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** Writes `lines` to stdout, each ending in a newline (nothing for no lines). */
export function writeLines(lines: readonly string[]): Promise<void> {
  return writeOut(lines.map((line) => `${line}\n`).join(''));
}

/** One `stns-query: <message>` line on stderr. */
export function printError(message: string): void {
  process.stderr.write(`${PROGRAM}: ${oneLine(message)}\n`);
}

/** One `stns-query: warning: <message>` line on stderr; passed as `warn` to config and client. */
export function warn(message: string): void {
  printError(`warning: ${message}`);
}

// A message that spans lines would break the one-line-per-message contract.
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
