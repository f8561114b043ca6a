// Endpoint order and cooldown. An endpoint that TIMED OUT is skipped for the
// cooldown window (a blackholed server costs one timeout per window, not per
// lookup); one that failed fast (refused, 5xx) is only moved behind the
// healthy ones for that window: cheap to retry, so it is still tried when
// nothing healthy is left, and its recovery is seen at once.

import { type StnsError, TimeoutError } from '../errors.js';
import type { EndpointHealth } from './types.js';

export interface Endpoint {
  /** Base URL as configured. */
  url: string;
  downUntil: number;
  failingUntil: number;
  lastError?: { code: string; message: string; at: number };
  lastLatencyMs?: number;
}

export class EndpointPool {
  readonly endpoints: Endpoint[];

  constructor(
    urls: string[],
    private readonly cooldownMs: number,
    private readonly now: () => number,
  ) {
    this.endpoints = urls.map((url) => ({ url, downUntil: 0, failingUntil: 0 }));
  }

  /** Endpoints to try now, in order: healthy, then recently failed-fast; cooling-down ones left out. */
  candidates(): Endpoint[] {
    const now = this.now();
    const usable = this.endpoints.filter((e) => e.downUntil <= now);
    return [...usable.filter((e) => e.failingUntil <= now), ...usable.filter((e) => e.failingUntil > now)];
  }

  /** When the first cooling-down endpoint may be tried again (epoch ms). */
  nextTryAt(): number {
    return Math.min(...this.endpoints.map((e) => e.downUntil));
  }

  /** Records a success: the endpoint is healthy again. */
  succeeded(endpoint: Endpoint, latencyMs: number): void {
    endpoint.downUntil = 0;
    endpoint.failingUntil = 0;
    endpoint.lastLatencyMs = latencyMs;
  }

  /** Records a failure: a timeout cools the endpoint down, anything else demotes it. */
  failed(endpoint: Endpoint, error: StnsError): void {
    const now = this.now();
    endpoint.lastError = { code: error.code, message: error.message, at: now };
    if (error instanceof TimeoutError) endpoint.downUntil = now + this.cooldownMs;
    endpoint.failingUntil = now + this.cooldownMs;
  }

  /** Per-endpoint state for `check` and `status`. */
  health(): EndpointHealth[] {
    const now = this.now();
    return this.endpoints.map((e) => ({
      url: e.url,
      state: e.downUntil > now ? 'cooling-down' : e.failingUntil > now ? 'failing' : 'healthy',
      downUntil: e.downUntil > now ? e.downUntil : 0,
      ...(e.lastError ? { lastError: e.lastError } : {}),
      ...(e.lastLatencyMs !== undefined ? { lastLatencyMs: e.lastLatencyMs } : {}),
    }));
  }
}
