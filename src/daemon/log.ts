// journald-friendly event lines for the resident resolver: one line per
// event on stderr, `stns-query[pid]: <event> key=value ...`, never a secret.

/** Writes one event line; fields are printed in insertion order. */
export type Log = (event: string, fields?: Record<string, unknown>) => void;

/** A log that drops everything (library use, tests). */
export const silentLog: Log = () => {};

// Values with spaces, quotes or `=` are quoted so a line stays machine-splittable.
function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : value instanceof Error ? value.message : String(value);
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  return /[\s"=]/.test(oneLine) || oneLine === '' ? JSON.stringify(oneLine) : oneLine;
}

/** Formats one event as the resolver prints it (without the trailing newline). */
export function formatEvent(event: string, fields: Record<string, unknown> = {}, pid = process.pid): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return [`stns-query[${pid}]: ${event}`, ...pairs].join(' ');
}

/** A log writing to `stream` (stderr by default). */
export function createLog(stream: { write(text: string): unknown } = process.stderr): Log {
  return (event, fields) => {
    stream.write(`${formatEvent(event, fields)}\n`);
  };
}

/**
 * Wraps `log` so one event name prints at most once per `intervalMs`; the
 * next line carries `suppressed=N`. Keeps an outage from flooding journald.
 */
export function rateLimited(log: Log, intervalMs = 60_000, now: () => number = Date.now): Log {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (event, fields) => {
    const seen = last.get(event);
    const at = now();
    if (seen && at - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    last.set(event, { at, suppressed: 0 });
    log(event, seen?.suppressed ? { ...fields, suppressed: seen.suppressed } : fields);
  };
}
