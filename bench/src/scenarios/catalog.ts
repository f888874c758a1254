import type { BenchEnv } from '../env';
import { type BenchHarness, type Row, sleep, startBenchHarness } from '../harness';
import type { Scenario } from '../main';
import { benchSettings } from '../orders';
import type { Figure } from '../report';
import { cpuDuring, cpuFigure, LATENCY, setLatencies, throttling } from './orders';

interface Progress {
  phase: string;
  done: number;
  written: number;
  unchanged: number;
  failed: number;
  startedAt: string;
  finishedAt: string | null;
}

async function progressOf(h: BenchHarness): Promise<Progress | undefined> {
  const { rows } = await h.db.pool.query<{ value: Progress }>(
    `select cursor as value from sync_cursors where connection_id = $1 and system = 'fno' and stream = 'progress/catalog'`,
    [h.connectionId],
  );
  return rows[0]?.value;
}

async function pollFinished(h: BenchHarness, since: number, timeoutMs: number): Promise<Progress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const progress = await progressOf(h);
    if (progress?.finishedAt && Date.parse(progress.finishedAt) >= since) return progress;
    const { rows } = await h.db.pool.query<{ output: unknown }>(
      `select output from pgboss.job where name = 'sync.poll' and state in ('retry', 'failed') limit 1`,
    );
    if (rows[0]) throw new Error(`the catalog poll failed: ${JSON.stringify(rows[0].output).slice(0, 2000)}`);
    if (Date.now() > deadline) throw new Error(`catalog poll did not finish: ${JSON.stringify(progress)}`);
    await sleep(250);
  }
}

function workerRequests(h: BenchHarness, service: 'dataverse' | 'fno') {
  let reads = 0;
  let writes = 0;
  for (const r of h.sandbox.sandbox.counters(service).requests) {
    if (r.clientId !== h.clientIds.worker) continue;
    if (r.method === 'GET') reads += r.count;
    else writes += r.count;
  }
  return { reads, writes, total: reads + writes };
}

async function poll(h: BenchHarness, timeoutMs: number) {
  const since = Date.now();
  const before = { dv: workerRequests(h, 'dataverse'), fno: workerRequests(h, 'fno') };
  await h.queue.jobs.enqueue('sync.poll', {
    connectionId: h.connectionId,
    stream: 'catalog',
    reason: 'bench',
  });
  const progress = await pollFinished(h, since, timeoutMs);
  const after = { dv: workerRequests(h, 'dataverse'), fno: workerRequests(h, 'fno') };
  return {
    seconds: (Date.parse(progress.finishedAt ?? '') - Date.parse(progress.startedAt)) / 1000,
    progress,
    dataverseWrites: after.dv.writes - before.dv.writes,
    dataverseRequests: after.dv.total - before.dv.total,
    fnoRequests: after.fno.total - before.fno.total,
  };
}

/** Changes `SalesPrice` of `count` released products of usmf (as F&O users do), latency off meanwhile. */
async function changePrices(h: BenchHarness, count: number, total: number) {
  await h.control('fno', 'PUT', '/_sandbox/faults', { latencyMs: 0 });
  const step = Math.max(1, Math.floor(total / count));
  const page = await h.fno<{ value: Row[] }>(
    'GET',
    `ReleasedProductsV2?cross-company=true&$filter=dataAreaId eq 'usmf'&$select=ItemNumber,SalesPrice&$orderby=ItemNumber`,
  );
  // The first page (10,000 rows) is enough to pick from for 1% of 100,000 (and of 10,000).
  const rows = page.body.value
    .filter((_, index) => index % Math.max(1, Math.floor(step / 10)) === 0)
    .slice(0, count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (;;) {
        const row = rows[next++];
        if (!row) return;
        await h.fno(
          'PATCH',
          `ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${String(row['ItemNumber'])}')?cross-company=true`,
          { SalesPrice: Math.round((Number(row['SalesPrice'] ?? 10) + 1.25) * 100) / 100 },
        );
      }
    }),
  );
  await h.control('fno', 'PUT', '/_sandbox/faults', { latencyMs: LATENCY.fno });
  return rows.length;
}

