import type { CountersSnapshot } from '@mlc/sandbox';
import type { BenchHarness } from '../harness';
import type { Scenario } from '../main';
import { createOrder, waitForOrders } from '../orders';
import type { Figure } from '../report';
import { LATENCY, orderBed } from './orders';

type Calls = Record<string, number>;

function workerCalls(snapshot: CountersSnapshot, clientId: string): Calls {
  const calls: Calls = {};
  for (const r of snapshot.requests) {
    if (r.clientId !== clientId) continue;
    const key = `${r.method} ${r.entitySet ?? '?'}`;
    calls[key] = (calls[key] ?? 0) + r.count;
  }
  return calls;
}

function diff(after: Calls, before: Calls): Calls {
  const out: Calls = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d !== 0) out[key] = d;
  }
  return out;
}

const total = (calls: Calls) => Object.values(calls).reduce((a, b) => a + b, 0);

/** One request per record read or written: the order, each line, the customer, the write-back (Sales); the customer, each released product, the header, each line (F&O). */
export const naive = (lines: number) => ({ dataverse: lines + 3, fno: 2 * lines + 2 });

async function measureOrders(
  h: BenchHarness,
  run: () => Promise<string[]>,
): Promise<{ orders: number; dataverse: Calls; fno: Calls }> {
  const snapshot = () => ({
    dataverse: workerCalls(h.sandbox.sandbox.counters('dataverse'), h.clientIds.worker),
    fno: workerCalls(h.sandbox.sandbox.counters('fno'), h.clientIds.worker),
  });
  const before = snapshot();
  const ids = await run();
  const done = await waitForOrders(h, ids, 120_000);
  const bad = [...done.values()].filter((r) => r.status !== 'synced');
  if (bad.length > 0) throw new Error(`orders did not sync: ${JSON.stringify(bad.slice(0, 3))}`);
  // The order-number write-back raises an Update webhook; let its (skipped) run finish too.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const after = snapshot();
  return {
    orders: ids.length,
    dataverse: diff(after.dataverse, before.dataverse),
    fno: diff(after.fno, before.fno),
  };
}

/**
 * API calls per synced order on each side (sandbox counters, the worker's client id only), once
 * the customer is aligned: the first order with products the worker has not seen yet ("cold"), then
 * `--orders` more orders of the same products ("warm"), for 1, 10 and 50 lines.
 */
export const runCallsPerOrder: Scenario = async (env, flags) => {
  const repeat = Number(flags['orders'] ?? 5);
  const numbering = flags['numbering'] === 'manual' ? 'manual' : 'sequence';
  const sizes = (flags['sizes'] ?? '1,10,50').split(',').map(Number);
  const productsNeeded = sizes.reduce((a, b) => a + b, 0);
  const bed = await orderBed(env, { workers: 1, accounts: 1, products: productsNeeded + 2, numbering });
  const { h, catalog, accounts } = bed;
  const account = accounts[0] as string;
  try {
    const results: Record<string, unknown> = {};
    const figures: Figure[] = [];
    // The warm-up used products 0 and 1; each size gets products of its own.
    let offset = 2;
    for (const lines of sizes) {
      const cold = await measureOrders(h, async () => [
        await createOrder(h, catalog, account, lines, offset),
      ]);
      const warm = await measureOrders(h, async () => {
        const ids: string[] = [];
        for (let i = 0; i < repeat; i += 1) ids.push(await createOrder(h, catalog, account, lines, offset));
        return ids;
      });
      offset += lines;
      const perOrder = (calls: Calls, n: number) => Math.round((total(calls) / n) * 100) / 100;
      const n = naive(lines);
      results[`${lines} lines`] = { cold, warm, naive: n };
      const warmDv = perOrder(warm.dataverse, warm.orders);
      const warmFno = perOrder(warm.fno, warm.orders);
      const target = lines === 10 ? { target: '≤ 2 per side' } : {};
      figures.push(
        {
          figure: `${lines}-line order, Sales calls (warm / first / naive)`,
          value: `${warmDv} / ${perOrder(cold.dataverse, 1)} / ${n.dataverse}`,
          ...target,
          ...(lines === 10 ? { met: warmDv <= 2 } : {}),
        },
        {
          figure: `${lines}-line order, F&O calls (warm / first / naive)`,
          value: `${warmFno} / ${perOrder(cold.fno, 1)} / ${n.fno}`,
          ...target,
          ...(lines === 10 ? { met: warmFno <= 2 } : {}),
        },
      );
    }
    return {
      parameters: { sizes, warmOrdersPerSize: repeat, latencyMs: LATENCY, fnoOrderNumbers: numbering },
      figures,
      details: results,
    };
  } finally {
    bed.timeline.stop();
    await h.close();
  }
};
