import { describe, expect, it } from 'vitest';
import prices from '../fno/__fixtures__/prices.json' with { type: 'json' };
import { errorOf, okValue } from '../testing/result';
import { type CrmPriceListItemOptions, toCrmPriceListItem } from './price-list-item';

const usd: CrmPriceListItemOptions = {
  priceLevelId: '7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a',
  uomIdBySymbol: new Map([['ea', 'b1000001-0000-4000-8000-000000000001']]),
  currency: 'USD',
};

describe('toCrmPriceListItem (golden)', () => {
  it('maps a base sales price, the product referenced by its number', () => {
    expect(okValue(toCrmPriceListItem(prices.base, usd))).toMatchSnapshot();
  });

  it('divides a price given per 100 units into the price of one unit', () => {
    const item = okValue(toCrmPriceListItem(prices.basePer100, { ...usd, currency: 'EUR' }));
    expect(item.amount).toBe(0.425);
  });

  it('maps the trade agreement of the price list’s price group, with the ids given', () => {
    const item = okValue(
      toCrmPriceListItem(prices.groupAgreement, {
        ...usd,
        priceCustomerGroup: '20',
        productId: 'a1000001-0000-4000-8000-000000000001',
        uomId: 'b1000001-0000-4000-8000-000000000001',
      }),
    );
    expect(item).toMatchSnapshot();
  });
});

describe('toCrmPriceListItem (not applicable and errors)', () => {
  it('keeps customer prices, other price groups, quantity breaks and other currencies out of the price list', () => {
    expect(errorOf(toCrmPriceListItem(prices.customerAgreement, usd))).toMatchObject({
      code: 'not_applicable',
      path: ['CustomerAccountNumber'],
    });
    expect(errorOf(toCrmPriceListItem(prices.groupAgreement, usd))).toMatchObject({
      code: 'not_applicable',
      path: ['PriceCustomerGroupCode'],
    });
    const withGroup = { ...usd, priceCustomerGroup: '20' };
    expect(
      errorOf(toCrmPriceListItem({ ...prices.groupAgreement, FromQuantity: 10 }, withGroup)).path,
    ).toEqual(['FromQuantity']);
    expect(
      errorOf(toCrmPriceListItem(prices.groupAgreement, { ...withGroup, currency: 'EUR' })).path,
    ).toEqual(['PriceCurrencyCode']);
  });

  it('names a unit Sales does not have', () => {
    const error = errorOf(toCrmPriceListItem({ ...prices.base, SalesUnitSymbol: 'kg' }, usd));
    expect(error).toMatchObject({ code: 'unknown_reference', path: ['SalesUnitSymbol'] });
  });
});
