import { z } from 'zod';
import { defineSource } from '../core/define';
import type { FnoConfig } from './config';
import {
  basePriceEntity,
  customerEntity,
  priceAgreementEntity,
  productEntity,
  releasedProductEntity,
} from './entities';
import {
  countFullCompare,
  type FullCompareCheckpoint,
  readFullCompare,
  type Segment,
  storedFullCompareCheckpointSchema,
} from './full-compare';

/**
 * The F&O sources: released products, product names, prices and customers, each a full-compare
 * read (`full-compare.ts`) over the legal entities of the read scope. Records:
 * - `{ op: 'upsert', entitySet, key, hash, row }`: `row` has the real F&O property names and
 *   types (`entities.ts`), `key` is the record's OData key (`CustomersV3(dataAreaId='usmf',
 *   CustomerAccount='US-001')`), `hash` the content hash the change detection compares;
 * - `{ op: 'delete', entitySet, key, keys, reason }`: F&O no longer has the record.
 */

const deleteRecord = z.object({
  op: z.literal('delete'),
  entitySet: z.string(),
  key: z.string(),
  keys: z.record(z.string(), z.union([z.string(), z.number()])),
  reason: z.string(),
});

function upsertRecord<E extends string, S extends z.ZodType>(entitySet: E, row: S) {
  return z.object({
    op: z.literal('upsert'),
    entitySet: z.literal(entitySet),
    key: z.string(),
    hash: z.string(),
    row,
  });
}

const releasedProductRecord = z.union([
  upsertRecord('ReleasedProductsV2', releasedProductEntity.row),
  deleteRecord,
]);
const productRecord = z.union([upsertRecord('ProductsV2', productEntity.row), deleteRecord]);
const customerRecord = z.union([upsertRecord('CustomersV3', customerEntity.row), deleteRecord]);
/**
 * Prices: the released product's base price (in the legal entity's currency, from
 * `legalEntitySettings[x].currencyCode`; `null` when the legal entity has no settings) and the
 * trade agreements (`SalesPriceAgreements`), fno.md §3 "Sales prices".
 */
const priceRecord = z.union([
  upsertRecord('ReleasedProductsV2', basePriceEntity.row).extend({ currencyCode: z.string().nullable() }),
  upsertRecord('SalesPriceAgreements', priceAgreementEntity.row),
  deleteRecord,
]);

export type ReleasedProductRecord = z.output<typeof releasedProductRecord>;
export type ProductRecord = z.output<typeof productRecord>;
export type CustomerRecord = z.output<typeof customerRecord>;
export type PriceRecord = z.output<typeof priceRecord>;

const exampleCheckpoint: FullCompareCheckpoint = {
  version: 2,
  scope: 'usmf',
  pass: 2,
  baseline: true,
  segment: 0,
  nextLink:
    "https://contoso.operations.dynamics.com/data/CustomersV3?$filter=dataAreaId%20eq%20'usmf'&$skip=10000&$top=10000",
  complete: false,
  startedAt: '2026-01-05T08:00:00.000Z',
  completedAt: null,
};

function source<R>(
  description: string,
  segments: readonly Segment[],
  recordSchema: z.ZodType<R>,
  records: unknown[],
) {
  return defineSource({
    description,
    recordSchema,
    checkpointSchema: storedFullCompareCheckpointSchema,
    fixtures: { records, checkpoint: exampleCheckpoint },
    read: (ctx, config: FnoConfig, checkpoint, { state }) =>
      readFullCompare(ctx, config, { segments, recordSchema }, checkpoint, state),
    count: (ctx, config: FnoConfig) => countFullCompare(ctx, config, segments),
  });
}

const exampleDelete = {
  op: 'delete',
  entitySet: 'CustomersV3',
  key: "CustomersV3(dataAreaId='usmf',CustomerAccount='US-099')",
  keys: { dataAreaId: 'usmf', CustomerAccount: 'US-099' },
  reason: 'CustomersV3 no longer has this record.',
};

export const releasedProductsSource = source(
  'Released products (ReleasedProductsV2) per legal entity; names come from the products source.',
  [{ entity: releasedProductEntity }],
  releasedProductRecord,
  [
    {
      op: 'upsert',
      entitySet: 'ReleasedProductsV2',
      key: "ReleasedProductsV2(dataAreaId='usmf',ItemNumber='IE-10001')",
      hash: 'Zk3p1bX9aQ2c',
      row: {
        dataAreaId: 'usmf',
        ItemNumber: 'IE-10001',
        ProductNumber: 'IE-10001',
        SearchName: 'CENTRIFUGALPUMP',
        ProductSearchName: 'CENTRIFUGALPUMP',
        ProductType: 'Item',
        ProductSubType: 'Product',
        ProductGroupId: 'PUMPS',
        ItemModelGroupId: 'FIFO',
        InventoryUnitSymbol: 'ea',
        SalesUnitSymbol: 'ea',
        SalesPrice: 1249.5,
        SalesPriceQuantity: 1,
        SalesPriceDate: '2025-05-01T12:00:00Z',
        SalesSalesTaxItemGroupCode: 'FULL',
        SellStartDate: null,
        SellEndDate: null,
        ProductLifecycleStateId: '',
      },
    },
    {
      ...exampleDelete,
      entitySet: 'ReleasedProductsV2',
      key: "ReleasedProductsV2(dataAreaId='usmf',ItemNumber='X')",
      keys: { dataAreaId: 'usmf', ItemNumber: 'X' },
    },
  ],
);

