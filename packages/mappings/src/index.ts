// The public surface of @mlc/mappings: pure, typed mappings between Dynamics 365 Sales and F&O.

export { type CountryMap, countryRegionIdOf } from './countries';
export { err, MappingError, type MappingErrorCode, ok, type Result } from './errors';
export {
  type FnoBasePrice,
  type FnoCustomer,
  type FnoPriceAgreement,
  type FnoProduct,
  type FnoReleasedProduct,
  fnoBasePriceSchema,
  fnoCustomerSchema,
  fnoPriceAgreementSchema,
  fnoProductSchema,
  fnoReleasedProductSchema,
} from './fno/records';
export type { CrmRef } from './fno-to-sales/common';
export {
  CRM_ACCOUNT_FIELDS,
  CRM_CONTACT_FIELDS,
  type CrmAccountUpsert,
  type CrmContactOptions,
  type CrmContactUpsert,
  type CrmCustomerOptions,
  contactIdOf,
  toCrmAccount,
  toCrmContact,
} from './fno-to-sales/customer';
export {
  CRM_PRICE_LIST_ITEM_FIELDS,
  type CrmPriceListItemOptions,
  type CrmPriceListItemUpsert,
  toCrmPriceListItem,
} from './fno-to-sales/price-list-item';
export {
  CRM_PRODUCT_FIELDS,
  type CrmProductOptions,
  type CrmProductUpsert,
  toCrmProduct,
} from './fno-to-sales/product';
export { type ChangeOrigin, canonicalJson, contentHash, isEchoOf } from './hash';
export { parseSource } from './parse';
export {
  type LegalEntityRoute,
  type RoutingContext,
  type RoutingRule,
  type RoutingSettings,
  type RoutingSettingsInput,
  resolveLegalEntity,
  routingSettingsSchema,
} from './routing';
export {
  type CrmAccountRow,
  type CrmContactRow,
  type CrmCustomer,
  type CrmOpportunityWithProducts,
  type CrmOrderWithLines,
  crmCustomerSchema,
  crmOpportunityWithProductsSchema,
  crmOrderWithLinesSchema,
} from './sales/records';
export {
  FNO_CUSTOMER_LENGTHS,
  type FnoCustomerOptions,
  type FnoCustomerPayload,
  fnoCustomerOptionsSchema,
  toFnoCustomer,
} from './sales-to-fno/customer';
export { DEAL_KEY_MAX, dealKeyOf } from './sales-to-fno/deal-key';
export {
  type FnoSalesOrderHeaderPayload,
  type FnoSalesOrderLinePayload,
  type FnoSalesOrderOptions,
  type MappedSalesOrder,
  type MappedSalesOrderLine,
  type ReleasedItem,
  toFnoSalesOrder,
} from './sales-to-fno/sales-order';
export {
  diffFnoSalesOrder,
  type FieldChange,
  type FnoSalesOrderDiff,
  type LineChange,
} from './sales-to-fno/sales-order-diff';
