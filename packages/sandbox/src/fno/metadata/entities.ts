import { defineEntity } from './define';
import { CURRENCIES_PROPERTIES } from './fields/currencies';
import { CUSTOMER_GROUPS_PROPERTIES } from './fields/customer-groups';
import { CUSTOMERS_V3_PROPERTIES } from './fields/customers-v3';
import { LEGAL_ENTITIES_PROPERTIES } from './fields/legal-entities';
import { PRODUCTS_V2_PROPERTIES } from './fields/products-v2';
import { RELEASED_PRODUCTS_V2_PROPERTIES } from './fields/released-products-v2';
import { SALES_ORDER_HEADERS_V2_PROPERTIES } from './fields/sales-order-headers-v2';
import { SALES_ORDER_LINES_PROPERTIES } from './fields/sales-order-lines';
import { SALES_PRICE_AGREEMENTS_PROPERTIES } from './fields/sales-price-agreements';
import { UNITS_OF_MEASURE_PROPERTIES } from './fields/units-of-measure';
import type { EntityDef } from './types';

/**
 * The served entity sets. Keys, property names and types are real (fno-entity-fields.txt) except for
 * ProductsV2, UnitsOfMeasure and Currencies (see their field files). Type names of CustomersV3,
 * SalesOrderHeadersV2, SalesOrderLines and CustomerGroups are real; the others and the AOT names of
 * LegalEntities, ProductsV2, SalesPriceAgreements, UnitsOfMeasure and Currencies are UNCONFIRMED.
 */
export const CUSTOMERS_V3 = defineEntity({
  entitySet: 'CustomersV3',
  typeName: 'CustomerV3',
  aotName: 'CustCustomerV3Entity',
  tableLabel: 'Customers (CustTable)',
  keys: ['dataAreaId', 'CustomerAccount'],
  properties: CUSTOMERS_V3_PROPERTIES,
  utcDateTimes: [
    'AddressValidFrom',
    'AddressValidTo',
    'DeliveryAddressValidFrom',
    'DeliveryAddressValidTo',
    'InvoiceAddressValidFrom',
    'InvoiceAddressValidTo',
  ],
  serviceAssigned: [
    'PartyNumber',
    'AddressRecordId',
    'FullPrimaryAddress',
    'PrimaryContactEmailRecordId',
    'PrimaryContactFaxRecordId',
    'PrimaryContactPhoneRecordId',
    'PrimaryContactURLRecordId',
  ],
  required: ['CustomerGroupId', 'SalesCurrencyCode'],
});

export const SALES_ORDER_HEADERS_V2 = defineEntity({
  entitySet: 'SalesOrderHeadersV2',
  typeName: 'SalesOrderHeaderV2',
  aotName: 'SalesOrderHeaderV2Entity',
  tableLabel: 'Sales orders (SalesTable)',
  keys: ['dataAreaId', 'SalesOrderNumber'],
  properties: SALES_ORDER_HEADERS_V2_PROPERTIES,
  utcDateTimes: ['OrderCreationDateTime'],
  serviceAssigned: [
    'OrderCreationDateTime',
    'OrderTotalAmount',
    'OrderTotalTaxAmount',
    'OrderTotalChargesAmount',
    'OrderTotalDiscountAmount',
    'OrderHeaderTaxAmount',
    'TotalDiscountAmount',
    'AreTotalsCalculated',
    'SalesOrderStatus',
    'FormattedDelveryAddress',
    'FormattedInvoiceAddress',
  ],
  required: ['OrderingCustomerAccountNumber'],
  navigations: [
    {
      name: 'SalesOrderLines',
      target: 'SalesOrderLines',
      collection: true,
      on: [
        ['dataAreaId', 'dataAreaId'],
        ['SalesOrderNumber', 'SalesOrderNumber'],
      ],
    },
  ],
});

export const SALES_ORDER_LINES = defineEntity({
  entitySet: 'SalesOrderLines',
  typeName: 'SalesOrderLine',
  aotName: 'SalesOrderLineV2Entity',
  tableLabel: 'Order lines (SalesLine)',
  keys: ['dataAreaId', 'InventoryLotId'],
  properties: SALES_ORDER_LINES_PROPERTIES,
  serviceAssigned: ['InventoryLotId', 'SalesOrderLineStatus', 'FormattedDelveryAddress'],
  required: ['SalesOrderNumber', 'ItemNumber'],
  navigations: [
    {
      name: 'SalesOrderHeaderV2',
      target: 'SalesOrderHeadersV2',
      collection: false,
      on: [
        ['dataAreaId', 'dataAreaId'],
        ['SalesOrderNumber', 'SalesOrderNumber'],
      ],
    },
  ],
});

