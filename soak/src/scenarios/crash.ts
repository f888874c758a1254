/**
 * crash: orders flow from Sales to F&O while the worker process is killed with SIGKILL at random
 * moments and a new one started each time; then both sides are compared.
 */
import { type BenchEnv, sleep } from '@mlc/bench';
import { startOrderBed } from '../flow/bed';
import { progress, withSoakDatabase } from '../flow/env';
import { atLeast, info, intFlag } from '../flow/figures';
import { createOrders } from '../flow/orders';
import { settleAndCompare } from '../flow/verdict';
import { startWorkerPool } from '../flow/workers';
import type { Flags, SoakOutcome } from '../scenario';

export interface CrashOptions {
  orders: number;
  kills: number;
  /** Mean time a worker runs before it is killed (uniform 0.2×–1.8×), ms. */
  killGapMs: number;
  /** Orders created per second; by default spread over the kills (about 3 s per restart). */
  perSecond?: number;
  deltaSeconds: number;
  settleTimeoutMs: number;
}

export function crashOptions(flags: Flags): CrashOptions {
  const orders = intFlag(flags, 'orders', 1000);
  return {
    orders,
    kills: intFlag(flags, 'kills', 50),
    killGapMs: intFlag(flags, 'kill-gap-ms', 1500),
    ...(flags['rate'] ? { perSecond: intFlag(flags, 'rate', 1) } : {}),
    deltaSeconds: intFlag(flags, 'delta-seconds', 60),
    settleTimeoutMs: intFlag(flags, 'settle-seconds', 180 + orders) * 1000,
  };
}

/** F&O answers 100–250 ms late, so a run takes long enough to be cut in the middle of its writes. */
export const CRASH_LATENCY = { latencyMs: 100, latencyJitterMs: 150 };

export async function crashScenario(env: BenchEnv, options: CrashOptions): Promise<SoakOutcome> {
  const bed = await startOrderBed(env, { deltaSeconds: options.deltaSeconds });
  const { h } = bed;
  try {
    await h.control('fno', 'PUT', '/_sandbox/faults', CRASH_LATENCY);
    const pool = await startWorkerPool(h, 1);
    const perSecond =
      options.perSecond ??
      Math.max(0.2, options.orders / Math.max(1, options.kills * (options.killGapMs / 1000 + 3)));
    progress(`crash: ${options.orders} orders at ${perSecond.toFixed(2)}/s, ${options.kills} kills`);
    let created = false;
    const creating = createOrders(bed, { count: options.orders, perSecond }).finally(() => {
      created = true;
    });
    let killsDuringRuns = 0;
    const busy = async () => {
      const { rows } = await h.db.pool.query<{ n: number }>(
        `select count(*)::int as n from sync_records where connection_id = $1 and status = 'running'`,
        [h.connectionId],
      );
      return rows[0]?.n ?? 0;
    };
    const unfinished = async () => {
      const { rows } = await h.db.pool.query<{ n: number }>(
        `select count(*)::int as n from pgboss.job
          where name in ('sync.record', 'inbox.process') and state in ('created', 'retry', 'active')`,
      );
      return rows[0]?.n ?? 0;
    };
    while (pool.kills < options.kills) {
      await sleep(options.killGapMs * (0.2 + Math.random() * 1.6));
      // Once every order is created and nothing is left to do, a kill proves nothing: stop.
      if (created && (await unfinished()) === 0 && (await busy()) === 0) break;
      const running = (await busy()) > 0;
      const before = pool.kills;
      await pool.killAndRestart();
      if (running && pool.kills > before) killsDuringRuns += 1;
      if (pool.kills % 10 === 0) progress(`crash: ${pool.kills} kills`);
    }
    const ids = await creating;
    progress(`crash: ${ids.length} orders created, ${pool.kills} kills`);
    const verdict = await settleAndCompare(bed, ids, options.settleTimeoutMs);
    await pool.replaceDead();
    return {
      parameters: { ...options, perSecond: Math.round(perSecond * 100) / 100, fnoLatency: CRASH_LATENCY },
      figures: [
        ...verdict.figures,
        atLeast('worker SIGKILLs', pool.kills, options.kills),
        info('kills while a record was running', killsDuringRuns),
        info('workers that died by themselves', pool.died),
      ],
      details: {
        records: verdict.settled.statuses,
        examples: verdict.comparison.examples,
        orphanedActiveJobs: verdict.settled.orphanedActiveJobs,
        workerDeaths: pool.deaths,
        evidence: verdict.evidence,
      },
    };
  } finally {
    await h.close();
  }
}

export async function runCrash(flags: Flags): Promise<SoakOutcome> {
  return withSoakDatabase((env) => crashScenario(env, crashOptions(flags)));
}