export const productsSource = source(
  'Product names (ProductsV2, shared by every legal entity).',
  [{ entity: productEntity }],
  productRecord,
  [
    {
      op: 'upsert',
      entitySet: 'ProductsV2',
      key: "ProductsV2(ProductNumber='IE-10001')",
      hash: 'bX9aQ2cZk3p1',
      row: {
        ProductNumber: 'IE-10001',
        ProductName: 'Centrifugal pump 40 mm',
        ProductSearchName: 'CENTRIFUGALPUMP',
        ProductDescription: '',
        ProductType: 'Item',
        ProductSubType: 'Product',
      },
    },
  ],
);

export const pricesSource = source(
  'Prices per legal entity: base sales prices of released products, then trade agreements (SalesPriceAgreements).',
  [
    {
      entity: basePriceEntity,
      extra: (row, config) => {
        const legalEntity = typeof row['dataAreaId'] === 'string' ? row['dataAreaId'].toLowerCase() : '';
        return { currencyCode: config.legalEntitySettings[legalEntity]?.currencyCode ?? null };
      },
    },
    { entity: priceAgreementEntity },
  ],
  priceRecord,
  [
    {
      op: 'upsert',
      entitySet: 'ReleasedProductsV2',
      key: "ReleasedProductsV2(dataAreaId='usmf',ItemNumber='IE-10001')",
      hash: 'aQ2cZk3p1bX9',
      currencyCode: 'USD',
      row: {
        dataAreaId: 'usmf',
        ItemNumber: 'IE-10001',
        ProductNumber: 'IE-10001',
        SalesPrice: 1249.5,
        SalesPriceQuantity: 1,
        SalesUnitSymbol: 'ea',
        SalesPriceDate: '2025-05-01T12:00:00Z',
      },
    },
    {
      op: 'upsert',
      entitySet: 'SalesPriceAgreements',
      key: "SalesPriceAgreements(dataAreaId='usmf',RecordId=5637144576)",
      hash: 'p1bX9aQ2cZk3',
      row: {
        dataAreaId: 'usmf',
        RecordId: 5637144576,
        ItemNumber: 'IE-10001',
        ProductNumber: 'IE-10001',
        Price: 1150,
        PriceCurrencyCode: 'USD',
        QuantityUnitySymbol: 'ea',
        SalesPriceQuantity: 1,
        FromQuantity: 10,
        ToQuantity: 0,
        PriceApplicableFromDate: '2025-01-01T12:00:00Z',
        PriceApplicableToDate: null,
        CustomerAccountNumber: '',
        PriceCustomerGroupCode: '20',
        PriceSiteId: '',
        PriceWarehouseId: '',
        WillSearchContinue: 'No',
      },
    },
  ],
);

export const customersSource = source(
  'Customers (CustomersV3) per legal entity.',
  [{ entity: customerEntity }],
  customerRecord,
  [
    {
      op: 'upsert',
      entitySet: 'CustomersV3',
      key: "CustomersV3(dataAreaId='usmf',CustomerAccount='US-001')",
      hash: 'q3Jf0aZ-1kLm',
      row: {
        dataAreaId: 'usmf',
        CustomerAccount: 'US-001',
        PartyType: 'Organization',
        PartyNumber: '000000001',
        OrganizationName: 'Contoso Retail San Diego',
        PersonFirstName: '',
        PersonLastName: '',
        NameAlias: 'Contoso',
        CustomerGroupId: '10',
        SalesCurrencyCode: 'USD',
        InvoiceAccount: '',
        PaymentTerms: 'Net30',
        CreditLimit: 0,
        OnHoldStatus: 'No',
        DiscountPriceGroupId: '',
        LanguageId: 'en-us',
        AddressStreet: '123 Coffee Street',
        AddressCity: 'San Diego',
        AddressZipCode: '92101',
        AddressState: 'CA',
        AddressCountryRegionId: 'USA',
        PrimaryContactEmail: '',
        PrimaryContactPhone: '',
      },
    },
    exampleDelete,
  ],
);
