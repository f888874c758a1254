// The public surface of @mlc/connectors. Connector internals (pools, error-body parsers, wire
// helpers) stay inside the package; test helpers live under `@mlc/connectors/testing`.

export { resourceScope } from './auth/scope';
export {
  type AccessToken,
  createTokenProvider,
  type TokenProvider,
  type TokenProviderOptions,
} from './auth/token-provider';
export { type Clock, sleepUntil, systemClock } from './core/clock';
export { type CompareStateStore, memoryCompareState } from './core/compare-state';
export { checkConnector, checkRegistry } from './core/conformance';
export type { ConnectorContext } from './core/context';
export {
  type AnyConnector,
  type AnySink,
  type AnySource,
  type ConnectorDefinition,
  defineConnector,
  defineSink,
  defineSource,
  type EventParser,
  type PingCheck,
  type PingReporter,
  pingChecks,
  type RecordOutcome,
  type SinkDefinition,
  type SourceDefinition,
  type SourcePage,
  type SourcePageMeta,
} from './core/define';
export {
  ConnectorError,
  type ConnectorErrorCode,
  type ConnectorErrorKind,
  type ConnectorErrorOptions,
  connectorErrorCodes,
  type InfologEntry,
  isConnectorError,
  type UpstreamDetail,
} from './core/errors';
export { countStream, parseConfig, parseEvent, readStream, runPing, writeStream } from './core/host';
export { take } from './core/take';
export { mapYielding, YIELD_EVERY, yieldToEventLoop } from './core/yield';
export { type CatalogRefs, readCatalogRefs } from './dataverse/catalog-refs';
export {
  createDataverseHttpClient,
  type DataverseConfig,
  type DataverseConfigInput,
  type DataverseHttpOptions,
  dataverseBudgetOptions,
  dataverseConfigSchema,
} from './dataverse/config';
export { dataverseConnector } from './dataverse/connector';
export {
  type DeltaCheckpoint as DataverseDeltaCheckpoint,
  type DeltaRecord as DataverseDeltaRecord,
  isExpiredDeltaToken,
} from './dataverse/delta';
export {
  type Customer as DataverseCustomer,
  type OpportunityWithProducts,
  type OrderWithLines,
  opportunityWithProductsSchema,
  orderWithLinesSchema,
  readOpportunityWithProducts,
  readOrderWithLines,
} from './dataverse/detail';
export type { Ref as DataverseRef } from './dataverse/refs';
export {
  type AttributeValue,
  type EntityReferenceValue,
  type EntityValue,
  parseRemoteExecutionContext,
  type RemoteExecutionEvent,
} from './dataverse/remote-execution-context';
export { compareRowVersions, parseRowVersion, rowVersionFromEtag } from './dataverse/row-version';
export {
  type AlternateKeySpec,
  type AlternateKeyState,
  type ChangeTrackingState,
  defaultWebhookSteps,
  type EnsureWebhookOptions,
  ensureAlternateKeys,
  ensureWebhook,
  POST_IMAGE_ALIAS,
  requiredAlternateKeys,
  trackedTables,
  verifyChangeTracking,
  type WebhookSetup,
  type WebhookStepSpec,
} from './dataverse/setup';
export type {
  AccountSinkRecord,
  ContactSinkRecord,
  OrderErpNumberRecord,
  PriceListItemSinkRecord,
  ProductSinkRecord,
  UnitSinkRecord,
} from './dataverse/sinks';
export {
  type AccountNumberRecord,
  accountNumberRecordSchema,
  writeAccountNumbers,
} from './dataverse/sinks';
export type {
  AccountRow,
  ContactRow,
  CustomerAccountRow,
  CustomerContactRow,
  LookupValue,
  OpportunityLineRow,
  OpportunityRow,
  ProductRow,
  SalesOrderLineRow,
  SalesOrderRow,
} from './dataverse/tables';
export { type DataverseIdentity, whoAmI } from './dataverse/who-am-i';
export {
  type BusinessEvent,
  type BusinessEventEnvelope,
  type BusinessEventSample,
  parseBusinessEvent,
} from './fno/business-event';
export { type CustomerNameQuery, findCustomersByName } from './fno/customer-search';
export {
  type CreatedSalesOrder,
  type CreateSalesOrderRecord,
  type CustomerRecord as FnoCustomerRecord,
  createFnoHttpClient,
  createIsFindable,
  createSalesOrder,
  type EnsureCustomerRecord,
  type EnsuredCustomer,
  ensureCustomer,
  type FetchableEntitySet as FnoFetchableEntitySet,
  type FetchedRow as FnoFetchedRow,
  type FnoConfig,
  type FnoConfigInput,
  type FnoHttpOptions,
  type FnoSalesOrder,
  type FnoSalesOrderHeaderFields,
  type FnoSalesOrderLine,
  type FullCompareCheckpoint as FnoFullCompareCheckpoint,
  fetchOne as fetchFnoRecord,
  fnoConfigSchema,
  fnoConnector,
  formatKey as formatFnoRecordKey,
  type LegalEntitySettings as FnoLegalEntitySettings,
  type PriceRecord as FnoPriceRecord,
  type ProductRecord as FnoProductRecord,
  progressedOf as fnoSalesOrderProgressed,
  type ReleasedProductRecord as FnoReleasedProductRecord,
  readSalesOrder,
  type SalesOrderKey as FnoSalesOrderKey,
  salesOrderHeaderChangesSchema as fnoSalesOrderHeaderChangesSchema,
  salesOrderLineAddSchema as fnoSalesOrderLineAddSchema,
  salesOrderLineChangesSchema as fnoSalesOrderLineChangesSchema,
  type UpdatedSalesOrder,
  type UpdateSalesOrderInput,
  updateSalesOrder,
  updateSalesOrderSchema,
} from './fno/index';
export {
  type BudgetOptions,
  BudgetRegistry,
  type BudgetStats,
  type LeaseOutcome,
  type Priority,
  priorities,
  type SlowStart,
  ThrottleBudget,
} from './http/budget';
export {
  type AccessTokenSource,
  createHttpClient,
  defaultTimeouts,
  type HttpClient,
  type HttpClientOptions,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  type HttpTimeouts,
  type WarmUpResult,
} from './http/client';
export {
  blockedAddressReason,
  createHostGuard,
  type HostGuard,
  type HostGuardOptions,
  type HostKind,
  type HostPattern,
  productionHostPatterns,
  type SandboxTrust,
} from './http/guard';
export { defaultRetryPolicy, type RetryPolicy } from './http/retry';
export { connectors, findConnector } from './registry';
