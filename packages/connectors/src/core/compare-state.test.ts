import { describe, expect, it } from 'vitest';
import { memoryCompareState } from './compare-state';

describe('memoryCompareState', () => {
  it('compares with the last promoted pass only; unseen keys page by key; promote forgets the unmarked', async () => {
    const store = memoryCompareState();
    await store.mark(1, [
      ['a', 'h1'],
      ['b', 'h2'],
      ['c', 'h3'],
    ]);
    // Marks of a pass in progress are not a baseline yet.
    expect(await store.baseline(['a', 'b'])).toEqual(new Map());
    await store.promote(1);
    await store.mark(2, [['b', 'h2-changed']]);
    expect(await store.baseline(['a', 'b', 'z'])).toEqual(
      new Map([
        ['a', 'h1'],
        ['b', 'h2'],
      ]),
    );
    expect(await store.unseen(2, null, 1)).toEqual(['a']);
    expect(await store.unseen(2, 'a', 10)).toEqual(['c']);
    await store.mark(2, [['a', 'h1']]);
    await store.promote(2);
    await store.promote(2);
    expect(await store.baseline(['a', 'b', 'c'])).toEqual(
      new Map([
        ['a', 'h1'],
        ['b', 'h2-changed'],
      ]),
    );
    await store.clear();
    expect(await store.baseline(['a'])).toEqual(new Map());
  });
});
