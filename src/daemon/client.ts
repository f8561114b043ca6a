// The CLI's side of the resolver protocol: ask the resident resolver first,
// and learn quickly when there is none, so the caller can fall back to HTTP.
import { connect } from 'node:net';
import {
  type Answer,
  encodeRequest,
  MAX_BODY_BYTES,
  MAX_HEADER_BYTES,
  type Op,
  PROTOCOL_MAGIC,
} from './protocol.js';

/** Errors that mean "no resolver listens here": fall back, do not fail. */
const NO_RESOLVER = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK']);

/**
 * Sends one request to the resolver at `socketPath`. Resolves to null when no
 * resolver is listening there (or it broke the protocol), so the caller falls
 * back to asking the servers itself.
 */
export function askResolver(
  socketPath: string,
  op: Op,
  arg?: string,
  timeoutMs = 15000,
): Promise<Answer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (answer: Answer | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(answer);
    };
    const socket = connect(socketPath);
    socket.setTimeout(timeoutMs, () => finish(null));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!NO_RESOLVER.has(error.code ?? ''))
        process.emitWarning(`resolver at ${socketPath}: ${error.message}`);
      finish(null);
    });
    socket.on('connect', () => socket.end(encodeRequest(op, arg)));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      const parsed = parseResponse(Buffer.concat(chunks, size));
      if (parsed === 'invalid') finish(null);
      else if (parsed !== 'incomplete') finish(parsed);
    });
    socket.on('end', () => {
      const parsed = parseResponse(Buffer.concat(chunks, size));
      finish(parsed === 'invalid' || parsed === 'incomplete' ? null : parsed);
    });
  });
}

/** Parses `STNS1 <status> <length>\n<body>`; 'incomplete' until every byte is there. */
export function parseResponse(data: Buffer): Answer | 'incomplete' | 'invalid' {
  const newline = data.indexOf(0x0a);
  if (newline < 0) return data.length > MAX_HEADER_BYTES ? 'invalid' : 'incomplete';
  const match = /^(\S+) (\d{1,3}) (\d{1,10})$/.exec(data.subarray(0, newline).toString('ascii'));
  if (!match || match[1] !== PROTOCOL_MAGIC) return 'invalid';
  const length = Number(match[3]);
  if (length > MAX_BODY_BYTES) return 'invalid';
  const body = data.subarray(newline + 1);
  if (body.length < length) return 'incomplete';
  if (body.length > length) return 'invalid';
  const text = body.toString('utf8');
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  return { status: Number(match[2]), lines };
}
