import type { BenchEnv } from '../env';
import { type BenchHarness, sleep, startBenchHarness } from '../harness';
import {
  benchSettings,
  createAccounts,
  createOrder,
  type OrderCatalog,
  orderCatalog,
  startTimeline,
  summary,
  type Timeline,
  waitForOrders,
  webhookArrivals,
} from '../orders';
import type { Figure } from '../report';

/** Realistic service latencies (per call): Dataverse 60 ms, F&O 150 ms. */
export const LATENCY = { dataverse: 60, fno: 150 } as const;

export async function setLatencies(h: BenchHarness) {
  await h.control('dataverse', 'PUT', '/_sandbox/faults', { latencyMs: LATENCY.dataverse });
  await h.control('fno', 'PUT', '/_sandbox/faults', { latencyMs: LATENCY.fno });
}

export interface OrderBed {
  h: BenchHarness;
  catalog: OrderCatalog;
  accounts: string[];
  timeline: Timeline;
}

/** Sandbox, connection, latencies, `workers` worker processes, and customers aligned by one order each. */
export async function orderBed(
  env: BenchEnv,
  options: { workers: number; accounts: number; products: number; concurrency?: number },
) {
  const h = await startBenchHarness(env, {
    settings: benchSettings({ cadences: { salesDeltaSeconds: 3600, fnoPollSeconds: 86_400 } }),
  });
  try {
    const catalog = await orderCatalog(h, options.products);
    const accounts = await createAccounts(h, options.accounts, 'Bench customer');
    await setLatencies(h);
    await h.startWorkers(options.workers, { concurrency: options.concurrency ?? 8 });
    const timeline = await startTimeline(h);
    // Warm-up: one order per customer creates and links it in F&O (the customer is then aligned).
    const warm = await Promise.all(accounts.map((account, i) => createOrder(h, catalog, account, 2, i)));
    const done = await waitForOrders(h, warm, 120_000);
    const bad = [...done.values()].filter((r) => r.status !== 'synced');
    if (bad.length > 0 || done.size < warm.length)
      throw new Error(`warm-up orders did not sync: ${JSON.stringify(bad.slice(0, 3))}`);
    return { h, catalog, accounts, timeline } satisfies OrderBed;
  } catch (error) {
    await h.close();
    throw error;
  }
}

export interface PhaseResult {
  orders: number;
  synced: number;
  failed: { status: string; error: string | null }[];
  crmToFno: ReturnType<typeof summary>;
  webhookToFno: ReturnType<typeof summary>;
  /** First CRM commit → last F&O commit. */
  spanMs: number;
  /** Orders per second through F&O over that span. */
  throughput: number;
}

export async function measure(
  bed: OrderBed,
  ids: readonly string[],
  timeoutMs: number,
): Promise<PhaseResult> {
  const { h, timeline } = bed;
  const done = await waitForOrders(h, ids, timeoutMs);
  const arrivals = await webhookArrivals(h);
  const crmToFno: number[] = [];
  const webhookToFno: number[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const id of ids) {
    const crm = timeline.crmCommit.get(id);
    const fno = crm ? timeline.fnoCommit.get(crm.orderNumber) : undefined;
    if (!crm || fno === undefined) continue;
    first = Math.min(first, crm.at);
    last = Math.max(last, fno);
    crmToFno.push(fno - crm.at);
    const arrived = arrivals.get(id);
    if (arrived !== undefined) webhookToFno.push(fno - arrived);
  }
  const spanMs = last - first;
  return {
    orders: ids.length,
    synced: [...done.values()].filter((r) => r.status === 'synced').length,
    failed: [...done.values()].filter((r) => r.status !== 'synced').slice(0, 5),
    crmToFno: summary(crmToFno),
    webhookToFno: summary(webhookToFno),
    spanMs,
    throughput: Math.round((crmToFno.length / (spanMs / 1000)) * 100) / 100,
  };
}

/** Orders at `rate` per second for `seconds` (each created when its time comes, not waiting for the previous). */
export async function steady(bed: OrderBed, rate: number, seconds: number, lines: number): Promise<string[]> {
  const total = Math.round(rate * seconds);
  const start = Date.now();
  const pending: Promise<string>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    pending.push(createOrder(bed.h, bed.catalog, bed.accounts[i % bed.accounts.length] as string, lines, i));
  }
  return Promise.all(pending);
}

/** `count` orders sent at once (the users' client sends 8 at a time). */
export async function burst(bed: OrderBed, count: number, lines: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      createOrder(bed.h, bed.catalog, bed.accounts[i % bed.accounts.length] as string, lines, i),
    ),
  );
}

export async function throttling(h: BenchHarness) {
  const dv = h.sandbox.sandbox.counters('dataverse');
  const fno = h.sandbox.sandbox.counters('fno');
  const limits = await h.control<{ usage: { requests: number; refused: Record<string, number> }[] }>(
    'dataverse',
    'GET',
    '/_sandbox/limits',
  );
  const refused = limits.usage.reduce(
    (sum, u) => sum + Object.values(u.refused).reduce((a, b) => a + b, 0),
    0,
  );
  const fnoThrottling = await h.control<{ stats: { throttled: number } }>(
    'fno',
    'GET',
    '/_sandbox/throttling',
  );
  return {
    dataverse429: refused,
    fno429: fnoThrottling.stats.throttled,
    earlyRetries: { dataverse: dv.earlyRetries.total, fno: fno.earlyRetries.total },
  };
}

export function latencyFigures(label: string, phase: PhaseResult, target?: { p95: number }): Figure[] {
  const out: Figure[] = [
    { figure: `${label}: orders synced`, value: `${phase.synced}/${phase.orders}` },
    {
      figure: `${label}: CRM commit → F&O commit p50 / p95 / p99 (ms)`,
      value: `${phase.crmToFno.p50} / ${phase.crmToFno.p95} / ${phase.crmToFno.p99}`,
      ...(target
        ? {
            target: `p95 ≤ ${target.p95} ms`,
            met: phase.crmToFno.p95 <= target.p95 && phase.synced === phase.orders,
          }
        : {}),
    },
    {
      figure: `${label}: webhook received → F&O commit p50 / p95 / p99 (ms)`,
      value: `${phase.webhookToFno.p50} / ${phase.webhookToFno.p95} / ${phase.webhookToFno.p99}`,
    },
    { figure: `${label}: orders/s through F&O`, value: phase.throughput },
  ];
  return out;
}
