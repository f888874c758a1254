import { describe, expect, it } from 'vitest';
import { runIsolation } from '../src/scenarios/isolation';

describe('soak isolation (fast subset)', () => {
  it('two workspaces: the other’s ids are NOT_FOUND; no secret or token in logs or answers', async () => {
    const outcome = await runIsolation({ settle: '3' });
    const failed = outcome.figures.filter((figure) => figure.ok === false);
    expect(failed, JSON.stringify(outcome.details)).toEqual([]);
    expect(outcome.figures.find((figure) => figure.name === 'cross-workspace calls')?.value).toBeGreaterThan(
      20,
    );
  }, 180_000);
});
