/**
 * faults: orders flow from Sales to F&O while the sandbox injects 429s with Retry-After, 5xx,
 * dropped connections, latency spikes and token expiry on Dataverse and F&O; then both sides are
 * compared, with the requests sent before a Retry-After elapsed (the sandbox's early-retry
 * counters) and the longest CRM → F&O lag.
 */
import type { BenchEnv } from '@mlc/bench';
import { startOrderBed } from '../flow/bed';
import { progress, withSoakDatabase } from '../flow/env';
import { DEFAULT_WEATHER, type FaultWeather, startFaultWeather } from '../flow/faults';
import { info, intFlag, mustBe } from '../flow/figures';
import { createOrders } from '../flow/orders';
import { startTimeline } from '../flow/timeline';
import { settleAndCompare } from '../flow/verdict';
import type { Flags, SoakOutcome } from '../scenario';

export interface FaultsOptions {
  orders: number;
  perSecond: number;
  weather: FaultWeather;
  deltaSeconds: number;
  settleTimeoutMs: number;
}

export function faultsOptions(flags: Flags): FaultsOptions {
  const orders = intFlag(flags, 'orders', 1000);
  return {
    orders,
    perSecond: intFlag(flags, 'rate', 2),
    weather: {
      ...DEFAULT_WEATHER,
      retryAfterSeconds: intFlag(flags, 'retry-after', DEFAULT_WEATHER.retryAfterSeconds),
      tokenExpiryEveryMs: intFlag(flags, 'token-expiry-seconds', 60) * 1000,
    },
    deltaSeconds: intFlag(flags, 'delta-seconds', 60),
    settleTimeoutMs: intFlag(flags, 'settle-seconds', 300 + 2 * orders) * 1000,
  };
}

export async function faultsScenario(env: BenchEnv, options: FaultsOptions): Promise<SoakOutcome> {
  const bed = await startOrderBed(env, { deltaSeconds: options.deltaSeconds });
  const { h } = bed;
  try {
    await h.startWorkers(1);
    const timeline = await startTimeline(h);
    const weather = await startFaultWeather(h, options.weather);
    progress(
      `faults: ${options.orders} orders at ${options.perSecond}/s under ${JSON.stringify(options.weather)}`,
    );
    const started = Date.now();
    let ids: string[];
    try {
      ids = await createOrders(bed, { count: options.orders, perSecond: options.perSecond });
      progress(`faults: ${ids.length} orders created in ${Math.round((Date.now() - started) / 1000)} s`);
      // The faults stay on until every order has reached F&O (or the deadline).
      const deadline = Date.now() + options.settleTimeoutMs;
      while (Date.now() < deadline && timeline.fnoCreated.size < ids.length) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    } finally {
      await weather.stop();
    }
    const counters = (['entra', 'dataverse', 'fno'] as const).map((service) => ({
      service,
      snapshot: h.sandbox.sandbox.counters(service),
    }));
    const early = (clientId: string) =>
      counters.reduce((sum, { snapshot }) => sum + (snapshot.earlyRetries.byClient[clientId] ?? 0), 0);
    const verdict = await settleAndCompare(bed, ids, options.settleTimeoutMs);
    const longestLag = timeline.longestLagMs();
    timeline.stop();
    return {
      parameters: { ...options, workers: 1 },
      figures: [
        ...verdict.figures,
        mustBe('requests before Retry-After elapsed (worker)', early(h.clientIds.worker), 0),
        info(
          'of them on entra / dataverse / fno',
          counters.map(({ snapshot }) => snapshot.earlyRetries.byClient[h.clientIds.worker] ?? 0).join(' / '),
        ),
        info('requests before Retry-After elapsed (the users creating orders)', early(h.clientIds.users)),
        info('longest lag CRM → F&O (s)', Math.round(longestLag / 100) / 10),
        info(
          'requests to the sandbox (entra / dataverse / fno)',
          counters.map(({ snapshot }) => snapshot.total).join(' / '),
        ),
        info('latency spikes / token expiries', `${weather.spikes} / ${weather.tokenExpiries}`),
      ],
      details: {
        records: verdict.settled.statuses,
        examples: verdict.comparison.examples,
        earlyRetries: Object.fromEntries(
          counters.map(({ service, snapshot }) => [service, snapshot.earlyRetries]),
        ),
        evidence: verdict.evidence,
      },
    };
  } finally {
    await h.close();
  }
}

export async function runFaults(flags: Flags): Promise<SoakOutcome> {
  return withSoakDatabase((env) => faultsScenario(env, faultsOptions(flags)));
}
