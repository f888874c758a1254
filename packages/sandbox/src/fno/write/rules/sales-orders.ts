import type { Value } from '../../metadata/types';
import type { Row } from '../../store/table';
import { round2, toDateOnly, toUtcDateTime } from '../../wire';
import { fail, findRow, Infolog, str, type Values, type WriteContext } from '../context';
import { displayName } from './customers';
import { assignNumber, type EntityRules, requireFields } from './types';

/** Delivery address fields copied from the customer onto a new order (header property ← customer property). */
const DELIVERY_FROM_CUSTOMER: readonly (readonly [string, string])[] = [
  ['DeliveryAddressStreet', 'DeliveryAddressStreet'],
  ['DeliveryAddressCity', 'DeliveryAddressCity'],
  ['DeliveryAddressStateId', 'DeliveryAddressState'],
  ['DeliveryAddressZipCode', 'DeliveryAddressZipCode'],
  ['DeliveryAddressCountryRegionId', 'DeliveryAddressCountryRegionId'],
  ['DeliveryAddressCountryRegionISOCode', 'DeliveryAddressCountryRegionISOCode'],
  ['InvoiceAddressStreet', 'AddressStreet'],
  ['InvoiceAddressCity', 'AddressCity'],
  ['InvoiceAddressStateId', 'AddressState'],
  ['InvoiceAddressZipCode', 'AddressZipCode'],
  ['InvoiceAddressCountryRegionId', 'AddressCountryRegionId'],
  ['InvoiceAddressCountryRegionISOCode', 'AddressCountryRegionISOCode'],
];

/**
 * SalesOrderHeadersV2: the order number from the sequence, the ordering customer required and
 * checked, and the customer's defaults (currency, invoice account, language, terms, addresses).
 */
export const salesOrderRules: EntityRules = {
  dataSource: 'SalesTable',
  title: (values) => `Sales order: ${str(values, 'SalesOrderNumber')}, ${str(values, 'SalesOrderName')}`,

  create(ctx, provided) {
    const values: Values = { ...provided };
    assignNumber(ctx, values, 'SalesOrderNumber', 'SalesOrderNumber', 'Sales order');
    const log = requireFields(values, [['OrderingCustomerAccountNumber', 'Customer account']]);
    log.throwIfFailed(ctx, 'SalesTable');
    const customer = checkReferences(ctx, values, log);
    log.throwIfFailed(ctx, 'SalesTable');
    if (!customer) return values;
    const c = customer.values;
    if (str(c, 'OnHoldStatus') === 'All') {
      // UNCONFIRMED wording; F&O refuses orders for customers on hold for all transactions.
      fail(ctx, [
        { level: 'Warning', text: `Customer ${str(c, 'CustomerAccount')} is on hold for all transactions` },
        { level: 'Warning', text: "validateWrite failed on data source 'SalesTable (SalesTable)'" },
      ]);
    }
    const defaults: Values = {
      InvoiceCustomerAccountNumber: str(c, 'InvoiceAccount') || str(c, 'CustomerAccount'),
      CurrencyCode: str(c, 'SalesCurrencyCode'),
      LanguageId: str(c, 'LanguageId'),
      SalesOrderName: displayName(c),
      PaymentTermsName: str(c, 'PaymentTerms'),
      DeliveryTermsCode: str(c, 'DeliveryTerms'),
      DeliveryModeCode: str(c, 'DeliveryMode'),
      SalesTaxGroupCode: str(c, 'SalesTaxGroup'),
      PriceCustomerGroupCode: str(c, 'DiscountPriceGroupId'),
      LineDiscountCustomerGroupCode: str(c, 'LineDiscountCode'),
      DeliveryAddressName: displayName(c),
      DefaultShippingSiteId: str(c, 'SiteId') || '1',
      DefaultShippingWarehouseId: str(c, 'WarehouseId') || '11',
      RequestedShippingDate: toDateOnly(ctx.now),
      RequestedReceiptDate: toDateOnly(ctx.now),
      InventoryReservationMethod: 'Automatic',
    };
    for (const [header, source] of DELIVERY_FROM_CUSTOMER) defaults[header] = c[source] ?? '';
    const merged: Values = { ...withoutEmpty(defaults), ...values };
    merged['OrderCreationDateTime'] = toUtcDateTime(ctx.now);
    merged['SalesOrderStatus'] = 'Backorder';
    merged['OrderTotalAmount'] = 0;
    return merged;
  },

  update(ctx, row, merged, provided) {
    if (isClosed(row)) refuseClosed(ctx, row);
    const log = new Infolog();
    checkReferences(ctx, provided, log);
    log.throwIfFailed(ctx, 'SalesTable');
    return merged;
  },

  beforeDelete(ctx, row) {
    if (str(row.values, 'SalesOrderStatus') === 'Invoiced') refuseClosed(ctx, row);
    // Deleting an order deletes its lines (SalesTable's cascade delete action).
    const number = String(row.values['SalesOrderNumber'] ?? '').toLowerCase();
    for (const line of linesOf(ctx, number)) ctx.tx.remove('SalesOrderLines', line);
  },
};

