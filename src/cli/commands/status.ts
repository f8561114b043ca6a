// `stns-query status`: asks the running resolver how it is doing and prints
// one screen: endpoints, cache size and hit rate, stale serving, uptime.

import type { EndpointHealth } from '../../api/types.js';
import { askResolver } from '../../daemon/client.js';
import { Status } from '../../daemon/protocol.js';
import type { ResolverStatus } from '../../daemon/server.js';
import { UnavailableError } from '../../errors.js';
import { writeOut } from '../io.js';

/** Options of the status command. */
export interface StatusOptions {
  /** The resolver's public socket (status needs no privilege). */
  publicSocket: string;
  /** Print the resolver's JSON as is. @default false */
  json?: boolean;
}

/** Prints the resolver's status; throws UnavailableError when no resolver answers. */
export async function run(options: StatusOptions): Promise<number> {
  const socket = options.publicSocket;
  const answer = await askResolver(socket, 'status', undefined, 5000);
  if (answer === null || answer.status !== Status.FOUND || answer.lines.length !== 1)
    throw new UnavailableError(
      `no resolver answers at ${socket}: start it with "systemctl start stns-query" (or "stns-query serve")`,
    );
  const line = answer.lines[0] as string;
  await writeOut(options.json ? `${line}\n` : formatStatus(JSON.parse(line) as ResolverStatus));
  return 0;
}

/** The human summary of one status answer. */
export function formatStatus(status: ResolverStatus, now = Date.now()): string {
  const cache = status.cache;
  const lines = [
    `resolver   pid ${status.pid}, up ${duration(status.uptimeSec)}, config ${status.configSource || '(built-in defaults)'}`,
    `sockets    ${status.publicSocket} (public), ${status.privateSocket} (root)`,
    `serving    ${status.servingStale ? 'STALE entries: every endpoint is unavailable' : 'fresh answers'}`,
    cache.enabled
      ? `cache      ${cache.entries} entries (max ${cache.maxEntries}), hit rate ${percent(cache.hitRate)}, ` +
        `${cache.hits} hits / ${cache.misses} misses, ${cache.staleServes} stale serves, oldest ${duration(cache.oldestEntryAgeSec)}`
      : 'cache      disabled',
    `requests   ${status.requests} answered, ${status.connections.open} open, ${status.connections.refused} refused (limit ${status.connections.max})`,
    'endpoints',
    ...status.endpoints.map((endpoint) => `  ${endpointLine(endpoint, now)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function endpointLine(endpoint: EndpointHealth, now: number): string {
  const parts = [endpoint.url, endpoint.state];
  if (endpoint.state === 'cooling-down' && endpoint.downUntil > now)
    parts.push(`for ${Math.ceil((endpoint.downUntil - now) / 1000)}s`);
  if (endpoint.lastLatencyMs !== undefined) parts.push(`last ${endpoint.lastLatencyMs} ms`);
  if (endpoint.lastError)
    parts.push(
      `last error ${endpoint.lastError.code} ${duration((now - endpoint.lastError.at) / 1000)} ago: ${endpoint.lastError.message}`,
    );
  return parts.join('  ');
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
