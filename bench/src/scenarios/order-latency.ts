import type { Scenario } from '../main';
import type { Figure } from '../report';
import {
  auditFigures,
  burst,
  cpuDuring,
  cpuFigure,
  LATENCY,
  latencyFigures,
  measure,
  orderBed,
  runAudit,
  steady,
  throttling,
} from './orders';

/**
 * Orders created in Sales at a steady rate, then a burst; latency from the CRM commit to the F&O
 * commit (both taken by the sandbox at commit) and from the webhook's arrival (inbox
 * `received_at`) to the F&O commit.
 */
export const runOrderLatency: Scenario = async (env, flags) => {
  const rate = Number(flags['rate'] ?? 5);
  const seconds = Number(flags['seconds'] ?? 120);
  const burstSize = Number(flags['burst'] ?? 200);
  const lines = Number(flags['lines'] ?? 3);
  const concurrency = Number(flags['concurrency'] ?? 8);
  const workers = Number(flags['workers'] ?? 1);
  const bed = await orderBed(env, { workers, accounts: 20, products: 20, concurrency });
  try {
    const { result: steadyPhase, cpu: steadyCpu } = await cpuDuring(bed.h, async () =>
      measure(bed, await steady(bed, rate, seconds, lines), 180_000),
    );
    const { result: burstPhase, cpu: burstCpu } = await cpuDuring(bed.h, async () =>
      measure(bed, await burst(bed, burstSize, lines), 300_000),
    );
    const quota = await throttling(bed.h);
    const audit = await runAudit(bed.h);
    const figures: Figure[] = [
      ...latencyFigures(`steady ${rate}/s × ${seconds} s`, steadyPhase, { p95: 1000 }),
      ...latencyFigures(`burst of ${burstSize}`, burstPhase),
      { figure: 'burst: first CRM commit → last F&O commit (ms)', value: burstPhase.spanMs },
      {
        figure: '429s (Dataverse service protection / F&O throttling)',
        value: `${quota.dataverse429} / ${quota.fno429}`,
      },
      cpuFigure('steady', steadyCpu),
      cpuFigure('burst', burstCpu),
      ...auditFigures(audit),
    ];
    return {
      parameters: {
        rate,
        seconds,
        burst: burstSize,
        lines,
        workers,
        latencyMs: LATENCY,
        concurrencyPerWorker: concurrency,
      },
      figures,
      details: {
        steady: steadyPhase,
        burst: burstPhase,
        throttling: quota,
        audit,
        cpu: { steady: steadyCpu, burst: burstCpu },
      },
    };
  } finally {
    bed.timeline.stop();
    await bed.h.close();
  }
};
