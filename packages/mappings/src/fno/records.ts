import { z } from 'zod';

/**
 * The F&O rows the mappings take: the shapes `@mlc/connectors` yields (`packages/connectors/src/
 * fno/entities.ts`), with the real property names (shared/reference/fno-entity-fields.txt).
 * F&O sends `""` for an empty string and the connector turns the empty date into `null`; both are
 * accepted, and so is an absent property. Properties not named here are dropped: a mapping can
 * only ever see what is listed.
 */

const text = z.string().nullish();
const decimal = z.number().nullish();

/** `ReleasedProductsV2` (key `dataAreaId, ItemNumber`). */
export const fnoReleasedProductSchema = z.object({
  dataAreaId: z.string().min(1),
  ItemNumber: z.string().min(1),
  ProductNumber: text,
  SearchName: text,
  ProductSearchName: text,
  ProductType: z.enum(['Item', 'Service']).nullish(),
  ProductSubType: z.enum(['Product', 'ProductMaster', 'ProductVariant']).nullish(),
  SalesUnitSymbol: text,
  SalesPrice: decimal,
  SalesPriceQuantity: decimal,
});
export type FnoReleasedProduct = z.output<typeof fnoReleasedProductSchema>;

/** `ProductsV2` (shared, key `ProductNumber`): the product's name. */
export const fnoProductSchema = z.object({
  ProductNumber: z.string().min(1),
  ProductName: text,
  ProductSearchName: text,
  ProductDescription: text,
});
export type FnoProduct = z.output<typeof fnoProductSchema>;

/** The base sales price on the released product (`basePriceEntity` in the connector). */
export const fnoBasePriceSchema = z.object({
  dataAreaId: z.string().min(1),
  ItemNumber: z.string().min(1),
  SalesPrice: z.number(),
  SalesPriceQuantity: decimal,
  SalesUnitSymbol: text,
});
export type FnoBasePrice = z.output<typeof fnoBasePriceSchema>;

/** `SalesPriceAgreements` (key `dataAreaId, RecordId`): a trade-agreement price. */
export const fnoPriceAgreementSchema = z.object({
  dataAreaId: z.string().min(1),
  RecordId: z.number().int(),
  ItemNumber: z.string().min(1),
  Price: z.number(),
  PriceCurrencyCode: text,
  /** [sic] the real property name. */
  QuantityUnitySymbol: text,
  SalesPriceQuantity: decimal,
  FromQuantity: decimal,
  ToQuantity: decimal,
  CustomerAccountNumber: text,
  PriceCustomerGroupCode: text,
});
export type FnoPriceAgreement = z.output<typeof fnoPriceAgreementSchema>;

/** `CustomersV3` (key `dataAreaId, CustomerAccount`): the properties the Sales side may receive. */
export const fnoCustomerSchema = z.object({
  dataAreaId: z.string().min(1),
  CustomerAccount: z.string().min(1),
  PartyType: text,
  OrganizationName: text,
  PersonFirstName: text,
  PersonLastName: text,
  SalesCurrencyCode: text,
  PrimaryContactEmail: text,
  PrimaryContactPhone: text,
  AddressStreet: text,
  AddressCity: text,
  AddressZipCode: text,
  AddressState: text,
  AddressCountryRegionId: text,
  DeliveryAddressStreet: text,
  DeliveryAddressCity: text,
  DeliveryAddressZipCode: text,
  DeliveryAddressState: text,
  DeliveryAddressCountryRegionId: text,
});
export type FnoCustomer = z.output<typeof fnoCustomerSchema>;
