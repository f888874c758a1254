export { parseEnv, type WorkerEnv } from './env';
export { readHealth, type WorkerHealth } from './health';
export { QUEUE_SCHEMA, type RunningWorker, startWorker, type WorkerOptions } from './worker';
