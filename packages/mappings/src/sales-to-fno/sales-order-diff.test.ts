import { describe, expect, it } from 'vitest';
import opportunityWon from '../sales/__fixtures__/opportunity-won.json' with { type: 'json' };
import orderActive from '../sales/__fixtures__/order-active.json' with { type: 'json' };
import orderFromOpportunity from '../sales/__fixtures__/order-from-opportunity.json' with { type: 'json' };
import { okValue } from '../testing/result';
import { type FnoSalesOrderOptions, type ReleasedItem, toFnoSalesOrder } from './sales-order';
import { diffFnoSalesOrder } from './sales-order-diff';

const released = (itemNumber: string, salesUnitSymbol: string): [string, ReleasedItem] => [
  itemNumber,
  { itemNumber, salesUnitSymbol, released: true },
];
const usmf: FnoSalesOrderOptions = {
  dataAreaId: 'usmf',
  customerAccount: 'ACC-10011',
  products: new Map([released('IE-10001', 'ea'), released('IE-10007', 'ea'), released('IE-10020', 'ea')]),
  writeInItem: 'WRITE-IN',
};
const demf: FnoSalesOrderOptions = {
  dataAreaId: 'demf',
  customerAccount: 'ACC-10004',
  products: new Map([released('IE-10001', 'ea'), released('IE-10012', 'h')]),
  productNumberById: new Map([
    ['a1000001-0000-4000-8000-000000000001', 'IE-10001'],
    ['a1000001-0000-4000-8000-000000000012', 'IE-10012'],
  ]),
};
const map = (record: unknown, options: FnoSalesOrderOptions) => okValue(toFnoSalesOrder(record, options));

describe('diffFnoSalesOrder', () => {
  it('finds nothing between two mappings of the same record', () => {
    const diff = diffFnoSalesOrder(map(orderActive, usmf), map(orderActive, usmf));
    expect(diff.unchanged).toBe(true);
  });

  it('reports header changes, and lines added, removed and changed', () => {
    const [pump, writeIn, seals] = orderActive.lines;
    const edited = {
      ...orderActive,
      order: { ...orderActive.order, requestdeliveryby: '2026-03-23', shipto_line1: null },
      lines: [
        { ...pump, quantity: 4 },
        // seals removed; the write-in kept; a new catalog line:
        writeIn,
        {
          ...seals,
          salesorderdetailid: 'e1000001-0000-4000-8000-000000000009',
          lineitemnumber: 3,
          productnumber: 'IE-10020',
          quantity: 2,
        },
      ],
    };
    const diff = diffFnoSalesOrder(map(orderActive, usmf), map(edited, usmf));
    expect(diff.identityChanged).toBe(false);
    expect(diff.unchanged).toBe(false);
    expect(diff.header).toEqual([
      { field: 'DeliveryAddressStreet', from: '4410 Industrial Pkwy, Dock 3', to: null },
      { field: 'RequestedShippingDate', from: '2026-03-16T12:00:00Z', to: '2026-03-23T12:00:00Z' },
    ]);
    expect(diff.lines.added.map(({ line }) => line.ItemNumber)).toEqual(['IE-10020']);
    expect(diff.lines.removed.map(({ line }) => line.ItemNumber)).toEqual(['IE-10007']);
    expect(diff.lines.changed).toHaveLength(1);
    expect(diff.lines.changed[0]?.fields).toEqual([
      { field: 'LineDiscountAmount', from: 16.666667, to: 12.5 },
      { field: 'OrderedSalesQuantity', from: 3, to: 4 },
    ]);
  });

  it('does not report a line as changed only because its position moved', () => {
    const [pump, writeIn, seals] = orderActive.lines;
    const withoutPump = { ...orderActive, lines: [writeIn, seals] };
    const diff = diffFnoSalesOrder(map(orderActive, usmf), map(withoutPump, usmf));
    expect(diff.lines.removed.map(({ sourceLineId }) => sourceLineId)).toEqual([pump?.salesorderdetailid]);
    expect(diff.lines.changed).toEqual([]);
    expect(diff.lines.added).toEqual([]);
  });

  it('matches the order generated from a won opportunity to the opportunity’s order line by line', () => {
    const diff = diffFnoSalesOrder(map(opportunityWon, demf), map(orderFromOpportunity, demf));
    expect(diff.identityChanged).toBe(false);
    expect(diff.lines).toEqual({ added: [], removed: [], changed: [] });
    expect(diff.header).toEqual([{ field: 'RequestedShippingDate', from: null, to: '2026-04-01T12:00:00Z' }]);
  });

  it('flags a change of legal entity or deal key: not an update of the same F&O order', () => {
    const other = { ...orderActive, order: { ...orderActive.order, ordernumber: 'ORD-01043-ZZZZZZ' } };
    expect(diffFnoSalesOrder(map(orderActive, usmf), map(other, usmf)).identityChanged).toBe(true);
    const moved = diffFnoSalesOrder(
      map(orderActive, usmf),
      map(orderActive, { ...usmf, dataAreaId: 'demf' }),
    );
    expect(moved.identityChanged).toBe(true);
    expect(moved.unchanged).toBe(false);
  });
});
