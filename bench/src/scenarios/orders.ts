import { cpus } from 'node:os';
import type { BenchEnv } from '../env';
import { type BenchHarness, machineTicks, sleep, startBenchHarness } from '../harness';
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
  options: {
    workers: number;
    accounts: number;
    products: number;
    concurrency?: number;
    /** How usmf numbers F&O orders (default: the integration tests' `sequence`). */
    numbering?: 'sequence' | 'manual';
  },
) {
  const settings = benchSettings({ cadences: { salesDeltaSeconds: 3600, fnoPollSeconds: 86_400 } });
  const usmf = settings.legalEntities?.settings?.['usmf'];
  if (usmf && options.numbering) usmf.salesOrderNumbers = options.numbering;
  const h = await startBenchHarness(env, { settings });
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
  /** Per order, in CRM commit order: [ms since the phase's first CRM commit, CRM → F&O ms]. */
  series: [number, number][];
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
  const points: [number, number][] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const id of ids) {
    const crm = timeline.crmCommit.get(id);
    const fno = crm ? timeline.fnoCommit.get(crm.orderNumber) : undefined;
    if (!crm || fno === undefined) continue;
    first = Math.min(first, crm.at);
    last = Math.max(last, fno);
    crmToFno.push(fno - crm.at);
    points.push([crm.at, fno - crm.at]);
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
    series: points.sort((a, b) => a[0] - b[0]).map(([at, ms]) => [at - first, ms]),
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

/**
 * Where the time of the order runs went, from the worker's own records (read before the scratch
 * database is dropped): each step's duration (audit events), runs per order, how long jobs waited
 * in the queue once due (pg-boss `started_on − start_after`), and how `sync.record` jobs ended.
 */
export async function runAudit(h: BenchHarness) {
  const pool = h.db.pool;
  const steps = await pool.query<{ step: string; n: string; avg: number; p95: number }>(
    `select e.step, count(*) as n, round(avg(e.duration_ms)) as avg,
            percentile_cont(0.95) within group (order by e.duration_ms) as p95
       from record_events e join sync_records r on r.id = e.record_id
      where r.entity = 'salesorder' group by e.step order by min(e.seq)`,
  );
  const runs = await pool.query<{ orders: string; runs: string }>(
    `select count(distinct r.id) as orders, count(*) as runs
       from record_events e join sync_records r on r.id = e.record_id
      where r.entity = 'salesorder' and e.stage = 'trigger'`,
  );
  const waits = await pool.query<{ name: string; n: string; p50: number; p95: number; max: number }>(
    `select name, count(*) as n,
            round((percentile_cont(0.5) within group (order by extract(epoch from started_on - start_after)) * 1000)::numeric) as p50,
            round((percentile_cont(0.95) within group (order by extract(epoch from started_on - start_after)) * 1000)::numeric) as p95,
            round((max(extract(epoch from started_on - start_after)) * 1000)::numeric) as max
       from pgboss.job where started_on is not null group by name order by name`,
  );
  const outcomes = await pool.query<{ outcome: string; n: string }>(
    `select coalesce(output->>'status', state::text) as outcome, count(*) as n
       from pgboss.job where name = 'sync.record' group by 1 order by 2 desc`,
  );
  const orders = Number(runs.rows[0]?.orders ?? 0);
  return {
    runsPerOrder: orders > 0 ? Math.round((Number(runs.rows[0]?.runs ?? 0) / orders) * 100) / 100 : null,
    steps: steps.rows.map((row) => ({
      step: row.step,
      n: Number(row.n),
      avgMs: Number(row.avg),
      p95Ms: Math.round(Number(row.p95)),
    })),
    queueWaitMs: waits.rows.map((row) => ({
      job: row.name,
      n: Number(row.n),
      p50: Number(row.p50),
      p95: Number(row.p95),
      max: Number(row.max),
    })),
    syncRecordJobs: Object.fromEntries(outcomes.rows.map((row) => [row.outcome, Number(row.n)])),
  };
}

export function auditFigures(audit: Awaited<ReturnType<typeof runAudit>>): Figure[] {
  const wait = (job: string) => audit.queueWaitMs.find((row) => row.job === job);
  const fmt = (row: { p50: number; p95: number } | undefined) => (row ? `${row.p50} / ${row.p95}` : '–');
  return [
    { figure: 'runs per order (all phases)', value: audit.runsPerOrder ?? '–' },
    { figure: 'queue wait once due p50 / p95 (ms): inbox.process', value: fmt(wait('inbox.process')) },
    { figure: 'queue wait once due p50 / p95 (ms): sync.record', value: fmt(wait('sync.record')) },
    {
      figure: 'step avg / p95 (ms)',
      value: audit.steps
        .filter((row) => row.step !== 'trigger')
        .map((row) => `${row.step} ${row.avgMs}/${row.p95Ms}`)
        .join(', '),
    },
  ];
}

/**
 * Where the CPU went while `work` ran: the machine as a whole (every process of every user:
 * ours, Postgres, other sessions), this bench process (the sandbox's simulated Dataverse and F&O,
 * the webhook intake, the users creating orders) and the worker processes; in cores (1.0 = one
 * core busy the whole time).
 */
export async function cpuDuring<T>(h: BenchHarness, work: () => Promise<T>) {
  const cores = cpus().length;
  const started = Date.now();
  const machine0 = machineTicks();
  const bench0 = process.cpuUsage();
  const workers0 = h.workers().map((worker) => worker.cpuSeconds());
  const result = await work();
  const seconds = (Date.now() - started) / 1000;
  const machine1 = machineTicks();
  const bench1 = process.cpuUsage(bench0);
  const workers1 = h.workers().map((worker) => worker.cpuSeconds());
  const round = (value: number) => Math.round(value * 100) / 100;
  const cpu = {
    seconds: round(seconds),
    cores,
    machineBusyCores: round(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * cores),
    benchProcessCores: round((bench1.user + bench1.system) / 1e6 / seconds),
    workerCores: workers1.map((value, index) => round((value - (workers0[index] ?? 0)) / seconds)),
  };
  return { result, cpu };
}

export type CpuUse = Awaited<ReturnType<typeof cpuDuring>>['cpu'];

export function cpuFigure(label: string, cpu: CpuUse): Figure {
  const workers = cpu.workerCores.reduce((a, b) => a + b, 0);
  return {
    figure: `${label}: CPU in cores (machine / bench+sandbox / workers), of ${cpu.cores}`,
    value: `${cpu.machineBusyCores} / ${cpu.benchProcessCores} / ${Math.round(workers * 100) / 100} (${cpu.workerCores.join(' + ')})`,
  };
}
