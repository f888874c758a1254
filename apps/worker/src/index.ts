export { parseEnv, type WorkerEnv } from './env';
export { readHealth, type WorkerHealth } from './health';
export * from './jobs/index';
export { QUEUE_SCHEMA, type RunningWorker, startWorker, type WorkerOptions } from './worker';
