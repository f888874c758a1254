import { describe, expect, it } from 'vitest';
import { metadata } from '../metadata/registry';
import { AlternateKeys } from './alternate-keys';
import { Store } from './store';

const actor = {
  userId: '00000000-0000-4000-8000-000000000001',
  businessUnitId: '00000000-0000-4000-8000-000000000002',
  organizationId: '00000000-0000-4000-8000-000000000003',
};

const byNumber = (value: string | null) => new Map([['productnumber', value]]);

describe('key indexes', () => {
  it('find rows by key values as the platform compares them, through inserts, updates, deletes and rollbacks', () => {
    const store = Store.empty(metadata, () => new Date('2025-03-01T10:00:00Z'), 1);
    const keys = new AlternateKeys(store, () => new Date('2025-03-01T10:00:00Z'), 0);
    const model = metadata.entity('product');
    const a = store.insert('product', { name: 'A', productnumber: 'IE-1' }, { actor });
    // Built on first use from the rows already there, then kept by every write.
    expect(keys.find(model, byNumber('ie-1'))?.id).toBe(a.id);
    const b = store.insert('product', { name: 'B', productnumber: 'IE-2' }, { actor });
    expect(keys.find(model, byNumber('IE-2'))?.id).toBe(b.id);
    store.update('product', a.id, { productnumber: 'IE-3' }, actor);
    expect(keys.find(model, byNumber('IE-1'))).toBeUndefined();
    expect(keys.find(model, byNumber('IE-3'))?.id).toBe(a.id);
    store.delete('product', b.id, actor);
    expect(keys.find(model, byNumber('IE-2'))).toBeUndefined();

    // A transaction that fails leaves the index as the rows: as before it.
    expect(() =>
      store.transaction(() => {
        store.insert('product', { name: 'C', productnumber: 'IE-4' }, { actor });
        store.update('product', a.id, { productnumber: 'IE-5' }, actor);
        expect(keys.find(model, byNumber('IE-4'))).toBeDefined();
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(keys.find(model, byNumber('IE-4'))).toBeUndefined();
    expect(keys.find(model, byNumber('IE-5'))).toBeUndefined();
    expect(keys.find(model, byNumber('IE-3'))?.id).toBe(a.id);
  });

  it('see a duplicate written earlier in the same transaction', () => {
    const store = Store.empty(metadata, () => new Date('2025-03-01T10:00:00Z'), 1);
    const keys = new AlternateKeys(store, () => new Date('2025-03-01T10:00:00Z'), 0);
    const model = metadata.entity('product');
    keys.define(model, {
      schemaName: 'mlc_productnumber',
      displayName: 'Number',
      keyAttributes: ['productnumber'],
    });
    store.transaction(() => {
      const first = store.insert('product', { name: 'A', productnumber: 'IE-9' }, { actor });
      expect(keys.violatedBy(model, { name: 'B', productnumber: 'ie-9' }, 'another-id')?.logicalName).toBe(
        'mlc_productnumber',
      );
      expect(keys.violatedBy(model, { name: 'A', productnumber: 'IE-9' }, first.id)).toBeUndefined();
    });
  });
});
