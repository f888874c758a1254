import '@mlc/db/testing';
import { describe, expect, inject, it } from 'vitest';
import { soakEnv } from '../src/flow/env';
import type { SoakOutcome } from '../src/scenario';
import { crashScenario } from '../src/scenarios/crash';

const figure = (outcome: SoakOutcome, name: string) => outcome.figures.find((f) => f.name === name)?.value;

describe('soak: crash (fast subset)', () => {
  it('20 orders while the worker is SIGKILLed 3 times: every order in F&O exactly once, every line, equal totals', async () => {
    const outcome = await crashScenario(soakEnv(inject('mlcAdminUrl')), {
      orders: 20,
      kills: 3,
      killGapMs: 2_000,
      perSecond: 2,
      deltaSeconds: 10,
      settleTimeoutMs: 60_000,
    });
    expect(figure(outcome, 'worker SIGKILLs')).toBe(3);
    expect(figure(outcome, 'lines expected (CRM)')).toBeGreaterThanOrEqual(20);
    expect(figure(outcome, 'orders expected (CRM)')).toBe(20);
    expect(figure(outcome, 'orders found in F&O')).toBe(20);
    expect(figure(outcome, 'orders duplicated')).toBe(0);
    expect(figure(outcome, 'orders missing')).toBe(0);
    expect(figure(outcome, 'lines missing')).toBe(0);
    expect(figure(outcome, 'lines extra')).toBe(0);
    expect(figure(outcome, 'totals unequal')).toBe(0);
    expect(outcome.figures.filter((f) => f.ok === false)).toEqual([]);
  }, 120_000);
});
