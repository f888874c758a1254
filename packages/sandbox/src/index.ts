export { type CompleteSandbox, type CompleteSandboxOptions, startCompleteSandbox } from './compose';
export {
  type RequestContext,
  type SandboxApp,
  type SimulatorService,
  TokenRejectedError,
  type TokenRejection,
  type TokenVerifier,
  type VerifiedToken,
} from './core/contracts';
export {
  applicationUserId,
  createDataverseService,
  DataverseError,
  type DataverseService,
  type DataverseServiceOptions,
  type DataverseStats,
  DEFAULT_SEED as DATAVERSE_DEFAULT_SEED,
  type SeedFacts as DataverseSeedFacts,
  seedFacts as dataverseSeedFacts,
} from './dataverse';
export { type SandboxDescriptor, sandboxDescriptorSchema } from './descriptor';
export {
  AadError,
  type AadErrorBody,
  createEntraService,
  createTokenVerifier,
  describeSandbox,
  type EntraApp,
  type EntraService,
  type EntraServiceOptions,
  entraFaultBodies,
  MAIN_APP_NAME,
  MISCONFIGURED_APP_NAME,
  type TokenVerifierOptions,
} from './entra';
export {
  BUSINESS_EVENT_CATALOG as FNO_BUSINESS_EVENT_CATALOG,
  type CatalogEvent as FnoBusinessEvent,
  type ChangeListener as FnoChangeListener,
  CUSTOMER_CHANGED as FNO_CUSTOMER_CHANGED,
  createFnoService,
  DEFAULT_COLD_START_MS as FNO_DEFAULT_COLD_START_MS,
  DEFAULT_MAX_PAGE_SIZE as FNO_DEFAULT_MAX_PAGE_SIZE,
  DEFAULT_PRODUCTS as FNO_DEFAULT_PRODUCTS,
  DEFAULT_SEED as FNO_DEFAULT_SEED,
  type EntityChange as FnoEntityChange,
  FnoError,
  type FnoService,
  type FnoServiceOptions,
  type FnoUser,
  fnoFaultBodies,
  MAX_PRODUCTS as FNO_MAX_PRODUCTS,
  type ManualNumbers as FnoManualNumbers,
  type PostedInvoice as FnoPostedInvoice,
  RELEASED_PRODUCT_CHANGED as FNO_RELEASED_PRODUCT_CHANGED,
  type RequestGate as FnoRequestGate,
  SALES_INVOICE_POSTED as FNO_SALES_INVOICE_POSTED,
  SANDBOX_ADMIN_OBJECT_ID as FNO_ADMIN_OBJECT_ID,
  SEED_FACTS as FNO_SEED_FACTS,
  type ThrottleDecision as FnoThrottleDecision,
  type ThrottlingSettingsInput as FnoThrottlingSettingsInput,
} from './fno';
export type { CountersSnapshot, RequestCount } from './host/counters';
export { ServiceDirectory } from './host/directory';
export { SandboxStartError, SandboxStateError } from './host/errors';
export {
  dataverseFaultBodies,
  type FaultBodies,
  type FaultResponse,
  genericFaultBodies,
} from './host/fault-bodies';
export {
  type FaultConfig,
  type FaultInput,
  FaultStore,
  faultInputSchema,
  type ServiceName,
} from './host/faults';
export {
  type RunningSandbox,
  type SandboxUrls,
  type ServiceRegistration,
  type StartSandboxOptions,
  startSandbox,
} from './host/sandbox';
export { defaultStateDir } from './host/state-dir';
export { ensureTlsMaterial, type TlsMaterial } from './host/tls';
