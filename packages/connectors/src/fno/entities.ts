import { z } from 'zod';

/**
 * The F&O entities the connector reads and writes, with the properties it uses: real property
 * names and OData types from `shared/reference/fno-entity-fields.txt` (live-tenant metadata),
 * keys from the same file. Every read `$select`s exactly these properties.
 *
 * Wire facts (fno.md §3): strings are `""` when empty, never null; decimals are JSON numbers;
 * enums are member names; AX Date values come at `T12:00:00Z` and an empty date is
 * `1900-01-01T12:00:00Z` (UtcDateTime: `1900-01-01T00:00:00Z`), which the schemas turn into `null`.
 */

const EMPTY_DATE = /^1900-01-01T(?:12|00):00:00(?:\.0+)?Z$/;

/**
 * An `Edm.DateTimeOffset` property; F&O's empty date becomes `null`. Idempotent (a parsed row
 * parses again), so the same schemas check the records the sources yield.
 */
export const dateTimeOffset = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO 8601 date-time')
  .nullable()
  .transform((value) => (value === null || EMPTY_DATE.test(value) ? null : value));

const text = z.string();
const decimal = z.number();
const int64 = z.number().int();

/** EcoResProductType (fno.md §3). */
const productType = z.enum(['Item', 'Service']);
/** EcoResProductSubtype (fno.md §3). */
const productSubType = z.enum(['Product', 'ProductMaster', 'ProductVariant']);
/** CustVendorBlocked (fno.md §3). */
const onHoldStatus = z.enum(['No', 'Invoice', 'All', 'Payment', 'Requisition', 'Never', 'PurchOrder']);
/** SalesStatus (fno.md §3). */
const salesStatus = z.enum(['None', 'Backorder', 'Delivered', 'Invoiced', 'Canceled']);

interface EntityDescription<S extends z.ZodRawShape> {
  entitySet: string;
  /** Every key field, `dataAreaId` first for company-specific entities. */
  keyFields: readonly string[];
  /** Company-specific (has `dataAreaId`) or shared (fno.md §2). */
  companyScoped: boolean;
  shape: S;
}

function entity<S extends z.ZodRawShape>(description: EntityDescription<S>) {
  const row = z.object(description.shape);
  return { ...description, row, select: Object.keys(description.shape) as readonly string[] };
}

/** `ReleasedProductsV2`: key `(dataAreaId, ItemNumber)`; no product name (that is on ProductsV2). */
export const releasedProductEntity = entity({
  entitySet: 'ReleasedProductsV2',
  keyFields: ['dataAreaId', 'ItemNumber'],
  companyScoped: true,
  shape: {
    dataAreaId: text,
    ItemNumber: text,
    ProductNumber: text,
    SearchName: text,
    ProductSearchName: text,
    ProductType: productType,
    ProductSubType: productSubType,
    ProductGroupId: text,
    ItemModelGroupId: text,
    InventoryUnitSymbol: text,
    SalesUnitSymbol: text,
    SalesPrice: decimal,
    SalesPriceQuantity: decimal,
    SalesPriceDate: dateTimeOffset,
    SalesSalesTaxItemGroupCode: text,
    SellStartDate: dateTimeOffset,
    SellEndDate: dateTimeOffset,
    ProductLifecycleStateId: text,
  },
});

/** `ProductsV2`: shared (no dataAreaId), key `ProductNumber`; the product's name. */
export const productEntity = entity({
  entitySet: 'ProductsV2',
  keyFields: ['ProductNumber'],
  companyScoped: false,
  shape: {
    ProductNumber: text,
    ProductName: text,
    ProductSearchName: text,
    ProductDescription: text,
    ProductType: productType,
    ProductSubType: productSubType,
  },
});

/** The base sales price on the released product (fno.md §3 "Sales prices"). */
export const basePriceEntity = entity({
  entitySet: 'ReleasedProductsV2',
  keyFields: ['dataAreaId', 'ItemNumber'],
  companyScoped: true,
  shape: {
    dataAreaId: text,
    ItemNumber: text,
    ProductNumber: text,
    SalesPrice: decimal,
    SalesPriceQuantity: decimal,
    SalesUnitSymbol: text,
    SalesPriceDate: dateTimeOffset,
  },
});

/**
 * `SalesPriceAgreements`: trade-agreement prices, key `(dataAreaId, RecordId)`. The account code
 * follows from the fields: `CustomerAccountNumber` set = one customer ("Table"),
 * `PriceCustomerGroupCode` set = a price group ("Group"), neither = all customers.
 */
export const priceAgreementEntity = entity({
  entitySet: 'SalesPriceAgreements',
  keyFields: ['dataAreaId', 'RecordId'],
  companyScoped: true,
  shape: {
    dataAreaId: text,
    RecordId: int64,
    ItemNumber: text,
    ProductNumber: text,
    Price: decimal,
    PriceCurrencyCode: text,
    QuantityUnitySymbol: text,
    SalesPriceQuantity: decimal,
    FromQuantity: decimal,
    ToQuantity: decimal,
    PriceApplicableFromDate: dateTimeOffset,
    PriceApplicableToDate: dateTimeOffset,
    CustomerAccountNumber: text,
    PriceCustomerGroupCode: text,
    PriceSiteId: text,
    PriceWarehouseId: text,
    WillSearchContinue: z.enum(['No', 'Yes']),
  },
});

