import { describe, expect, it } from 'vitest';
import { runBadInput } from '../src/scenarios/bad-input';

describe('soak bad-input (fast subset)', () => {
  it('hostile deliveries and API calls: no 5xx, clear refusals, nothing valid lost', async () => {
    const outcome = await runBadInput({ runs: '200', seed: '5' });
    const failed = outcome.figures.filter((figure) => figure.ok === false);
    expect(failed, JSON.stringify(outcome.details)).toEqual([]);
    expect(outcome.figures.find((figure) => figure.name === 'valid deliveries')?.value).toBeGreaterThan(10);
  }, 120_000);
});
