/**
 * pause: the connection is paused (the portal's Pause) while orders keep arriving in Sales and
 * some existing orders change; nothing may reach F&O while paused. After Resume every order
 * arrives once, close to the order it was created in (at most the worker's concurrency apart),
 * with the changes applied. No worker restarts here: a new worker process reads the Dataverse
 * changes (the safety net) on its first tick after Resume, which would hide a change the pause
 * itself did not keep.
 */
import { type BenchEnv, sleep } from '@mlc/bench';
import { startOrderBed } from '../flow/bed';
import { progress, withSoakDatabase } from '../flow/env';
import { atMost, info, intFlag, mustBe } from '../flow/figures';
import { createOrders } from '../flow/orders';
import { waitForSettled } from '../flow/settle';
import { startTimeline } from '../flow/timeline';
import { raiseFirstLine } from '../flow/updates';
import { settleAndCompare } from '../flow/verdict';
import { startWorkerPool } from '../flow/workers';
import type { Flags, SoakOutcome } from '../scenario';

export interface PauseOptions {
  /** Orders synced before the pause (some of them change while paused). */
  before: number;
  /** Orders created while paused. */
  orders: number;
  perSecond: number;
  /** Orders changed while paused (half of them from `before`, half created while paused). */
  updates: number;
  deltaSeconds: number;
  settleTimeoutMs: number;
}

/** Jobs at once per job kind in the worker (the bench harness's default). */
const CONCURRENCY = 8;

export function pauseOptions(flags: Flags): PauseOptions {
  const orders = intFlag(flags, 'orders', 300);
  return {
    before: intFlag(flags, 'before', 20),
    orders,
    perSecond: intFlag(flags, 'rate', 4),
    updates: intFlag(flags, 'updates', 20),
    deltaSeconds: intFlag(flags, 'delta-seconds', 60),
    settleTimeoutMs: intFlag(flags, 'settle-seconds', 180 + orders) * 1000,
  };
}

/** Largest distance between an order's rank in CRM creation order and in F&O creation order. */
export function largestDisplacement(crmOrder: readonly string[], fnoAt: ReadonlyMap<string, number>): number {
  const arrived = crmOrder.filter((number) => fnoAt.has(number));
  const byFno = [...arrived].sort((a, b) => (fnoAt.get(a) ?? 0) - (fnoAt.get(b) ?? 0));
  const rank = new Map(byFno.map((number, index) => [number, index]));
  return arrived.reduce(
    (worst, number, index) => Math.max(worst, Math.abs((rank.get(number) ?? index) - index)),
    0,
  );
}

export async function pauseScenario(env: BenchEnv, options: PauseOptions): Promise<SoakOutcome> {
  const bed = await startOrderBed(env, { deltaSeconds: options.deltaSeconds });
  const { h } = bed;
  try {
    await startWorkerPool(h, 1, { concurrency: CONCURRENCY });
    const timeline = await startTimeline(h);
    const early = await createOrders(bed, { count: options.before, perSecond: 5 });
    const warm = await waitForSettled(h, early, 120_000);
    if (!warm.settled)
      throw new Error(`the orders before the pause did not sync: ${JSON.stringify(warm.statuses)}`);

    await h.queue.control.pause(h.connectionId);
    const pausedAt = Date.now();
    let fnoChangesWhilePaused = 0;
    const detach = h.sandbox.fno.onChange((changes) => {
      if (changes.some((change) => change.entitySet.startsWith('SalesOrder'))) fnoChangesWhilePaused += 1;
    });
    progress(
      `pause: paused; ${options.orders} orders at ${options.perSecond}/s and ${options.updates} changes`,
    );
    const updatesOfEarly = Math.ceil(options.updates / 2);
    const changes = (async () => {
      for (let i = 0; i < updatesOfEarly; i += 1) {
        await raiseFirstLine(h, early[i % early.length] as string, 1 + Math.floor(i / early.length));
        await sleep(200);
      }
    })();
    const ids = await createOrders(bed, {
      count: options.orders,
      perSecond: options.perSecond,
      offset: options.before,
    });
    await changes;
    for (let i = 0; i < options.updates - updatesOfEarly; i += 1) {
      await raiseFirstLine(h, ids[(i * 7) % ids.length] as string, 1);
    }
    await sleep(3_000);
    detach();
    const pausedForMs = Date.now() - pausedAt;
    const { rows } = await h.db.pool.query<{ n: number }>(
      `select count(*)::int as n from sync_records where connection_id = $1 and status = 'pending'`,
      [h.connectionId],
    );
    const waiting = rows[0]?.n ?? 0;
    const resumed = await h.queue.control.resume(h.connectionId);
    progress(`pause: resumed after ${Math.round(pausedForMs / 1000)} s, ${resumed} records queued`);

    const all = [...early, ...ids];
    const verdict = await settleAndCompare(bed, all, options.settleTimeoutMs);
    const numbers = new Map(verdict.crm.map((order) => [order.id, order.orderNumber]));
    const crmOrder = ids.map((id) => numbers.get(id) ?? id);
    const fnoAt = new Map<string, number>();
    for (const number of crmOrder) {
      const at = timeline.fnoCreated.get(number)?.[0];
      if (at !== undefined) fnoAt.set(number, at);
    }
    timeline.stop();
    return {
      parameters: { ...options, workers: 1, concurrency: CONCURRENCY },
      figures: [
        ...verdict.figures,
        mustBe('F&O order writes while paused', fnoChangesWhilePaused, 0),
        info('records waiting at resume', waiting),
        info('records queued by resume', resumed),
        info('paused for (s)', Math.round(pausedForMs / 1000)),
        atMost(
          'largest distance from CRM order (positions)',
          largestDisplacement(crmOrder, fnoAt),
          CONCURRENCY,
        ),
        info('CRM orders changed while paused', options.updates),
      ],
      details: {
        records: verdict.settled.statuses,
        examples: verdict.comparison.examples,
        evidence: verdict.evidence,
      },
    };
  } finally {
    await h.close();
  }
}

export async function runPause(flags: Flags): Promise<SoakOutcome> {
  return withSoakDatabase((env) => pauseScenario(env, pauseOptions(flags)));
}
