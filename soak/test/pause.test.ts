import '@mlc/db/testing';
import { describe, expect, inject, it } from 'vitest';
import { soakEnv } from '../src/flow/env';
import type { SoakOutcome } from '../src/scenario';
import { pauseScenario } from '../src/scenarios/pause';

const figure = (outcome: SoakOutcome, name: string) => outcome.figures.find((f) => f.name === name)?.value;

describe('soak: pause (fast subset)', () => {
  // KNOWN FAILURE (issue #10 finding, worker not fixed yet): a change to an order that was already
  // synced, made while the connection is paused, is not kept as pending (records.upsertPending
  // leaves a synced record synced), so Resume does not re-run it; only a later change-tracking
  // delta read would. The safety net is set to an hour here so the pause itself must keep it.
  it('orders and changes while paused reach F&O only after resume: every order once, in order, changes applied', async () => {
    const outcome = await pauseScenario(soakEnv(inject('mlcAdminUrl')), {
      before: 4,
      orders: 16,
      perSecond: 4,
      updates: 6,
      deltaSeconds: 3600,
      settleTimeoutMs: 60_000,
    });
    expect(figure(outcome, 'F&O order writes while paused')).toBe(0);
    expect(figure(outcome, 'orders expected (CRM)')).toBe(20);
    expect(figure(outcome, 'orders found in F&O')).toBe(20);
    expect(figure(outcome, 'orders duplicated')).toBe(0);
    expect(figure(outcome, 'orders missing')).toBe(0);
    // The raised quantities are part of the lines compared.
    expect(figure(outcome, 'lines missing')).toBe(0);
    expect(figure(outcome, 'totals unequal')).toBe(0);
    expect(Number(figure(outcome, 'largest distance from CRM order (positions)'))).toBeLessThanOrEqual(8);
    expect(outcome.figures.filter((f) => f.ok === false)).toEqual([]);
  }, 150_000);
});
