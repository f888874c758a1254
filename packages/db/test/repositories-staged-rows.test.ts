import { describe, expect } from 'vitest';
import { createStagedRowsRepository } from '../src/index';
import { dbTest } from '../src/testing/index';
import { seedConnection } from './seed';

describe('staged-rows repository', () => {
  dbTest(
    'rows put by key are read and removed by key, listed in key order, and kept apart per stream',
    async ({ database: { db } }) => {
      const connectionId = await seedConnection(db);
      const repo = createStagedRowsRepository(db);
      const names = repo.forStream(connectionId, 'products/ProductsV2');
      const other = repo.forStream(connectionId, 'products/ProductsV2@other');
      await names.put([
        ['P-2', { ProductName: 'Two', ProductDescription: null }],
        ['P-1', { ProductName: 'One' }],
        ['P-3', { ProductName: "Three's" }],
        ['P-1', { ProductName: 'One, renamed' }],
      ]);
      await other.put([['P-1', { ProductName: 'elsewhere' }]]);
      await names.put([['P-2', { ProductName: 'Two again', ProductDescription: 'with a description' }]]);
      expect(await names.get(['P-1', 'P-2', 'p-3', 'P-9'])).toEqual(
        new Map<string, unknown>([
          ['P-1', { ProductName: 'One, renamed' }],
          ['P-2', { ProductName: 'Two again', ProductDescription: 'with a description' }],
        ]),
      );
      expect(await names.keys(null, 2)).toEqual(['P-1', 'P-2']);
      expect(await names.keys('P-2', 10)).toEqual(['P-3']);
      await names.remove(['P-1', 'P-3']);
      expect(await names.keys(null, 10)).toEqual(['P-2']);
      expect(await other.get(['P-1'])).toEqual(new Map([['P-1', { ProductName: 'elsewhere' }]]));
      await names.clear();
      expect(await names.keys(null, 10)).toEqual([]);
      expect(await other.keys(null, 10)).toEqual(['P-1']);
    },
  );
});
