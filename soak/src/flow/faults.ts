/**
 * Fault weather on the sandbox's Dataverse and F&O ports while a scenario runs: a steady share of
 * 429s (with Retry-After), 5xx and dropped connections with jittered latency, a latency spike at a
 * fixed period, and every `tokenExpiryEveryMs` all tokens issued so far rejected as expired (the
 * token-expiry fault), on top of a short token lifetime set on Entra ID.
 */
import type { BenchHarness } from '@mlc/bench';
import type { FaultInput } from '@mlc/sandbox';
import { setFaults } from './control';
import { progress } from './env';

export interface FaultWeather {
  rate429: number;
  retryAfterSeconds: number;
  rate5xx: number;
  resetRate: number;
  latencyMs: number;
  latencyJitterMs: number;
  /** A spike: `spikeLatencyMs` (+ the jitter) for `spikeForMs` every `spikeEveryMs`. */
  spikeLatencyMs: number;
  spikeEveryMs: number;
  spikeForMs: number;
  tokenLifetimeSeconds: number;
  tokenExpiryEveryMs: number;
}

export const DEFAULT_WEATHER: FaultWeather = {
  rate429: 0.2,
  retryAfterSeconds: 1,
  rate5xx: 0.05,
  resetRate: 0.02,
  latencyMs: 20,
  latencyJitterMs: 150,
  spikeLatencyMs: 2_000,
  spikeEveryMs: 30_000,
  spikeForMs: 5_000,
  tokenLifetimeSeconds: 60,
  tokenExpiryEveryMs: 60_000,
};

export interface RunningWeather {
  readonly spikes: number;
  readonly tokenExpiries: number;
  stop(): Promise<void>;
}

export async function startFaultWeather(h: BenchHarness, weather: FaultWeather): Promise<RunningWeather> {
  let spiking = false;
  let expireBefore: string | null = null;
  let spikes = 0;
  let tokenExpiries = 0;
  const config = (): FaultInput => ({
    rate429: weather.rate429,
    retryAfterSeconds: weather.retryAfterSeconds,
    rate5xx: weather.rate5xx,
    resetRate: weather.resetRate,
    latencyMs: spiking ? weather.spikeLatencyMs : weather.latencyMs,
    latencyJitterMs: weather.latencyJitterMs,
    expireTokensIssuedBefore: expireBefore,
  });
  // Applied one after the other (a PUT replaces the whole setting of a port).
  let applying: Promise<unknown> = Promise.resolve();
  const apply = () => {
    applying = applying.then(async () => {
      await setFaults(h, 'dataverse', config());
      await setFaults(h, 'fno', config());
    });
    return applying;
  };
  await setFaults(h, 'entra', { tokenLifetimeSeconds: weather.tokenLifetimeSeconds });
  await apply();
  const timers: NodeJS.Timeout[] = [];
  timers.push(
    setInterval(() => {
      spiking = true;
      spikes += 1;
      void apply();
      timers.push(
        setTimeout(() => {
          spiking = false;
          void apply();
        }, weather.spikeForMs),
      );
    }, weather.spikeEveryMs),
    setInterval(() => {
      expireBefore = new Date().toISOString();
      tokenExpiries += 1;
      progress(`faults: every token issued before ${expireBefore} now expired`);
      void apply();
    }, weather.tokenExpiryEveryMs),
  );
  return {
    get spikes() {
      return spikes;
    },
    get tokenExpiries() {
      return tokenExpiries;
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await applying.catch(() => undefined);
    },
  };
}
