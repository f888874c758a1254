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
  type RecordOutcome,
  type SinkDefinition,
  type SourceDefinition,
  type SourcePage,
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
export { parseConfig, parseEvent, readStream, runPing, writeStream } from './core/host';
export {
  type AttributeValue,
  type EntityReferenceValue,
  type EntityValue,
  parseRemoteExecutionContext,
  type RemoteExecutionEvent,
} from './dataverse/remote-execution-context';
export {
  type BusinessEvent,
  type BusinessEventEnvelope,
  type BusinessEventSample,
  parseBusinessEvent,
} from './fno/business-event';
export {
  type BudgetOptions,
  BudgetRegistry,
  type BudgetStats,
  type Priority,
  priorities,
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
