import { describe, expect } from 'vitest';
import { createCompareStateRepository } from '../src/index';
import { dbTest } from '../src/testing/index';
import { seedConnection } from './seed';

describe('compare-state repository', () => {
  dbTest(
    'baseline = last promoted pass; unseen pages by key; promote forgets unmarked keys; streams apart',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const repo = createCompareStateRepository(db);
      const store = repo.forStream(connectionId, 'products/ReleasedProductsV2@usmf');
      const other = repo.forStream(connectionId, 'customers@usmf');
      await store.mark(1, [
        ["K('a')", 'h1'],
        ["K('b')", 'h2'],
        ["K('c')", 'h3'],
      ]);
      await other.mark(1, [["K('a')", 'other']]);
      expect(await store.baseline(["K('a')"])).toEqual(new Map());
      await store.promote(1);
      await store.mark(2, [["K('b')", 'h2-new']]);
      await store.mark(2, [["K('b')", 'h2-newer']]);
      expect(await store.baseline(["K('a')", "K('b')", "K('z')"])).toEqual(
        new Map([
          ["K('a')", 'h1'],
          ["K('b')", 'h2'],
        ]),
      );
      expect(await other.baseline(["K('a')"])).toEqual(new Map());
      expect(await store.unseen(2, null, 1)).toEqual(["K('a')"]);
      expect(await store.unseen(2, "K('a')", 10)).toEqual(["K('c')"]);
      await store.mark(2, [["K('a')", 'h1']]);
      await store.promote(2);
      await store.promote(2);
      expect(await store.baseline(["K('a')", "K('b')", "K('c')"])).toEqual(
        new Map([
          ["K('a')", 'h1'],
          ["K('b')", 'h2-newer'],
        ]),
      );
      await store.clear();
      expect(await store.baseline(["K('a')"])).toEqual(new Map());
      await other.promote(1);
      expect(await other.baseline(["K('a')"])).toEqual(new Map([["K('a')", 'other']]));
    },
  );
});
