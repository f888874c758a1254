export {
  ActivityGenerator,
  type ActivityInput,
  type ActivityOperation,
  type ActivityStatus,
  activityInputSchema,
} from './activity/generator';
export { SANDBOX_ADMIN_OBJECT_ID } from './actor';
export { FnoError, WriteFailedError } from './errors';
export {
  BusinessEvents,
  type BusinessEventsOptions,
  type DeliveryRecord,
  type EndpointView,
  type ResendResult,
} from './events/business-events';
export {
  CATALOG as BUSINESS_EVENT_CATALOG,
  type CatalogEvent,
  CUSTOMER_CHANGED,
  RELEASED_PRODUCT_CHANGED,
  SALES_INVOICE_POSTED,
  schemaSample,
} from './events/catalog';
export { ENVELOPE_KEYS, NIL_GUID } from './events/envelope';
export {
  type BusinessEventsParameters,
  DEFAULT_PARAMETERS as DEFAULT_BUSINESS_EVENTS_PARAMETERS,
  type EventFaults,
} from './events/settings';
export { fnoFaultBodies } from './fault-bodies';
export type { FnoUser } from './http/types';
export { type InvoiceRequest, InvoicingError, type PostedInvoice } from './invoicing/post-invoice';
export { buildCsdl } from './metadata/csdl';
export { ENTITIES, entityBySet } from './metadata/entities';
export type { EntityDef, PropertyDef } from './metadata/types';
export {
  DEFAULT_MANUAL_NUMBERS,
  DEFAULT_PRODUCTS,
  DEFAULT_SEED,
  itemNumber,
  MAX_PRODUCTS,
  type ManualNumbers,
  SEED_FACTS,
} from './seed/seed';
export {
  createFnoService,
  DEFAULT_COLD_START_MS,
  DEFAULT_MAX_PAGE_SIZE,
  type FnoService,
  type FnoServiceOptions,
} from './service';
export type { ChangeListener, EntityChange } from './store/changes';
export {
  type GateRequest,
  RESOURCE_LIMIT_MESSAGE,
  type RequestGate,
  type ThrottleDecision,
} from './throttling/gate';
export {
  DEFAULT_THROTTLING,
  ResourceLimits,
  type ThrottlingPriority,
  type ThrottlingSettings,
  type ThrottlingSettingsInput,
  type ThrottlingStats,
  throttlingSettingsSchema,
} from './throttling/resource-limits';