export const RELEASED_PRODUCTS_V2 = defineEntity({
  entitySet: 'ReleasedProductsV2',
  typeName: 'ReleasedProductV2',
  aotName: 'EcoResReleasedProductV2Entity',
  tableLabel: 'Items (InventTable)',
  keys: ['dataAreaId', 'ItemNumber'],
  properties: RELEASED_PRODUCTS_V2_PROPERTIES,
  required: ['ProductNumber'],
  navigations: [
    { name: 'ProductV2', target: 'ProductsV2', collection: false, on: [['ProductNumber', 'ProductNumber']] },
  ],
});

export const PRODUCTS_V2 = defineEntity({
  entitySet: 'ProductsV2',
  typeName: 'ProductV2',
  aotName: 'EcoResProductV2Entity',
  tableLabel: 'Products (EcoResProduct)',
  keys: ['ProductNumber'],
  properties: PRODUCTS_V2_PROPERTIES,
});

export const SALES_PRICE_AGREEMENTS = defineEntity({
  entitySet: 'SalesPriceAgreements',
  typeName: 'SalesPriceAgreement',
  aotName: 'PriceDiscSalesPriceAgreementEntity',
  tableLabel: 'Trade agreements (PriceDiscTable)',
  keys: ['dataAreaId', 'RecordId'],
  properties: SALES_PRICE_AGREEMENTS_PROPERTIES,
  serviceAssigned: ['RecordId'],
});

export const CUSTOMER_GROUPS = defineEntity({
  entitySet: 'CustomerGroups',
  typeName: 'CustomerGroup',
  aotName: 'CustCustomerGroupEntity',
  tableLabel: 'Customer groups (CustGroup)',
  keys: ['dataAreaId', 'CustomerGroupId'],
  properties: CUSTOMER_GROUPS_PROPERTIES,
});

export const LEGAL_ENTITIES = defineEntity({
  entitySet: 'LegalEntities',
  typeName: 'LegalEntity',
  aotName: 'OMLegalEntity',
  tableLabel: 'Legal entities (CompanyInfo)',
  keys: ['LegalEntityId'],
  properties: LEGAL_ENTITIES_PROPERTIES,
  utcDateTimes: ['AddressValidFrom', 'AddressValidTo'],
});

export const UNITS_OF_MEASURE = defineEntity({
  entitySet: 'UnitsOfMeasure',
  typeName: 'UnitOfMeasure',
  aotName: 'UnitOfMeasureEntity',
  tableLabel: 'Units (UnitOfMeasure)',
  keys: ['UnitSymbol'],
  properties: UNITS_OF_MEASURE_PROPERTIES,
});

export const CURRENCIES = defineEntity({
  entitySet: 'Currencies',
  typeName: 'Currency',
  aotName: 'CurrencyEntity',
  tableLabel: 'Currency (Currency)',
  keys: ['CurrencyCode'],
  properties: CURRENCIES_PROPERTIES,
});

/** Every served entity set, in the order of the service document. */
export const ENTITIES: readonly EntityDef[] = [
  CURRENCIES,
  CUSTOMER_GROUPS,
  CUSTOMERS_V3,
  LEGAL_ENTITIES,
  PRODUCTS_V2,
  RELEASED_PRODUCTS_V2,
  SALES_ORDER_HEADERS_V2,
  SALES_ORDER_LINES,
  SALES_PRICE_AGREEMENTS,
  UNITS_OF_MEASURE,
];

const BY_SET = new Map(ENTITIES.map((entity) => [entity.entitySet, entity]));

/** Entity set names are case-sensitive in F&O. */
export function entityBySet(entitySet: string): EntityDef | undefined {
  return BY_SET.get(entitySet);
}

export function entity(entitySet: string): EntityDef {
  const found = BY_SET.get(entitySet);
  if (!found) throw new Error(`no entity set ${entitySet}`);
  return found;
}