function isClosed(row: Row): boolean {
  const status = str(row.values, 'SalesOrderStatus');
  return status === 'Invoiced' || status === 'Canceled';
}

function refuseClosed(ctx: WriteContext, row: Row): never {
  // UNCONFIRMED wording.
  return fail(ctx, [
    {
      level: 'Error',
      text: `Sales order ${str(row.values, 'SalesOrderNumber')} is ${str(row.values, 'SalesOrderStatus').toLowerCase()} and cannot be changed`,
    },
  ]);
}

/** Checks the customers and currency in `values`; returns the ordering customer when found. */
function checkReferences(ctx: WriteContext, values: Values, log: Infolog): Row | undefined {
  let customer: Row | undefined;
  const ordering = str(values, 'OrderingCustomerAccountNumber');
  if (ordering) {
    customer = findRow(ctx.store, 'CustomersV3', { dataAreaId: ctx.legalEntity, CustomerAccount: ordering });
    if (!customer) {
      log.notInRelatedTable(ctx, 'OrderingCustomerAccountNumber', 'Customer account', ordering, 'Customers');
    }
  }
  const invoice = str(values, 'InvoiceCustomerAccountNumber');
  if (
    invoice &&
    !findRow(ctx.store, 'CustomersV3', { dataAreaId: ctx.legalEntity, CustomerAccount: invoice })
  ) {
    log.notInRelatedTable(ctx, 'InvoiceCustomerAccountNumber', 'Invoice account', invoice, 'Customers');
  }
  const currency = str(values, 'CurrencyCode');
  if (currency && !findRow(ctx.store, 'Currencies', { CurrencyCode: currency })) {
    log.notInRelatedTable(ctx, 'CurrencyCode', 'Currency', currency, 'Currency');
  }
  return customer;
}

export function linesOf(ctx: WriteContext, salesOrderNumber: string): Row[] {
  const number = salesOrderNumber.toLowerCase();
  return ctx.store
    .table('SalesOrderLines')
    .rows()
    .filter(
      (line) =>
        String(line.values['dataAreaId']) === ctx.legalEntity &&
        String(line.values['SalesOrderNumber'] ?? '').toLowerCase() === number,
    );
}

/** Recomputes an order's totals from its lines (F&O calculates them on the header). */
export function updateOrderTotals(ctx: WriteContext, salesOrderNumber: string): void {
  const header = findRow(ctx.store, 'SalesOrderHeadersV2', {
    dataAreaId: ctx.legalEntity,
    SalesOrderNumber: salesOrderNumber,
  });
  if (!header) return;
  let total = 0;
  let discount = 0;
  for (const line of linesOf(ctx, salesOrderNumber)) {
    total += Number(line.values['LineAmount'] ?? 0);
    discount +=
      Number(line.values['LineDiscountAmount'] ?? 0) * Number(line.values['OrderedSalesQuantity'] ?? 0);
  }
  ctx.tx.update('SalesOrderHeadersV2', header, {
    ...header.values,
    OrderTotalAmount: round2(total),
    OrderTotalDiscountAmount: round2(discount),
    TotalDiscountAmount: round2(discount),
    AreTotalsCalculated: 'Yes',
  });
}

function withoutEmpty(values: Readonly<Record<string, Value>>): Values {
  const out: Values = {};
  for (const [name, value] of Object.entries(values)) if (value !== '') out[name] = value;
  return out;
}
