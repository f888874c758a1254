import {
  boolean,
  dateOnly,
  decimal,
  integer,
  lookup,
  memo,
  money,
  picklist,
  state,
  status,
  text,
} from '../columns';
import { defineTable } from '../define';
import { activeInactiveState } from './common';

export const product = defineTable({
  logicalName: 'product',
  schemaName: 'Product',
  entitySetName: 'products',
  displayName: 'Product',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 1024,
  changeTrackingEnabled: true,
  columns: [
    text('name', 100, { required: 'ApplicationRequired', display: 'Name' }),
    text('productnumber', 100, { required: 'SystemRequired', display: 'Product ID' }),
    memo('description', 2000, { display: 'Description' }),
    lookup(
      'defaultuomscheduleid',
      { entity: 'uomschedule', relationship: 'unit_of_measure_schedule_products', cascade: 'Restrict' },
      { required: 'ApplicationRequired', display: 'Unit Group' },
    ),
    lookup(
      'defaultuomid',
      { entity: 'uom', relationship: 'unit_of_measurement_products', cascade: 'Restrict' },
      { required: 'ApplicationRequired', display: 'Default Unit' },
    ),
    lookup(
      'pricelevelid',
      { entity: 'pricelevel', relationship: 'price_level_products' },
      { display: 'Default Price List' },
    ),
    lookup(
      'transactioncurrencyid',
      { entity: 'transactioncurrency', relationship: 'transactioncurrency_product', cascade: 'Restrict' },
      { display: 'Currency' },
    ),
    money('price', { display: 'List Price' }),
    money('standardcost', { display: 'Standard Cost' }),
    money('currentcost', { display: 'Current Cost' }),
    integer('quantitydecimal', {
      min: 0,
      max: 5,
      required: 'ApplicationRequired',
      display: 'Decimals Supported',
    }),
    picklist(
      'productstructure',
      [
        [1, 'Product'],
        [2, 'Product Family'],
        [3, 'Product Bundle'],
      ],
      { display: 'Product Structure' },
    ),
    picklist(
      'producttypecode',
      [
        [1, 'Sales Inventory'],
        [2, 'Miscellaneous Charges'],
        [3, 'Services'],
        [4, 'Flat Fees'],
      ],
      { display: 'Product Type' },
    ),
    decimal('stockweight', { precision: 2, min: 0, display: 'Stock Weight' }),
    decimal('stockvolume', { precision: 2, min: 0, display: 'Stock Volume' }),
    decimal('quantityonhand', { precision: 2, min: 0, display: 'Quantity On Hand' }),
    text('vendorname', 100, { display: 'Vendor' }),
    text('vendorpartnumber', 100, { display: 'Vendor Part Number' }),
    boolean('isstockitem', ['Yes', 'No'], { display: 'Stock Item' }),
    state([
      [0, 'Active', 1],
      [1, 'Retired', 2],
      [2, 'Draft', 0],
      [3, 'Under Revision', 3],
    ]),
    status([
      [0, 'Draft', 2],
      [1, 'Active', 0],
      [2, 'Retired', 1],
      [3, 'Under Revision', 3],
    ]),
  ],
});

export const pricelevel = defineTable({
  logicalName: 'pricelevel',
  schemaName: 'PriceLevel',
  entitySetName: 'pricelevels',
  displayName: 'Price List',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 1022,
  changeTrackingEnabled: true,
  columns: [
    text('name', 100, { required: 'SystemRequired', display: 'Name' }),
    lookup(
      'transactioncurrencyid',
      { entity: 'transactioncurrency', relationship: 'transactioncurrency_pricelevel', cascade: 'Restrict' },
      { required: 'SystemRequired', display: 'Currency' },
    ),
    dateOnly('begindate', { display: 'Start Date' }),
    dateOnly('enddate', { display: 'End Date' }),
    memo('description', 2000, { display: 'Description' }),
    state([
      [0, 'Active', 100001],
      [1, 'Inactive', 100002],
    ]),
    status([
      [100001, 'Active', 0],
      [100002, 'Inactive', 1],
    ]),
  ],
});

