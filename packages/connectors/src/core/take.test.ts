import { describe, expect, it } from 'vitest';
import { take } from './take';

describe('take', () => {
  it('returns the value once and leaves the box empty', () => {
    const rows = [1, 2, 3];
    const box: { rows?: number[] | undefined; other: string } = { rows, other: 'kept' };
    expect(take(box, 'rows')).toBe(rows);
    expect(box.rows).toBeUndefined();
    expect(take(box, 'rows')).toBeUndefined();
    expect(box.other).toBe('kept');
  });
});
