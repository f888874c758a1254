import { describe, expect, it } from 'vitest';
import opportunityWon from '../sales/__fixtures__/opportunity-won.json' with { type: 'json' };
import orderActive from '../sales/__fixtures__/order-active.json' with { type: 'json' };
import orderFromOpportunity from '../sales/__fixtures__/order-from-opportunity.json' with { type: 'json' };
import { errorOf, okValue } from '../testing/result';
import { dealKeyOf } from './deal-key';
import { type FnoSalesOrderOptions, type ReleasedItem, toFnoSalesOrder } from './sales-order';

const released = (itemNumber: string, salesUnitSymbol: string): [string, ReleasedItem] => [
  itemNumber,
  { itemNumber, salesUnitSymbol, released: true },
];

const usmf: FnoSalesOrderOptions = {
  dataAreaId: 'usmf',
  customerAccount: 'ACC-10011',
  products: new Map([released('IE-10001', 'ea'), released('IE-10007', 'ea')]),
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

describe('toFnoSalesOrder (golden)', () => {
  it('maps an active CRM order with a write-in line', () => {
    const mapped = okValue(toFnoSalesOrder(orderActive, usmf));
    expect(mapped).toMatchSnapshot();
  });

  it('orders lines by line item number (lines without one last) and numbers them 1…n', () => {
    const mapped = okValue(toFnoSalesOrder(orderActive, usmf));
    expect(mapped.lines.map(({ line }) => [line.LineNumber, line.ItemNumber])).toEqual([
      [1, 'IE-10001'],
      [2, 'IE-10007'],
      [3, 'WRITE-IN'],
    ]);
    const shuffled = { ...orderActive, lines: [...orderActive.lines].reverse() };
    expect(okValue(toFnoSalesOrder(shuffled, usmf))).toEqual(mapped);
  });

  it('keeps the CRM price and turns the line’s manual discount into F&O’s per-unit discount', () => {
    const [pump, seals, writeIn] = okValue(toFnoSalesOrder(orderActive, usmf)).lines.map(({ line }) => line);
    expect(pump).toMatchObject({ SalesPrice: 1249.5, SalesPriceQuantity: 1, OrderedSalesQuantity: 3 });
    expect(pump?.LineDiscountAmount).toBeCloseTo(50 / 3, 6);
    expect(seals).not.toHaveProperty('LineDiscountAmount');
    expect(writeIn).toMatchObject({
      ItemNumber: 'WRITE-IN',
      LineDescription: 'On-site commissioning (2 technicians, 1 day)',
      SalesPrice: 900,
    });
  });

  it('lets F&O price the lines when configured', () => {
    const mapped = okValue(toFnoSalesOrder(orderActive, { ...usmf, prices: 'fno' }));
    for (const { line } of mapped.lines) {
      expect(line).not.toHaveProperty('SalesPrice');
      expect(line).not.toHaveProperty('LineDiscountAmount');
    }
  });

  it('maps a won opportunity, its products becoming the lines', () => {
    const mapped = okValue(toFnoSalesOrder(opportunityWon, demf));
    expect(mapped).toMatchSnapshot();
    expect(mapped.header.CustomersOrderReference).toBe('OPP-0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a');
  });

  it('uses the unit mapped for the line’s CRM unit over the item’s sales unit', () => {
    const units = new Map([['b1000001-0000-4000-8000-000000000002', 'hr']]);
    const mapped = okValue(toFnoSalesOrder(opportunityWon, { ...demf, unitSymbolByUomId: units }));
    expect(mapped.lines.map(({ line }) => line.SalesUnitSymbol)).toEqual(['ea', 'hr']);
  });
});

describe('dealKeyOf: a won opportunity and the order generated from it are one deal', () => {
  it('gives the order generated from an opportunity the opportunity’s key', () => {
    const fromOpportunity = okValue(dealKeyOf(opportunityWon));
    const fromOrder = okValue(dealKeyOf(orderFromOpportunity));
    expect(fromOpportunity).toBe('OPP-0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a');
    expect(fromOrder).toBe(fromOpportunity); // the order's lookup GUID is upper case: same key
    expect(okValue(toFnoSalesOrder(orderFromOpportunity, demf)).header.CustomersOrderReference).toBe(
      fromOpportunity,
    );
  });

  it('keys any other order by its order number', () => {
    expect(okValue(dealKeyOf(orderActive))).toBe('ORD-01042-K7Q2M9');
  });

  it('refuses an order number that does not fit CustomersOrderReference, and a missing one', () => {
    const long = { ...orderActive, order: { ...orderActive.order, ordernumber: `ORD-${'9'.repeat(57)}` } };
    expect(errorOf(dealKeyOf(long))).toMatchObject({
      code: 'value_too_long',
      path: ['order', 'ordernumber'],
    });
    const none = { ...orderActive, order: { ...orderActive.order, ordernumber: null } };
    expect(errorOf(dealKeyOf(none))).toMatchObject({ code: 'missing_field', path: ['order', 'ordernumber'] });
  });
});

describe('toFnoSalesOrder (errors)', () => {
  it('names a product that is not released in the legal entity', () => {
    const error = errorOf(
      toFnoSalesOrder(orderActive, { ...usmf, products: new Map([released('IE-10001', 'ea')]) }),
    );
    expect(error.code).toBe('unknown_reference');
    expect(error.path).toEqual(['lines', 2, 'productnumber']);
    expect(error.message).toBe(
      "product 'IE-10007' (line 2 of order ORD-01042-K7Q2M9) is not released in legal entity usmf: release it in F&O or map the line to a write-in item.",
    );
  });

  it('fails a write-in line clearly when no write-in item is configured', () => {
    const { writeInItem: _, ...withoutWriteIn } = usmf;
    const error = errorOf(toFnoSalesOrder(orderActive, withoutWriteIn));
    expect(error.code).toBe('unknown_reference');
    expect(error.path).toEqual(['lines', 1, 'isproductoverridden']);
    expect(error.message).toContain('no write-in item is configured for legal entity usmf');
  });

  it('needs the product numbers of opportunity products', () => {
    const { productNumberById: _, ...withoutNumbers } = demf;
    const error = errorOf(toFnoSalesOrder(opportunityWon, withoutNumbers));
    expect(error).toMatchObject({ code: 'unknown_reference', path: ['products', 0, 'productid'] });
  });

  it('does not map an opportunity that is not won', () => {
    const open = {
      ...opportunityWon,
      opportunity: { ...opportunityWon.opportunity, statecode: 0, statuscode: 1 },
    };
    expect(errorOf(toFnoSalesOrder(open, demf))).toMatchObject({
      code: 'not_applicable',
      path: ['opportunity', 'statecode'],
    });
  });

  it('refuses non-positive quantities, negative prices and discounts above the line amount', () => {
    const line = (patch: Record<string, unknown>) => ({
      ...orderActive,
      lines: [{ ...orderActive.lines[0], ...patch }],
    });
    expect(errorOf(toFnoSalesOrder(line({ quantity: 0 }), usmf))).toMatchObject({
      code: 'invalid_source',
      path: ['lines', 0, 'quantity'],
    });
    expect(errorOf(toFnoSalesOrder(line({ quantity: null }), usmf)).code).toBe('missing_field');
    expect(errorOf(toFnoSalesOrder(line({ priceperunit: -1 }), usmf)).path).toEqual([
      'lines',
      0,
      'priceperunit',
    ]);
    expect(errorOf(toFnoSalesOrder(line({ manualdiscountamount: 4000 }), usmf)).path).toEqual([
      'lines',
      0,
      'manualdiscountamount',
    ]);
  });

  it('needs a currency and at least one line', () => {
    expect(errorOf(toFnoSalesOrder({ ...orderActive, currencyCode: null }, usmf)).code).toBe('missing_field');
    expect(
      okValue(toFnoSalesOrder({ ...orderActive, currencyCode: null }, { ...usmf, currency: 'usd' })).header
        .CurrencyCode,
    ).toBe('USD');
    expect(errorOf(toFnoSalesOrder({ ...orderActive, lines: [] }, usmf))).toMatchObject({
      code: 'missing_field',
      path: ['lines'],
    });
  });

  it('reports a malformed record with the field path', () => {
    const bad = { ...orderActive, lines: [{ ...orderActive.lines[0], quantity: '3' }] };
    const error = errorOf(toFnoSalesOrder(bad, usmf));
    expect(error.code).toBe('invalid_source');
    expect(error.path).toEqual(['lines', 0, 'quantity']);
  });
});