export const productpricelevel = defineTable({
  logicalName: 'productpricelevel',
  schemaName: 'ProductPriceLevel',
  entitySetName: 'productpricelevels',
  displayName: 'Price List Item',
  primaryNameAttribute: 'productidname',
  ownership: 'OrganizationOwned',
  objectTypeCode: 1026,
  changeTrackingEnabled: true,
  columns: [
    text('productidname', 100, { readOnly: true, display: 'Product Name' }),
    lookup(
      'pricelevelid',
      { entity: 'pricelevel', relationship: 'price_level_product_price_levels', cascade: 'Cascade' },
      { required: 'SystemRequired', display: 'Price List' },
    ),
    lookup(
      'productid',
      { entity: 'product', relationship: 'product_price_levels', cascade: 'Cascade' },
      { required: 'SystemRequired', display: 'Product' },
    ),
    lookup(
      'uomid',
      { entity: 'uom', relationship: 'unit_of_measurement_product_price_levels', cascade: 'Restrict' },
      { required: 'SystemRequired', display: 'Unit' },
    ),
    lookup(
      'uomscheduleid',
      { entity: 'uomschedule', relationship: 'unit_of_measure_schedule_product_price_level' },
      { display: 'Unit Schedule' },
    ),
    money('amount', { display: 'Amount' }),
    decimal('percentage', { precision: 2, display: 'Percentage' }),
    picklist(
      'pricingmethodcode',
      [
        [1, 'Currency Amount'],
        [2, 'Percent of List'],
        [3, 'Percent Markup - Current Cost'],
        [4, 'Percent Margin - Current Cost'],
        [5, 'Percent Markup - Standard Cost'],
        [6, 'Percent Margin - Standard Cost'],
      ],
      { required: 'SystemRequired', display: 'Pricing Method' },
    ),
    picklist(
      'quantitysellingcode',
      [
        [1, 'No Control'],
        [2, 'Whole'],
        [3, 'Whole and Fractional'],
      ],
      { display: 'Quantity Selling Option' },
    ),
    lookup(
      'transactioncurrencyid',
      {
        entity: 'transactioncurrency',
        relationship: 'transactioncurrency_productpricelevel',
        cascade: 'Restrict',
      },
      { display: 'Currency' },
    ),
    decimal('exchangerate', { precision: 10, min: 0, readOnly: true, display: 'Exchange Rate' }),
  ],
});

export const uom = defineTable({
  logicalName: 'uom',
  schemaName: 'UoM',
  entitySetName: 'uoms',
  displayName: 'Unit',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 1055,
  changeTrackingEnabled: true,
  columns: [
    text('name', 100, { required: 'SystemRequired', display: 'Name' }),
    lookup(
      'uomscheduleid',
      { entity: 'uomschedule', relationship: 'unit_of_measure_schedule_conversions', cascade: 'Cascade' },
      { required: 'SystemRequired', display: 'Unit Schedule' },
    ),
    lookup(
      'baseuom',
      { entity: 'uom', relationship: 'unit_of_measurement_base_unit', cascade: 'Restrict' },
      { display: 'Base Unit' },
    ),
    decimal('quantity', { precision: 5, min: 0, required: 'SystemRequired', display: 'Quantity' }),
    boolean('isschedulebaseuom', ['Yes', 'No'], { readOnly: true, display: 'Is Schedule Base Unit' }),
  ],
});

export const uomschedule = defineTable({
  logicalName: 'uomschedule',
  schemaName: 'UoMSchedule',
  entitySetName: 'uomschedules',
  displayName: 'Unit Group',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 1056,
  changeTrackingEnabled: true,
  columns: [
    text('name', 200, { required: 'SystemRequired', display: 'Name' }),
    text('baseuomname', 100, { display: 'Primary Unit' }),
    memo('description', 2000, { display: 'Description' }),
    ...activeInactiveState(),
  ],
});

export const transactioncurrency = defineTable({
  logicalName: 'transactioncurrency',
  schemaName: 'TransactionCurrency',
  entitySetName: 'transactioncurrencies',
  displayName: 'Currency',
  primaryNameAttribute: 'currencyname',
  ownership: 'OrganizationOwned',
  objectTypeCode: 9105,
  changeTrackingEnabled: true,
  columns: [
    text('currencyname', 100, { required: 'SystemRequired', display: 'Currency Name' }),
    text('isocurrencycode', 5, { required: 'SystemRequired', display: 'Currency Code' }),
    text('currencysymbol', 10, { required: 'SystemRequired', display: 'Currency Symbol' }),
    decimal('exchangerate', {
      precision: 10,
      min: 0.0000000001,
      max: 100_000_000_000,
      required: 'SystemRequired',
      display: 'Exchange Rate',
    }),
    integer('currencyprecision', { min: 0, max: 4, display: 'Currency Precision' }),
    ...activeInactiveState(),
  ],
});
