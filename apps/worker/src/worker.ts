import type { Server } from 'node:http';
import {
  createDbClient,
  type DbClient,
  ensureDatabase,
  migrateDatabase,
  type RunningDatabase,
  withAdvisoryLock,
} from '@mlc/db';
import type { Logger } from '@mlc/logger';
import PgBoss from 'pg-boss';
import { addressOf, serveHealth } from './health';
import { createJobQueue, type JobQueue, QUEUE_SETUP_LOCK_KEY } from './jobs/index';

export interface WorkerOptions {
  databaseUrl?: string | undefined;
  logger: Logger;
  health: { host: string; port: number };
}

export interface RunningWorker {
  healthUrl: string;
  db: DbClient;
  boss: PgBoss;
  /** The typed job queue (see jobs/catalog.ts); handlers are registered by the sync graph. */
  jobs: JobQueue;
  stop(): Promise<void>;
}

/** pg-boss keeps its tables in a schema of its own, next to ours. */
export const QUEUE_SCHEMA = 'pgboss';

/**
 * Boots the worker: database (given or embedded), our migrations, pg-boss (which installs or
 * upgrades its own schema), and the health endpoint. Several workers on one Postgres share the
 * queue; each gets its own health port.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { logger } = options;
  const startedAt = Date.now();
  let stopping = false;
  const database: RunningDatabase = await ensureDatabase({ databaseUrl: options.databaseUrl, logger });
  await migrateDatabase(database.url, logger);
  const db = createDbClient(database.url, { applicationName: 'ml-connector-worker' });

  const boss = new PgBoss({
    connectionString: database.url,
    schema: QUEUE_SCHEMA,
    application_name: 'ml-connector-queue',
  });
  let queueStarted = false;
  boss.on('error', (error) => logger.error({ err: error }, 'queue error'));
  boss.on('stopped', () => {
    queueStarted = false;
  });
  await boss.start();
  const jobs = await createJobQueue(boss, logger, {
    serialiseSetup: (work) => withAdvisoryLock(db.pool, QUEUE_SETUP_LOCK_KEY, work),
  });
  queueStarted = true;

  let server: Server;
  try {
    server = await serveHealth(
      { pool: db.pool, queueStarted: () => queueStarted, stopping: () => stopping, startedAt },
      options.health.host,
      options.health.port,
    );
  } catch (error) {
    await boss.stop({ graceful: false, wait: true });
    await db.close();
    await database.stop();
    throw new Error(
      `worker health endpoint could not listen on ${options.health.host}:${options.health.port}`,
      {
        cause: error,
      },
    );
  }
  const healthUrl = `${addressOf(server)}/health`;
  logger.info({ healthUrl }, 'worker ready');

  return {
    healthUrl,
    db,
    boss,
    jobs,
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info('worker stopping');
      await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
      await database.stop();
      logger.info('worker stopped');
    },
  };
}
