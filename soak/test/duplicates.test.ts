import '@mlc/db/testing';
import { describe, expect, inject, it } from 'vitest';
import { soakEnv } from '../src/flow/env';
import type { SoakOutcome } from '../src/scenario';
import { duplicatesScenario } from '../src/scenarios/duplicates';

const figure = (outcome: SoakOutcome, name: string) => outcome.figures.find((f) => f.name === name)?.value;

describe('soak: duplicates (fast subset)', () => {
  // KNOWN INTERMITTENT FAILURE (issue #10 finding, worker not fixed yet): the customers refresh
  // triggered by the business event of a customer the worker has just created in F&O can run
  // before the order's run records that customer as its own, and writes it back to Sales as a
  // second account ('F&O → Sales writes beyond one per F&O change' = 1; see docs/reliability.md).
  it('webhooks and business events delivered 2–3 times, some late, PostgreSQL restarted: one F&O order each, no second Sales write', async () => {
    const outcome = await duplicatesScenario(soakEnv(inject('mlcAdminUrl')), {
      orders: 16,
      perSecond: 2,
      customerEdits: 3,
      deltaSeconds: 10,
      settleTimeoutMs: 60_000,
    });
    expect(figure(outcome, 'orders expected (CRM)')).toBe(16);
    expect(figure(outcome, 'orders found in F&O')).toBe(16);
    expect(figure(outcome, 'orders duplicated')).toBe(0);
    expect(figure(outcome, 'orders missing')).toBe(0);
    expect(figure(outcome, 'lines missing')).toBe(0);
    expect(figure(outcome, 'F&O → Sales writes beyond one per F&O change')).toBe(0);
    expect(figure(outcome, 'F&O customer edits missing in Sales')).toBe(0);
    expect(Number(figure(outcome, 'PostgreSQL backends terminated (the "restart")'))).toBeGreaterThan(0);
    expect(outcome.figures.filter((f) => f.ok === false)).toEqual([]);
  }, 150_000);
});
