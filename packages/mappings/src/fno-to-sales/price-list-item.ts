import type { Result } from '../errors';
import { fnoBasePriceSchema, fnoPriceAgreementSchema } from '../fno/records';
import { parseSource } from '../parse';
import { attempt, fail, textOf, unwrap } from '../text';
import type { CrmRef } from './common';
import { lookup } from './product';

/**
 * An F&O sales price → a Dynamics 365 Sales price-list item (`productpricelevel`) on the price list
 * of the legal entity and currency.
 *
 * Source: the released product's base price (`ReleasedProductsV2`: `SalesPrice` for
 * `SalesPriceQuantity` units of `SalesUnitSymbol`) or a trade agreement (`SalesPriceAgreements`:
 * `Price` for `SalesPriceQuantity` units of `QuantityUnitySymbol`). `amount` is the price of one
 * unit (price ÷ price quantity); `pricingmethodcode` 1 (Currency Amount).
 *
 * A price list holds one price per product and unit for everyone, so these trade agreements are
 * `not_applicable`: for one customer (`CustomerAccountNumber`), for a price group other than the
 * configured `priceCustomerGroup`, with a quantity break (`FromQuantity` > 1), or in another
 * currency than the price list's (`currency`). Validity dates are not checked here.
 *
 * Written fields are exactly `CRM_PRICE_LIST_ITEM_FIELDS`.
 */

export const CRM_PRICE_LIST_ITEM_FIELDS = [
  'pricelevelid',
  'productid',
  'uomid',
  'amount',
  'pricingmethodcode',
] as const;

export interface CrmPriceListItemOptions {
  /** The price list of the legal entity and currency. */
  priceLevelId: string;
  /** The Sales product; default: a reference by `productnumber` = `ItemNumber`. */
  productId?: string;
  /** The Sales unit; else looked up by the price's unit symbol in `uomIdBySymbol`. */
  uomId?: string;
  uomIdBySymbol?: ReadonlyMap<string, string>;
  /** ISO currency of the price list; trade agreements in another currency are not applicable. */
  currency?: string;
  /** The price group whose trade agreements go to this price list. */
  priceCustomerGroup?: string;
}

export interface CrmPriceListItemUpsert {
  pricelevelid: CrmRef;
  productid: CrmRef;
  uomid: CrmRef;
  amount: number;
  pricingmethodcode: 1;
}

export function toCrmPriceListItem(
  price: unknown,
  options: CrmPriceListItemOptions,
): Result<CrmPriceListItemUpsert> {
  return attempt(() => {
    const isAgreement = typeof price === 'object' && price !== null && 'RecordId' in price;
    let itemNumber: string;
    let amount: number;
    let quantity: number | null | undefined;
    let unitSymbol: string | undefined;
    let what: string;
    let unitField: string;
    if (isAgreement) {
      const agreement = unwrap(parseSource(fnoPriceAgreementSchema, price, 'The F&O trade agreement'));
      what = `trade agreement ${agreement.RecordId} (item '${agreement.ItemNumber}', legal entity ${agreement.dataAreaId})`;
      const customer = textOf(agreement.CustomerAccountNumber);
      if (customer !== undefined) {
        fail('not_applicable', `${what} is for customer ${customer} only: customer prices stay in F&O.`, [
          'CustomerAccountNumber',
        ]);
      }
      const group = textOf(agreement.PriceCustomerGroupCode);
      if (group !== undefined && group !== textOf(options.priceCustomerGroup)) {
        fail('not_applicable', `${what} is for price group ${group}, which this price list does not carry.`, [
          'PriceCustomerGroupCode',
        ]);
      }
      if ((agreement.FromQuantity ?? 0) > 1) {
        fail(
          'not_applicable',
          `${what} starts at quantity ${agreement.FromQuantity}: quantity breaks stay in F&O.`,
          ['FromQuantity'],
        );
      }
      const currency = textOf(agreement.PriceCurrencyCode);
      if (
        options.currency !== undefined &&
        currency !== undefined &&
        currency.toUpperCase() !== options.currency.toUpperCase()
      ) {
        fail(
          'not_applicable',
          `${what} is in ${currency}, the price list in ${options.currency.toUpperCase()}.`,
          ['PriceCurrencyCode'],
        );
      }
      itemNumber = agreement.ItemNumber;
      amount = agreement.Price;
      quantity = agreement.SalesPriceQuantity;
      unitSymbol = textOf(agreement.QuantityUnitySymbol);
      unitField = 'QuantityUnitySymbol';
    } else {
      const base = unwrap(parseSource(fnoBasePriceSchema, price, 'The F&O base sales price'));
      what = `the base sales price of item '${base.ItemNumber}' (legal entity ${base.dataAreaId})`;
      itemNumber = base.ItemNumber;
      amount = base.SalesPrice;
      quantity = base.SalesPriceQuantity;
      unitSymbol = textOf(base.SalesUnitSymbol);
      unitField = 'SalesUnitSymbol';
    }
    if (amount < 0) {
      fail('invalid_source', `${what} is negative (${amount}): correct it in F&O.`, [
        isAgreement ? 'Price' : 'SalesPrice',
      ]);
    }
    const per = quantity === null || quantity === undefined || quantity === 0 ? 1 : quantity;
    if (per < 0) {
      fail('invalid_source', `${what} has a negative price quantity (${per}): correct it in F&O.`, [
        'SalesPriceQuantity',
      ]);
    }
    const uomId =
      options.uomId ??
      (unitSymbol === undefined
        ? fail('missing_field', `${what} has no unit: set the sales unit of the item in F&O.`, [unitField])
        : undefined) ??
      (options.uomIdBySymbol && unitSymbol !== undefined
        ? lookup(options.uomIdBySymbol, unitSymbol)
        : undefined) ??
      fail(
        'unknown_reference',
        `The unit '${unitSymbol}' of ${what} has no unit in Dynamics 365 Sales: add a unit for '${unitSymbol}' to the products' unit group, then sync again.`,
        [unitField],
      );
    return {
      pricelevelid: { id: options.priceLevelId },
      productid:
        options.productId === undefined ? { key: { productnumber: itemNumber } } : { id: options.productId },
      uomid: { id: uomId },
      amount: Math.round((amount / per) * 1e6) / 1e6,
      pricingmethodcode: 1,
    };
  });
}
