import { createLogger } from '@mlc/logger';
import { parseEnv } from './env';
import { guardWorkerProcess } from './process-guard';
import { startWorker } from './worker';

const env = parseEnv();
const logger = createLogger({ name: 'worker', level: env.LOG_LEVEL });
guardWorkerProcess(logger);

try {
  const worker = await startWorker({
    databaseUrl: env.DATABASE_URL,
    logger,
    health: { host: env.WORKER_HEALTH_HOST, port: env.WORKER_HEALTH_PORT },
    encryption: {
      key: env.MLC_ENCRYPTION_KEY,
      previousKeys: env.MLC_ENCRYPTION_KEYS_PREVIOUS,
      production: env.NODE_ENV === 'production',
    },
    concurrency: env.WORKER_CONCURRENCY,
  });
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutdown requested');
    worker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  logger.fatal({ err: error }, 'worker failed to start');
  process.exitCode = 1;
}
