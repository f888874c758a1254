import type { IncomingMessage } from 'node:http';

const arrivals = new WeakMap<IncomingMessage, number>();

/** The listener notes when it received a request (epoch ms, before any injected latency). */
export function markArrival(req: IncomingMessage, atMs: number): void {
  arrivals.set(req, atMs);
}

/**
 * When the host received `req`, in the host's clock; undefined for a request that did not come
 * through the host (tests that call a service directly). Services use it to count the time a
 * request spent in the host's injected latency as time spent on the server (Dataverse service
 * protection limits).
 */
export function arrivalOf(req: IncomingMessage): number | undefined {
  return arrivals.get(req);
}
