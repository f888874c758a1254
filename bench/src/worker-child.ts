/**
 * One worker process of a benchmark: the real `startWorker` (production scheduler defaults) on the
 * bench's database. Prints `{"ready":…}` on stdout once it runs; SIGTERM stops it cleanly.
 */
import { createLogger } from '@mlc/logger';
import { guardWorkerProcess, startWorker } from '@mlc/worker';
import { readChildEnv } from './env';

const env = readChildEnv();
const logger = createLogger({
  name: `bench-worker-${process.pid}`,
  level: env.logLevel as 'warn',
  destination: process.stderr,
});
guardWorkerProcess(logger);
const worker = await startWorker({
  databaseUrl: env.databaseUrl,
  logger,
  health: { host: '127.0.0.1', port: 0 },
  encryption: { key: env.key },
  concurrency: env.concurrency,
});
process.stdout.write(`${JSON.stringify({ ready: { pid: process.pid, healthUrl: worker.healthUrl } })}\n`);
process.once('SIGTERM', () => {
  worker.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
