import { describe, expect, it } from 'vitest';
import { metadata } from '../metadata/registry';
import { Store } from '../store/store';
import type { StoredRow } from '../store/types';
import { compileFilter } from './filter/compile';
import { parseFilter } from './filter/parser';
import { indexSeekOf, seekRows } from './index-seek';

const actor = {
  userId: '00000000-0000-4000-8000-000000000001',
  businessUnitId: '00000000-0000-4000-8000-000000000002',
  organizationId: '00000000-0000-4000-8000-000000000003',
};
const now = () => new Date('2025-06-15T12:00:00Z');

function fixture() {
  const store = Store.empty(metadata, now, 1);
  const level = store.insert('pricelevel', { name: 'Standard' }, { actor });
  const products = ['IE-1', 'ie-2', 'IE-3', 'IE-4'].map((productnumber) =>
    store.insert('product', { name: `P ${productnumber}`, productnumber }, { actor }),
  );
  const items = products.slice(0, 3).map(
    (product) =>
      store.insert(
        'productpricelevel',
        {
          pricelevelid: { id: level.id, logicalName: 'pricelevel' },
          productid: { id: product.id, logicalName: 'product' },
          amount: 10,
        },
        { actor },
      ).id,
  );
  return { store, products, items };
}

/** What a filter answers scanning the table, and what it answers on the rows its seek finds. */
function both(store: Store, table: string, text: string) {
  const model = metadata.entity(table);
  const expr = parseFilter(text);
  const predicate = compileFilter(expr, model, { metadata, store, now });
  const ids = (rows: Iterable<StoredRow>) =>
    [...rows]
      .filter(predicate)
      .map((row) => row.id)
      .sort();
  const seek = indexSeekOf(expr, model);
  return { scan: ids(store.rows(table)), seek: seek ? ids(seekRows(store, model, seek)) : undefined };
}

describe('index seeks', () => {
  it('answer key, lookup and In filters as a scan of the table does', () => {
    const { store, products, items } = fixture();
    const [p1, p2, p3, p4] = products.map((p) => p.id) as [string, string, string, string];
    const [i1, i2] = items as [string, string, string];
    const cases: [string, string, string[]][] = [
      ['product', "productnumber eq 'ie-1'", [p1]],
      ['product', "productnumber eq 'IE-2' or productnumber eq 'IE-4'", [p2, p4].sort()],
      [
        'product',
        "Microsoft.Dynamics.CRM.In(PropertyName='productnumber',PropertyValues=['IE-3','ie-1','nope'])",
        [p1, p3].sort(),
      ],
      ['product', `productid eq ${p4}`, [p4]],
      ['product', `productnumber eq 'IE-1' and name eq 'P IE-2'`, []],
      ['productpricelevel', `_productid_value eq ${p2}`, [i2]],
      [
        'productpricelevel',
        `Microsoft.Dynamics.CRM.In(PropertyName='productid',PropertyValues=['${p1}','${p4}']) and amount eq 10`,
        [i1],
      ],
    ];
    for (const [table, text, expected] of cases) {
      const { scan, seek } = both(store, table, text);
      expect(seek, text).toBeDefined();
      expect(seek, text).toEqual(scan);
      expect(scan, text).toEqual(expected);
    }
  });

  it('follows writes made after the index was built', () => {
    const { store, products } = fixture();
    const filter = "productnumber eq 'IE-9'";
    expect(both(store, 'product', filter).seek).toEqual([]);
    store.update('product', products[0]?.id ?? '', { productnumber: 'IE-9' }, actor);
    expect(both(store, 'product', filter).seek).toEqual([products[0]?.id]);
  });

  it('is not used where it could miss rows: ne, not, or across columns, other operators', () => {
    const { store } = fixture();
    for (const text of [
      "productnumber ne 'IE-1'",
      "not (productnumber eq 'IE-1')",
      "productnumber eq 'IE-1' or name eq 'P IE-2'",
      "startswith(productnumber,'IE')",
      "Microsoft.Dynamics.CRM.NotIn(PropertyName='productnumber',PropertyValues=['IE-1'])",
      'productnumber eq null',
    ]) {
      expect(both(store, 'product', text).seek, text).toBeUndefined();
    }
  });
});
