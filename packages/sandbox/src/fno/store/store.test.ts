import { describe, expect, it } from 'vitest';
import type { EntityChange } from './changes';
import { FnoStore } from './store';

describe('FnoStore transactions', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('undoes every write of a failed transaction and publishes only committed changes', () => {
    const store = FnoStore.empty({ seed: 1, products: 0 });
    const published: EntityChange[][] = [];
    store.changes.subscribe((changes) => published.push([...changes]));
    const table = store.table('CustomerGroups');
    store.transact(now, (tx) => {
      tx.insert('CustomerGroups', { dataAreaId: 'usmf', CustomerGroupId: '10', Description: 'Ten' });
    });
    expect(() =>
      store.transact(now, (tx) => {
        const row = table.find({ dataAreaId: 'USMF', CustomerGroupId: '10' });
        if (!row) throw new Error('missing');
        tx.update('CustomerGroups', row, { ...row.values, Description: 'Changed' });
        tx.insert('CustomerGroups', { dataAreaId: 'usmf', CustomerGroupId: '20' });
        tx.remove('CustomerGroups', row);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(table.size).toBe(1);
    const row = table.find({ dataAreaId: 'usmf', CustomerGroupId: '10' });
    expect(row?.values['Description']).toBe('Ten');
    expect(row?.version).toBe(1);
    expect(published).toHaveLength(1);
    expect(published[0]?.[0]).toMatchObject({
      entitySet: 'CustomerGroups',
      operation: 'create',
      legalEntity: 'usmf',
    });
  });

  it('keeps rows in key order and stores values sparsely', () => {
    const store = FnoStore.empty({ seed: 1, products: 0 });
    store.transact(now, (tx) => {
      for (const id of ['30', '10', '20']) {
        tx.insert('CustomerGroups', {
          dataAreaId: 'usmf',
          CustomerGroupId: id,
          IsPublicSector_IT: 'No',
          Description: '',
        });
      }
      tx.insert('SalesPriceAgreements', { dataAreaId: 'usmf', RecordId: 5637144999, Price: 1 }, 5637144999);
      tx.insert('SalesPriceAgreements', { dataAreaId: 'usmf', RecordId: 900, Price: 2 }, 900);
    });
    const groups = store.table('CustomerGroups').rows();
    expect(groups.map((row) => row.values['CustomerGroupId'])).toEqual(['10', '20', '30']);
    expect(groups[0]?.values).toEqual({ dataAreaId: 'usmf', CustomerGroupId: '10' });
    const agreements = store.table('SalesPriceAgreements').rows();
    expect(agreements.map((row) => row.recId)).toEqual([900, 5637144999]);
  });
});