async function loadOnce(env: BenchEnv, products: number) {
  const h = await startBenchHarness(env, {
    products,
    settings: benchSettings({
      legalEntities: {
        default: 'usmf',
        rules: [],
        settings: {
          usmf: { customerGroupId: '10', currencyCode: 'USD', priceList: 'Standard Price List (USD)' },
        },
      },
      flows: { orders: false, products: true, prices: true, customers: false },
      cadences: { salesDeltaSeconds: 3600, fnoPollSeconds: 86_400 },
    }),
  });
  try {
    await setLatencies(h);
    const idle = await h.startWorkers(1);
    const worker = idle[0];
    if (!worker) throw new Error('no worker');
    await sleep(500);
    const idleRss = worker.rss().last;
    worker.resetPeak();
    // The scheduler queues the first catalog poll as soon as the worker runs: the initial load.
    const { result: initial, cpu } = await cpuDuring(h, () => pollFinished(h, 0, 900_000));
    const seconds = (Date.parse(initial.finishedAt ?? '') - Date.parse(initial.startedAt)) / 1000;
    const loadRss = worker.rss();
    const dv = workerRequests(h, 'dataverse');
    const fno = workerRequests(h, 'fno');
    const quota = await throttling(h);
    const limits = await h.control<Row>('dataverse', 'GET', '/_sandbox/limits');
    const repoll = await poll(h, 600_000);
    const changeCount = Math.round(products / 100);
    const changed = await changePrices(h, changeCount, products);
    const after = await poll(h, 600_000);
    return {
      products,
      initial: {
        seconds,
        progress: initial,
        recordsPerSecond: Math.round(initial.written / seconds),
        productsPerSecond: Math.round(products / seconds),
        dataverse: { ...dv, perSecond: Math.round((dv.total / seconds) * 10) / 10 },
        fno: { ...fno, perSecond: Math.round((fno.total / seconds) * 10) / 10 },
        quota,
        limits: {
          enabled: limits['enabled'],
          requests: limits['requests'],
          concurrentRequests: limits['concurrentRequests'],
        },
      },
      cpu,
      rss: { idleMb: mb(idleRss), peakMb: mb(loadRss.peak), samples: loadRss.samples },
      repoll,
      priceChange: { changed, ...after },
    };
  } finally {
    await h.close();
  }
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/**
 * Released products with names and base prices from F&O into Sales (products published, price-list
 * items), the initial load for each `--products` size (default 10,000 then 100,000), then an
 * immediate re-poll (no change) and a poll after 1% of the prices changed.
 */
export const runCatalog: Scenario = async (env, flags) => {
  const sizes = (flags['products'] ?? '10000,100000').split(',').map(Number);
  const runs = [];
  for (const size of sizes) runs.push(await loadOnce(env, size));
  const figures: Figure[] = [];
  for (const run of runs) {
    const p = `${run.products.toLocaleString('en')} products`;
    figures.push(
      {
        figure: `${p}: initial load (s)`,
        value: run.initial.seconds,
        ...(run.products === 100_000 ? { target: '≤ 60 s', met: run.initial.seconds <= 60 } : {}),
      },
      { figure: `${p}: records written/s (products + prices)`, value: run.initial.recordsPerSecond },
      {
        figure: `${p}: records failed`,
        value: run.initial.progress.failed,
        target: '0',
        met: run.initial.progress.failed === 0,
      },
      {
        figure: `${p}: Dataverse requests (total, per s)`,
        value: `${run.initial.dataverse.total}, ${run.initial.dataverse.perSecond}/s`,
        target: '≤ 6,000 per 300 s, ≤ 52 at once',
      },
      {
        figure: `${p}: F&O requests (total, per s)`,
        value: `${run.initial.fno.total}, ${run.initial.fno.perSecond}/s`,
      },
      {
        figure: `${p}: 429s (Dataverse / F&O)`,
        value: `${run.initial.quota.dataverse429} / ${run.initial.quota.fno429}`,
        target: 'no sustained 429s',
        met: run.initial.quota.dataverse429 + run.initial.quota.fno429 < 5,
      },
      cpuFigure(`${p}: initial load`, run.cpu),
      {
        figure: `${p}: worker RSS idle → peak (MB)`,
        value: `${run.rss.idleMb} → ${run.rss.peakMb}`,
        target: '< 300 MB',
        met: run.rss.peakMb < 300,
      },
      {
        figure: `${p}: re-poll, no change: records / Dataverse writes (s)`,
        value: `${run.repoll.progress.written} / ${run.repoll.dataverseWrites} (${run.repoll.seconds} s)`,
        target: '0',
        met: run.repoll.progress.written === 0 && run.repoll.dataverseWrites === 0,
      },
      {
        figure: `${p}: poll after ${run.priceChange.changed} price changes: records written / Dataverse writes (s)`,
        value: `${run.priceChange.progress.written} / ${run.priceChange.dataverseWrites} (${run.priceChange.seconds} s)`,
        target: `${run.priceChange.changed}`,
        met: run.priceChange.progress.written === run.priceChange.changed,
      },
    );
  }
  const [small, large] = runs;
  if (small && large && small !== large) {
    figures.push({
      figure: `peak RSS ${small.products.toLocaleString('en')} → ${large.products.toLocaleString('en')} (MB)`,
      value: `${small.rss.peakMb} → ${large.rss.peakMb}`,
      target: 'flat',
      met: large.rss.peakMb <= small.rss.peakMb * 1.25,
    });
  }
  return {
    parameters: {
      sizes,
      latencyMs: LATENCY,
      fnoPageSize: 10_000,
      legalEntity: 'usmf',
      priceList: 'Standard Price List (USD)',
    },
    figures,
    details: { runs },
  };
};
