import type { Row } from '../../store/table';
import { round2 } from '../../wire';
import { fail, findRow, Infolog, num, str, type Values, type WriteContext } from '../context';
import { findSalesPrice } from '../pricing';
import { isUnitValidForItem } from '../units';
import { linesOf, updateOrderTotals } from './sales-orders';
import { type EntityRules, requireFields } from './types';

/** Header fields a new line inherits when it does not set them (line property ← header property). */
const FROM_HEADER: readonly (readonly [string, string])[] = [
  ['CurrencyCode', 'CurrencyCode'],
  ['RequestedShippingDate', 'RequestedShippingDate'],
  ['RequestedReceiptDate', 'RequestedReceiptDate'],
  ['SalesTaxGroupCode', 'SalesTaxGroupCode'],
  ['DeliveryAddressName', 'DeliveryAddressName'],
  ['DeliveryAddressStreet', 'DeliveryAddressStreet'],
  ['DeliveryAddressCity', 'DeliveryAddressCity'],
  ['DeliveryAddressStateId', 'DeliveryAddressStateId'],
  ['DeliveryAddressZipCode', 'DeliveryAddressZipCode'],
  ['DeliveryAddressCountryRegionId', 'DeliveryAddressCountryRegionId'],
  ['DeliveryAddressCountryRegionISOCode', 'DeliveryAddressCountryRegionISOCode'],
];

/**
 * SalesOrderLines: the lot id from the sequence; the order and the item checked (an item must be
 * released in the order's legal entity, its unit valid for the item); unit, price, quantity and
 * amount defaulted from the released product and trade agreements as F&O does for a minimal
 * `{ "ItemNumber", "SalesOrderNumber" }` line; the header's totals follow.
 */
export const salesLineRules: EntityRules = {
  dataSource: 'SalesLine',
  title: (values) => `Lot ID: ${str(values, 'InventoryLotId')}, ${str(values, 'ItemNumber')}`,

  create(ctx, provided) {
    const values: Values = { ...provided };
    requireFields(values, [
      ['SalesOrderNumber', 'Sales order'],
      ['ItemNumber', 'Item number'],
    ]).throwIfFailed(ctx, 'SalesLine');
    const log = new Infolog();
    const header = findHeader(ctx, values, log);
    const item = findItem(ctx, values, log);
    log.throwIfFailed(ctx, 'SalesLine');
    if (!header || !item) return values;
    if (isClosed(header)) refuseClosedOrder(ctx, header);

    const h = header.values;
    const p = item.values;
    for (const [line, source] of FROM_HEADER) {
      if (!str(values, line) && h[source] !== undefined) values[line] = h[source];
    }
    if (!str(values, 'SalesUnitSymbol')) values['SalesUnitSymbol'] = str(p, 'SalesUnitSymbol');
    checkUnit(ctx, values, p);
    if (!('OrderedSalesQuantity' in values)) values['OrderedSalesQuantity'] = 1;
    if (!('SalesPrice' in values)) {
      const price = findSalesPrice(ctx.store, {
        legalEntity: ctx.legalEntity,
        item: p,
        customerAccount: str(h, 'OrderingCustomerAccountNumber'),
        priceGroup: str(h, 'PriceCustomerGroupCode'),
        currency: str(values, 'CurrencyCode'),
        unit: str(values, 'SalesUnitSymbol'),
        quantity: num(values, 'OrderedSalesQuantity'),
        date: ctx.now,
      });
      values['SalesPrice'] = price.price;
      if (!('SalesPriceQuantity' in values)) values['SalesPriceQuantity'] = price.priceQuantity;
    }
    if (!('SalesPriceQuantity' in values))
      values['SalesPriceQuantity'] = num(p, 'SalesPriceQuantity', 1) || 1;
    if (!('LineAmount' in values)) values['LineAmount'] = lineAmount(values);
    if (!str(values, 'LineDescription'))
      values['LineDescription'] = productName(ctx, str(p, 'ProductNumber'));
    if (!str(values, 'SalesTaxItemGroupCode'))
      values['SalesTaxItemGroupCode'] = str(p, 'SalesSalesTaxItemGroupCode');
    if (str(p, 'ProductType') !== 'Service') {
      if (!str(values, 'ShippingSiteId')) values['ShippingSiteId'] = str(h, 'DefaultShippingSiteId');
      if (!str(values, 'ShippingWarehouseId'))
        values['ShippingWarehouseId'] = str(h, 'DefaultShippingWarehouseId');
    }
    const siblings = linesOf(ctx, str(values, 'SalesOrderNumber'));
    if (!('LineNumber' in values)) values['LineNumber'] = nextOf(siblings, 'LineNumber');
    if (!('LineCreationSequenceNumber' in values)) {
      values['LineCreationSequenceNumber'] = nextOf(siblings, 'LineCreationSequenceNumber');
    }
    values['SalesOrderNumber'] = str(h, 'SalesOrderNumber');
    values['ItemNumber'] = str(p, 'ItemNumber');
    values['InventoryLotId'] = ctx.store.sequences.next(ctx.legalEntity, 'InventoryLotId');
    values['SalesOrderLineStatus'] = 'Backorder';
    return values;
  },

  update(ctx, row, merged, provided) {
    const log = new Infolog();
    const header = findHeader(ctx, merged, log);
    const item = 'ItemNumber' in provided ? findItem(ctx, merged, log) : findItemRow(ctx, merged);
    log.throwIfFailed(ctx, 'SalesLine');
    if (header && isClosed(header)) refuseClosedOrder(ctx, header);
    if (
      str(provided, 'SalesOrderNumber') &&
      str(provided, 'SalesOrderNumber').toLowerCase() !== str(row.values, 'SalesOrderNumber').toLowerCase()
    ) {
      fail(ctx, [{ level: 'Error', text: 'The sales order of a line cannot be changed' }]);
    }
    if (item && ('SalesUnitSymbol' in provided || 'ItemNumber' in provided))
      checkUnit(ctx, merged, item.values);
    const pricing = [
      'OrderedSalesQuantity',
      'SalesPrice',
      'SalesPriceQuantity',
      'LineDiscountAmount',
      'LineDiscountPercentage',
    ];
    if (!('LineAmount' in provided) && pricing.some((field) => field in provided)) {
      merged['LineAmount'] = lineAmount(merged);
    }
    return merged;
  },

  beforeDelete(ctx, row) {
    const header = findHeader(ctx, row.values, new Infolog());
    if (header && isClosed(header)) refuseClosedOrder(ctx, header);
  },

  afterWrite(ctx, values) {
    updateOrderTotals(ctx, str(values, 'SalesOrderNumber'));
  },
};

