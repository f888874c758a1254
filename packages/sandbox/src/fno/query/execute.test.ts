import { describe, expect, it } from 'vitest';
import { entity } from '../metadata/entities';
import { FnoStore } from '../store/store';
import { selectRows } from './execute';
import { parseQueryOptions } from './options';

const now = new Date('2026-01-01T00:00:00Z');
const def = entity('CustomerGroups');

function fixture() {
  const store = FnoStore.empty({ seed: 1, products: 0 });
  const table = store.table('CustomerGroups');
  store.transact(now, (tx) => {
    for (let i = 0; i < 25; i++) {
      tx.insert('CustomerGroups', {
        dataAreaId: 'usmf',
        CustomerGroupId: `G${String(i).padStart(2, '0')}`,
        Description: `Group ${24 - i}`,
      });
    }
  });
  return { store, table };
}

/** Every page of a query, 10 rows to a page, as `@odata.nextLink` would walk them. */
function pages(table: ReturnType<typeof fixture>['table'], query: string, cacheKey?: string) {
  const out: string[][] = [];
  let skip = 0;
  for (;;) {
    const options = parseQueryOptions(def, new URLSearchParams(`${query}&$skip=${skip}`), entity);
    const selection = selectRows(def, table, options, undefined, 10, cacheKey);
    out.push(selection.rows.map((row) => String(row.values['CustomerGroupId'])));
    if (!selection.next) return out;
    skip = selection.next.skip;
  }
}

describe('selectRows with a query cache key', () => {
  const query = "$filter=CustomerGroupId ne 'G03'&$orderby=Description desc";

  it('pages a query as it does without the cache', () => {
    const { table } = fixture();
    expect(pages(table, query, 'q')).toEqual(pages(table, query));
    expect(pages(table, query, 'q').flat()).toHaveLength(24);
  });

  it('sees every change made to the table between two pages', () => {
    const { store, table } = fixture();
    const first = pages(table, query, 'q');
    store.transact(now, (tx) => {
      const row = table.find({ dataAreaId: 'usmf', CustomerGroupId: 'G03' });
      if (!row) throw new Error('missing');
      tx.update('CustomerGroups', row, { ...row.values, CustomerGroupId: 'G03', Description: 'zz first' });
      tx.insert('CustomerGroups', { dataAreaId: 'usmf', CustomerGroupId: 'G99', Description: 'Group 99' });
    });
    const second = pages(table, query, 'q');
    expect(second.flat()).toHaveLength(25);
    expect(second[0]?.[0]).toBe('G99');
    expect(second).not.toEqual(first);
    // A rolled back update changes the rows back, and the cached match with them.
    expect(() =>
      store.transact(now, (tx) => {
        const row = table.find({ dataAreaId: 'usmf', CustomerGroupId: 'G00' });
        if (!row) throw new Error('missing');
        tx.update('CustomerGroups', row, { ...row.values, CustomerGroupId: 'G00', Description: 'zzz' });
        expect(pages(table, query, 'q')[0]?.[0]).toBe('G00');
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(pages(table, query, 'q')).toEqual(pages(table, query));
  });
});
