export { createSyncClient, type SyncClient } from './client';
export { FlowError } from './engine/errors';
export { defineFlow, type FlowDefinition, FlowRegistry, type StepDefinition } from './engine/flow';
export { parseEnv, type WorkerEnv } from './env';
export { createFlowRegistry } from './flows/index';
export { readHealth, type WorkerHealth } from './health';
export * from './jobs/index';
export { guardWorkerProcess, isConnectionLoss } from './process-guard';
export { createSyncControl, type SyncControl } from './sync/control';
export { type ConnectionFigures, connectionFigures } from './sync/figures';
export {
  type BusinessEventReceipt,
  IntakeError,
  receiveDataverseWebhook,
  receiveFnoBusinessEvent,
  type WebhookReceipt,
} from './sync/intake';
export type { EnableOptions } from './sync/setup';
export { QUEUE_SCHEMA, type RunningWorker, startWorker, type WorkerOptions } from './worker';