/** `CustomersV3`: key `(dataAreaId, CustomerAccount)`; no `Name` (OrganizationName or the person's name). */
export const customerEntity = entity({
  entitySet: 'CustomersV3',
  keyFields: ['dataAreaId', 'CustomerAccount'],
  companyScoped: true,
  shape: {
    dataAreaId: text,
    CustomerAccount: text,
    PartyType: text,
    PartyNumber: text,
    OrganizationName: text,
    PersonFirstName: text,
    PersonLastName: text,
    NameAlias: text,
    CustomerGroupId: text,
    SalesCurrencyCode: text,
    InvoiceAccount: text,
    PaymentTerms: text,
    CreditLimit: decimal,
    OnHoldStatus: onHoldStatus,
    DiscountPriceGroupId: text,
    LanguageId: text,
    AddressStreet: text,
    AddressCity: text,
    AddressZipCode: text,
    AddressState: text,
    AddressCountryRegionId: text,
    PrimaryContactEmail: text,
    PrimaryContactPhone: text,
  },
});

/** `SalesOrderHeadersV2`: key `(dataAreaId, SalesOrderNumber)`. */
export const salesOrderHeaderEntity = entity({
  entitySet: 'SalesOrderHeadersV2',
  keyFields: ['dataAreaId', 'SalesOrderNumber'],
  companyScoped: true,
  shape: {
    dataAreaId: text,
    SalesOrderNumber: text,
    OrderingCustomerAccountNumber: text,
    InvoiceCustomerAccountNumber: text,
    CustomersOrderReference: text,
    CustomerRequisitionNumber: text,
    SalesOrderName: text,
    CurrencyCode: text,
    SalesOrderStatus: salesStatus,
    RequestedShippingDate: dateTimeOffset,
    OrderTotalAmount: decimal,
  },
});

/** `SalesOrderLines`: key `(dataAreaId, InventoryLotId)`, the lot id F&O assigns (fno.md §3). */
export const salesOrderLineEntity = entity({
  entitySet: 'SalesOrderLines',
  keyFields: ['dataAreaId', 'InventoryLotId'],
  companyScoped: true,
  shape: {
    dataAreaId: text,
    InventoryLotId: text,
    SalesOrderNumber: text,
    LineNumber: decimal,
    ItemNumber: text,
    OrderedSalesQuantity: decimal,
    SalesUnitSymbol: text,
    SalesPrice: decimal,
    LineAmount: decimal,
    LineDescription: text,
    SalesOrderLineStatus: salesStatus,
  },
});

/** `LegalEntities`: shared, key `LegalEntityId` (upper case in some environments; dataAreaId is lower case). */
export const legalEntityEntity = entity({
  entitySet: 'LegalEntities',
  keyFields: ['LegalEntityId'],
  companyScoped: false,
  shape: { LegalEntityId: text, Name: text },
});

/** `CustomerGroups`: key `(dataAreaId, CustomerGroupId)`. */
export const customerGroupEntity = entity({
  entitySet: 'CustomerGroups',
  keyFields: ['dataAreaId', 'CustomerGroupId'],
  companyScoped: true,
  shape: {
    dataAreaId: text,
    CustomerGroupId: text,
    Description: text,
    CustomerAccountNumberSequence: text,
  },
});

export type ReleasedProductRow = z.output<typeof releasedProductEntity.row>;
export type ProductRow = z.output<typeof productEntity.row>;
export type BasePriceRow = z.output<typeof basePriceEntity.row>;
export type PriceAgreementRow = z.output<typeof priceAgreementEntity.row>;
export type CustomerRow = z.output<typeof customerEntity.row>;
export type SalesOrderHeaderRow = z.output<typeof salesOrderHeaderEntity.row>;
export type SalesOrderLineRow = z.output<typeof salesOrderLineEntity.row>;
export type LegalEntityRow = z.output<typeof legalEntityEntity.row>;
export type CustomerGroupRow = z.output<typeof customerGroupEntity.row>;

/** What `fetchOne` can read, by entity set. */
export const fetchableEntities = {
  ReleasedProductsV2: releasedProductEntity,
  ProductsV2: productEntity,
  SalesPriceAgreements: priceAgreementEntity,
  CustomersV3: customerEntity,
  SalesOrderHeadersV2: salesOrderHeaderEntity,
  SalesOrderLines: salesOrderLineEntity,
  LegalEntities: legalEntityEntity,
  CustomerGroups: customerGroupEntity,
} as const;

export type FetchableEntitySet = keyof typeof fetchableEntities;
export type FetchedRow<S extends FetchableEntitySet> = z.output<(typeof fetchableEntities)[S]['row']>;
