import type { Scenario } from '../main';
import type { Figure } from '../report';
import {
  burst,
  type CpuUse,
  cpuDuring,
  cpuFigure,
  LATENCY,
  latencyFigures,
  measure,
  orderBed,
  type PhaseResult,
  steady,
  throttling,
} from './orders';

/**
 * The order scenario with one and with two worker processes (a fresh sandbox and database each):
 * a steady phase (latency) and a backlog (burst) whose drain rate is the throughput compared.
 */
export const runScaleOut: Scenario = async (env, flags) => {
  const rate = Number(flags['rate'] ?? 5);
  const seconds = Number(flags['seconds'] ?? 30);
  const burstSize = Number(flags['burst'] ?? 300);
  const lines = Number(flags['lines'] ?? 3);
  const concurrency = Number(flags['concurrency'] ?? 8);
  const runs: { workers: number; steady: PhaseResult; burst: PhaseResult; quota: unknown; cpu: CpuUse }[] =
    [];
  for (const workers of [1, 2]) {
    const bed = await orderBed(env, { workers, accounts: 20, products: 20, concurrency });
    try {
      const steadyPhase = await measure(bed, await steady(bed, rate, seconds, lines), 180_000);
      const { result: burstPhase, cpu } = await cpuDuring(bed.h, async () =>
        measure(bed, await burst(bed, burstSize, lines), 300_000),
      );
      runs.push({ workers, steady: steadyPhase, burst: burstPhase, quota: await throttling(bed.h), cpu });
    } finally {
      bed.timeline.stop();
      await bed.h.close();
    }
  }
  const [one, two] = runs;
  const speedup =
    one && two ? Math.round((two.burst.throughput / one.burst.throughput) * 100) / 100 : Number.NaN;
  const figures: Figure[] = [];
  for (const run of runs) {
    figures.push(
      ...latencyFigures(`${run.workers} worker(s), steady ${rate}/s`, run.steady),
      ...latencyFigures(`${run.workers} worker(s), burst of ${burstSize}`, run.burst),
      { figure: `${run.workers} worker(s): 429s`, value: JSON.stringify(run.quota) },
      cpuFigure(`${run.workers} worker(s), burst`, run.cpu),
    );
  }
  figures.push({
    figure: 'burst throughput, 2 workers / 1 worker',
    value: `${speedup}×`,
    target: '≥ 1.6×',
    met: speedup >= 1.6,
  });
  return {
    parameters: {
      rate,
      seconds,
      burst: burstSize,
      lines,
      latencyMs: LATENCY,
      concurrencyPerWorker: concurrency,
    },
    figures,
    details: { runs },
  };
};
