// The F&O connector's public surface (re-exported by the package entry point).
export {
  type BusinessEvent,
  type BusinessEventEnvelope,
  type BusinessEventSample,
  parseBusinessEvent,
} from './business-event';
export {
  createFnoHttpClient,
  type FnoConfig,
  type FnoConfigInput,
  type FnoHttpOptions,
  fnoConfigSchema,
  type LegalEntitySettings,
} from './config';
export { fnoConnector } from './connector';
export {
  createIsFindable,
  type EnsureCustomerRecord,
  type EnsuredCustomer,
  ensureCustomer,
} from './customers';
export type { FetchableEntitySet, FetchedRow } from './entities';
export { fetchOne } from './fetch-one';
export { type FullCompareCheckpoint, formatKey } from './full-compare';
export {
  type FnoSalesOrder,
  type FnoSalesOrderHeaderFields,
  type FnoSalesOrderLine,
  progressedOf,
  readSalesOrder,
  type SalesOrderKey,
} from './sales-order-read';
export {
  salesOrderHeaderChangesSchema,
  salesOrderLineAddSchema,
  salesOrderLineChangesSchema,
  type UpdatedSalesOrder,
  type UpdateSalesOrderInput,
  updateSalesOrder,
  updateSalesOrderSchema,
} from './sales-order-update';
export { type CreatedSalesOrder, type CreateSalesOrderRecord, createSalesOrder } from './sales-orders';
export type { CustomerRecord, PriceRecord, ProductRecord, ReleasedProductRecord } from './sources';
