import '@mlc/db/testing';
import { describe, expect, inject, it } from 'vitest';
import { soakEnv } from '../src/flow/env';
import { DEFAULT_WEATHER } from '../src/flow/faults';
import type { SoakOutcome } from '../src/scenario';
import { faultsScenario } from '../src/scenarios/faults';

const figure = (outcome: SoakOutcome, name: string) => outcome.figures.find((f) => f.name === name)?.value;

describe('soak: faults (fast subset)', () => {
  it('15 orders under 429s, 5xx, dropped connections, a latency spike and a token expiry: exactly once, no early retry', async () => {
    const outcome = await faultsScenario(soakEnv(inject('mlcAdminUrl')), {
      orders: 15,
      perSecond: 1,
      // Compressed so that a spike and a token expiry happen within the test.
      weather: { ...DEFAULT_WEATHER, spikeEveryMs: 8_000, spikeForMs: 2_000, tokenExpiryEveryMs: 10_000 },
      deltaSeconds: 10,
      settleTimeoutMs: 75_000,
    });
    expect(figure(outcome, 'orders expected (CRM)')).toBe(15);
    expect(figure(outcome, 'orders found in F&O')).toBe(15);
    expect(figure(outcome, 'orders duplicated')).toBe(0);
    expect(figure(outcome, 'orders missing')).toBe(0);
    expect(figure(outcome, 'lines missing')).toBe(0);
    expect(figure(outcome, 'totals unequal')).toBe(0);
    expect(figure(outcome, 'requests before Retry-After elapsed (worker)')).toBe(0);
    expect(figure(outcome, 'latency spikes / token expiries')).not.toMatch(/^0 |\/ 0$/);
    expect(outcome.figures.filter((f) => f.ok === false)).toEqual([]);
  }, 150_000);
});
