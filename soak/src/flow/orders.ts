/**
 * Orders created in Sales as people create them (deep insert through the Web API, as the bench
 * users' application user): `count` orders at `perSecond`, 1–3 lines each, spread over the bed's
 * accounts. A request the sandbox refuses (an injected 429, 5xx or dropped connection) is sent
 * again after a pause, as a person would; an injected fault is decided before the service sees the
 * request, so a refused create never leaves an order behind.
 */
import { createOrder, sleep } from '@mlc/bench';
import type { OrderBed } from './bed';

export interface OrderStreamOptions {
  count: number;
  perSecond: number;
  /** Orders in flight at once (the users' client). */
  parallel?: number;
  /** Index of the first order (varies lines and products between batches). */
  offset?: number;
}

/** Retries `work` on any error, up to `attempts` times, `pauseMs` apart. */
export async function persist<T>(what: string, work: () => Promise<T>, attempts = 20, pauseMs = 500) {
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      last = error;
      await sleep(pauseMs);
    }
  }
  throw new Error(`${what}: still failing after ${attempts} attempts: ${String(last)}`);
}

/** Creates the orders; resolves with their ids in creation order. */
export async function createOrders(bed: OrderBed, options: OrderStreamOptions): Promise<string[]> {
  const { h, catalog, accounts } = bed;
  const parallel = options.parallel ?? 4;
  const offset = options.offset ?? 0;
  const ids: string[] = new Array(options.count);
  const started = Date.now();
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next;
      next += 1;
      if (i >= options.count) return;
      const due = started + (i * 1000) / options.perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      const n = offset + i;
      const account = accounts[n % accounts.length] as string;
      ids[i] = await persist(`order ${n}`, () => createOrder(h, catalog, account, 1 + (n % 3), n));
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return ids;
}
