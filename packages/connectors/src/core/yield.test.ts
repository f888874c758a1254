import { describe, expect, it } from 'vitest';
import { mapYielding, YIELD_EVERY } from './yield';

describe('mapYielding', () => {
  it('maps like Array.map, letting due callbacks run between slices of a long array', async () => {
    const items = Array.from({ length: YIELD_EVERY * 3 + 7 }, (_, i) => i);
    let ranAt: number | undefined;
    let mapped = 0;
    setImmediate(() => {
      ranAt = mapped;
    });
    const out = await mapYielding(items, (item, index) => {
      mapped++;
      return item * 2 + index;
    });
    expect(out).toEqual(items.map((item, index) => item * 2 + index));
    // The callback ran during the map, not before it began or after it ended.
    expect(ranAt).toBeGreaterThan(0);
    expect(ranAt).toBeLessThan(items.length);
  });
});