function findHeader(ctx: WriteContext, values: Values, log: Infolog): Row | undefined {
  const number = str(values, 'SalesOrderNumber');
  const header = findRow(ctx.store, 'SalesOrderHeadersV2', {
    dataAreaId: ctx.legalEntity,
    SalesOrderNumber: number,
  });
  if (!header) log.notInRelatedTable(ctx, 'SalesOrderNumber', 'Sales order', number, 'Sales orders');
  return header;
}

function findItemRow(ctx: WriteContext, values: Values): Row | undefined {
  return findRow(ctx.store, 'ReleasedProductsV2', {
    dataAreaId: ctx.legalEntity,
    ItemNumber: str(values, 'ItemNumber'),
  });
}

/** The item must be released in the line's legal entity (a product of another company is not). */
function findItem(ctx: WriteContext, values: Values, log: Infolog): Row | undefined {
  const item = findItemRow(ctx, values);
  if (!item) log.notInRelatedTable(ctx, 'ItemNumber', 'Item number', str(values, 'ItemNumber'), 'Items');
  return item;
}

function checkUnit(ctx: WriteContext, values: Values, item: Readonly<Values>): void {
  const unit = str(values, 'SalesUnitSymbol');
  if (!unit) return;
  if (!findRow(ctx.store, 'UnitsOfMeasure', { UnitSymbol: unit })) {
    new Infolog().notInRelatedTable(ctx, 'SalesUnitSymbol', 'Unit', unit, 'Units').throwIfFailed(ctx);
  }
  if (!isUnitValidForItem(unit, item)) {
    // UNCONFIRMED wording of the missing unit conversion.
    fail(ctx, [
      {
        level: 'Warning',
        text: `Unit conversion from ${unit} to ${str(item, 'InventoryUnitSymbol')} does not exist for item ${str(item, 'ItemNumber')}.`,
      },
      { level: 'Warning', text: "validateWrite failed on data source 'SalesLine (SalesLine)'" },
    ]);
  }
}

function isClosed(header: Row): boolean {
  const status = str(header.values, 'SalesOrderStatus');
  return status === 'Invoiced' || status === 'Canceled';
}

function refuseClosedOrder(ctx: WriteContext, header: Row): never {
  // UNCONFIRMED wording.
  return fail(ctx, [
    {
      level: 'Error',
      text: `Sales order ${str(header.values, 'SalesOrderNumber')} is ${str(header.values, 'SalesOrderStatus').toLowerCase()}; its lines cannot be changed`,
    },
  ]);
}

/** Quantity × (price / price unit − discount per unit) × (1 − discount %), rounded to cents. */
function lineAmount(values: Values): number {
  const quantity = num(values, 'OrderedSalesQuantity');
  const unitPrice = num(values, 'SalesPrice') / (num(values, 'SalesPriceQuantity', 1) || 1);
  const discount = num(values, 'LineDiscountAmount');
  const percent = num(values, 'LineDiscountPercentage');
  return round2(quantity * (unitPrice - discount) * (1 - percent / 100));
}

function nextOf(rows: readonly Row[], field: string): number {
  return rows.reduce((max, row) => Math.max(max, Number(row.values[field] ?? 0)), 0) + 1;
}

function productName(ctx: WriteContext, productNumber: string): string {
  const product = findRow(ctx.store, 'ProductsV2', { ProductNumber: productNumber });
  return String(product?.values['ProductName'] ?? '');
}
