// Parses one request line of docs/PROTOCOL.md. Anything that is not exactly
// `STNS1 <op> [<arg>]` is a bad request: the resolver never guesses.

import { isUtf8 } from 'node:buffer';
import { MAX_REQUEST_BYTES, OPS, type Op, PROTOCOL_MAGIC } from './protocol.js';

/** A well-formed request. */
export interface Request {
  op: Op;
  arg?: string;
}

/** A request, or why it is refused (the text of the status-1 body). */
export type ParsedRequest = { ok: true; request: Request } | { ok: false; reason: string };

// No space, `:`, `,`, NUL or control character (DEL included); anything else (UTF-8 too) passes.
function isForbiddenArg(arg: string): boolean {
  for (let i = 0; i < arg.length; i++) {
    const code = arg.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || code === 0x3a || code === 0x2c) return true;
  }
  return false;
}

/** Parses `line` (the bytes before the first `\n`). */
export function parseRequest(line: Buffer): ParsedRequest {
  if (line.length + 1 > MAX_REQUEST_BYTES) return bad(`request longer than ${MAX_REQUEST_BYTES} bytes`);
  // Decoding would turn bad bytes into U+FFFD: a key the caller never sent.
  if (!isUtf8(line)) return bad('request is not valid UTF-8');
  const parts = line.toString('utf8').split(' ');
  if (parts[0] !== PROTOCOL_MAGIC) return bad(`request must start with ${PROTOCOL_MAGIC}`);
  const op = parts[1] ?? '';
  if (!Object.hasOwn(OPS, op)) return bad(`unknown op ${JSON.stringify(op.slice(0, 32))}`);
  const takes = OPS[op as Op];
  if (parts.length > 3) return bad(`${op} takes at most one argument`);
  const arg = parts[2];
  if (arg === undefined) {
    return takes === 'required' ? bad(`${op} needs an argument`) : { ok: true, request: { op: op as Op } };
  }
  if (takes === 'none') return bad(`${op} takes no argument`);
  if (arg === '' || isForbiddenArg(arg)) return bad(`${op} argument is empty or holds a forbidden character`);
  return { ok: true, request: { op: op as Op, arg } };
}

function bad(reason: string): ParsedRequest {
  return { ok: false, reason };
}
