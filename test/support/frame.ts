// Fake helpers (shell scripts standing in for `stns-query`) answer the module
// the way `stns-query --framed` does: one resolver response on stdout.
import { encodeResponse } from '../../src/daemon/protocol.js';

// Single-quoted for sh: the bytes as they are, newlines included.
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** Shell text that writes `lines` with `status` as one resolver response on stdout. */
export function shellAnswer(status: number, lines: readonly string[]): string {
  return `printf '%s' ${shellQuote(encodeResponse({ status, lines: [...lines] }).toString('utf8'))}`;
}
