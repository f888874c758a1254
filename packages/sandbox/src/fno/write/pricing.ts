import type { Value } from '../metadata/types';
import type { FnoStore } from '../store/store';
import { instantOf, isEmptyDate } from '../wire';

export interface PriceQuery {
  legalEntity: string;
  item: Readonly<Record<string, Value>>;
  customerAccount: string;
  /** The order's price group (PriceCustomerGroupCode, from the customer's DiscountPriceGroupId). */
  priceGroup: string;
  currency: string;
  unit: string;
  quantity: number;
  date: Date;
}

export interface Price {
  price: number;
  priceQuantity: number;
  source: 'agreement' | 'item';
}

/**
 * The sales price of a line, as F&O's price search finds it: a valid trade agreement for the
 * customer, else for its price group, else for all customers (highest applicable quantity break
 * within a level), else the released product's base sales price.
 */
export function findSalesPrice(store: FnoStore, query: PriceQuery): Price {
  const itemNumber = String(query.item['ItemNumber'] ?? '').toLowerCase();
  const at = query.date.getTime();
  const candidates = store
    .table('SalesPriceAgreements')
    .rows()
    .filter((row) => {
      const v = row.values;
      if (String(v['dataAreaId']) !== query.legalEntity) return false;
      if (String(v['ItemNumber'] ?? '').toLowerCase() !== itemNumber) return false;
      if (String(v['PriceCurrencyCode'] ?? '').toUpperCase() !== query.currency.toUpperCase()) return false;
      const unit = String(v['QuantityUnitySymbol'] ?? '');
      if (unit && unit.toLowerCase() !== query.unit.toLowerCase()) return false;
      const from = String(v['PriceApplicableFromDate'] ?? '');
      const to = String(v['PriceApplicableToDate'] ?? '');
      if (from && !isEmptyDate(from) && instantOf(from) > at + 43_200_000) return false;
      if (to && !isEmptyDate(to) && instantOf(to) + 43_200_000 < at) return false;
      const fromQuantity = Number(v['FromQuantity'] ?? 0);
      const toQuantity = Number(v['ToQuantity'] ?? 0);
      if (query.quantity < fromQuantity) return false;
      if (toQuantity > 0 && query.quantity >= toQuantity) return false;
      return true;
    });
  const level = (account: string, group: string) =>
    candidates
      .filter(
        (row) =>
          String(row.values['CustomerAccountNumber'] ?? '').toLowerCase() === account.toLowerCase() &&
          String(row.values['PriceCustomerGroupCode'] ?? '').toLowerCase() === group.toLowerCase(),
      )
      .sort((a, b) => Number(b.values['FromQuantity'] ?? 0) - Number(a.values['FromQuantity'] ?? 0))[0];
  const match =
    (query.customerAccount ? level(query.customerAccount, '') : undefined) ??
    (query.priceGroup ? level('', query.priceGroup) : undefined) ??
    level('', '');
  if (match) {
    return {
      price: Number(match.values['Price'] ?? 0),
      priceQuantity: Number(match.values['SalesPriceQuantity'] ?? 1) || 1,
      source: 'agreement',
    };
  }
  return {
    price: Number(query.item['SalesPrice'] ?? 0),
    priceQuantity: Number(query.item['SalesPriceQuantity'] ?? 1) || 1,
    source: 'item',
  };
}
