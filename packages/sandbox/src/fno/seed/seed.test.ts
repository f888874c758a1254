import { describe, expect, it } from 'vitest';
import { buildSeed, isReleasedIn, itemNumber, SEED_FACTS } from './seed';

describe('seed', () => {
  it('is deterministic for a seed number and differs for another', () => {
    const dump = (seed: number) =>
      buildSeed({ seed, products: 300 })
        .allTables()
        .map((table) => table.rows().map((row) => [row.recId, row.values]));
    expect(JSON.stringify(dump(42))).toBe(JSON.stringify(dump(42)));
    expect(JSON.stringify(dump(42))).not.toBe(JSON.stringify(dump(43)));
  });

  it('numbers items like the Sales catalogue and releases some in one company only', () => {
    expect(itemNumber(0)).toBe('IE-10001');
    expect(itemNumber(1999)).toBe('IE-12000');
    expect(itemNumber(2000)).toBe('BULK-000001');
    expect(isReleasedIn(7, 'usmf')).toBe(true);
    expect(isReleasedIn(7, 'demf')).toBe(false);
    const store = buildSeed({ seed: 1, products: 2000 });
    const released = store.table('ReleasedProductsV2');
    expect(released.find({ dataAreaId: 'usmf', ItemNumber: SEED_FACTS.usmfOnlyItem })).toBeDefined();
    expect(released.find({ dataAreaId: 'demf', ItemNumber: SEED_FACTS.usmfOnlyItem })).toBeUndefined();
    expect(released.find({ dataAreaId: 'demf', ItemNumber: SEED_FACTS.demfOnlyItem })).toBeDefined();
    expect(store.table('ProductsV2').size).toBe(2000);
    expect(released.size).toBe(2 * 2000 - 160);
  });

  it('seeds customers matching Sales account numbers, orders with lines and trade agreements', () => {
    const store = buildSeed({ seed: 1, products: 500 });
    const customers = store.table('CustomersV3').rows();
    expect(customers.some((row) => row.values['CustomerAccount'] === 'ACC-10001')).toBe(true);
    expect(store.table('SalesOrderHeadersV2').size).toBe(120);
    expect(store.table('SalesOrderLines').size).toBeGreaterThan(120);
    expect(store.table('SalesPriceAgreements').size).toBeGreaterThan(0);
    expect(store.sequences.next('usmf', 'CustomerAccount')).toBe('US-00061');
    expect(store.sequences.next('usmf', 'SalesOrderNumber')).toBe('000061');
  });
});
