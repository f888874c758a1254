import { searchName } from '../../search-name';
import { fail, findRow, Infolog, str, type Values, type WriteContext } from '../context';
import type { EntityRules } from './types';

/** ReleasedProductsV2: the product must exist in ProductsV2 (release = ProductNumber into a company). */
export const releasedProductRules: EntityRules = {
  dataSource: 'InventTable',
  title: (values) => `Item number: ${str(values, 'ItemNumber')}, ${str(values, 'SearchName')}`,
  create(ctx, provided) {
    const values: Values = { ProductSubType: 'Product', ...provided };
    const productNumber = str(values, 'ProductNumber');
    const log = new Infolog();
    if (!productNumber) log.mustBeFilled('Product number');
    const product = productNumber
      ? findRow(ctx.store, 'ProductsV2', { ProductNumber: productNumber })
      : undefined;
    if (productNumber && !product) {
      log.notInRelatedTable(ctx, 'ProductNumber', 'Product number', productNumber, 'Products');
    }
    checkUnits(ctx, values, log);
    log.throwIfFailed(ctx, 'InventTable');
    if (!str(values, 'ItemNumber')) values['ItemNumber'] = productNumber;
    const name = String(product?.values['ProductName'] ?? productNumber);
    if (!str(values, 'SearchName')) values['SearchName'] = searchName(name);
    if (!str(values, 'ProductSearchName')) values['ProductSearchName'] = searchName(name);
    if (!('ProductType' in values) && product)
      values['ProductType'] = product.values['ProductType'] ?? 'Item';
    for (const field of ['InventoryUnitSymbol', 'SalesUnitSymbol', 'PurchaseUnitSymbol']) {
      if (!str(values, field)) values[field] = 'ea';
    }
    return values;
  },
  update(ctx, _row, merged, provided) {
    const log = new Infolog();
    checkUnits(ctx, provided, log);
    log.throwIfFailed(ctx, 'InventTable');
    return merged;
  },
};

function checkUnits(ctx: WriteContext, values: Values, log: Infolog): void {
  for (const [field, label] of [
    ['InventoryUnitSymbol', 'Inventory unit'],
    ['SalesUnitSymbol', 'Sales unit'],
    ['PurchaseUnitSymbol', 'Purchase unit'],
  ] as const) {
    const unit = str(values, field);
    if (unit && !findRow(ctx.store, 'UnitsOfMeasure', { UnitSymbol: unit })) {
      log.notInRelatedTable(ctx, field, label, unit, 'Units');
    }
  }
}

export const productRules: EntityRules = {
  dataSource: 'EcoResProduct',
  title: (values) => `Product number: ${str(values, 'ProductNumber')}, ${str(values, 'ProductName')}`,
  create(_ctx, provided) {
    const values: Values = { ProductType: 'Item', ProductSubType: 'Product', ...provided };
    if (!str(values, 'ProductSearchName'))
      values['ProductSearchName'] = searchName(str(values, 'ProductName'));
    return values;
  },
};

export const customerGroupRules: EntityRules = {
  dataSource: 'CustGroup',
  title: (values) => `Customer group: ${str(values, 'CustomerGroupId')}, ${str(values, 'Description')}`,
  beforeDelete(ctx, row) {
    const group = str(row.values, 'CustomerGroupId').toLowerCase();
    const used = ctx.store
      .table('CustomersV3')
      .rows()
      .some(
        (customer) =>
          String(customer.values['dataAreaId']) === ctx.legalEntity &&
          String(customer.values['CustomerGroupId'] ?? '').toLowerCase() === group,
      );
    if (used) {
      // UNCONFIRMED wording of the restricted delete action.
      fail(ctx, [
        {
          level: 'Info',
          text: `Cannot delete a record in Customer groups (CustGroup). ${customerGroupRules.title(row.values)}.\nThe record may not be deleted. Transactions exist in table 'Customers'.`,
        },
      ]);
    }
  },
};

/** SalesPriceAgreements: RecordId is the row's RecId; the item must be released, the currency known. */
export const salesPriceAgreementRules: EntityRules = {
  dataSource: 'PriceDiscTable',
  title: (values) => `Record-ID: ${str(values, 'RecordId')}, ${str(values, 'ItemNumber')}`,
  create(ctx, provided) {
    const values: Values = { SalesPriceQuantity: 1, ...provided };
    const log = new Infolog();
    const item = str(values, 'ItemNumber');
    if (
      item &&
      !findRow(ctx.store, 'ReleasedProductsV2', { dataAreaId: ctx.legalEntity, ItemNumber: item })
    ) {
      log.notInRelatedTable(ctx, 'ItemNumber', 'Item number', item, 'Items');
    }
    const currency = str(values, 'PriceCurrencyCode');
    if (currency && !findRow(ctx.store, 'Currencies', { CurrencyCode: currency })) {
      log.notInRelatedTable(ctx, 'PriceCurrencyCode', 'Currency', currency, 'Currency');
    }
    log.throwIfFailed(ctx, 'PriceDiscTable');
    values['RecordId'] = ctx.store.takeRecId();
    return values;
  },
};

/** Entities without business logic beyond keys: the duplicate check names the first key. */
export function genericRules(
  dataSource: string,
  keyLabel: string,
  keyField: string,
  description = '',
): EntityRules {
  return {
    dataSource,
    title: (values) =>
      `${keyLabel}: ${str(values, keyField)}${description ? `, ${str(values, description)}` : ''}`,
  };
}
