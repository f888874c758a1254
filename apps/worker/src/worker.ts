import type { Server } from 'node:http';
import {
  createDbClient,
  createVault,
  type DbClient,
  ensureDatabase,
  loadKeyring,
  localDataDir,
  migrateDatabase,
  type RunningDatabase,
  type Vault,
  withAdvisoryLock,
} from '@mlc/db';
import type { Logger } from '@mlc/logger';
import PgBoss from 'pg-boss';
import { createFlowRegistry } from './flows/index';
import { addressOf, serveHealth } from './health';
import { createJobQueue, type JobQueue, QUEUE_SETUP_LOCK_KEY } from './jobs/index';
import { createSyncControl, type SyncControl } from './sync/control';
import { createHandlers } from './sync/handlers';
import { RuntimeCache } from './sync/runtimes';
import { type SchedulerOptions, startScheduler } from './sync/scheduler';

export interface WorkerOptions {
  databaseUrl?: string | undefined;
  logger: Logger;
  health: { host: string; port: number };
  /** Opens the connections' secrets; default: the keyring from `MLC_ENCRYPTION_KEY` (or the dev key). */
  vault?: Vault;
  encryption?: { key?: string | undefined; previousKeys?: string | undefined; production?: boolean };
  /** Jobs at once per job kind (default 8). */
  concurrency?: number;
  /** `false`: boot without running the sync (queue only; for tests of the queue itself). */
  sync?: false | SchedulerOptions;
}

export interface RunningWorker {
  healthUrl: string;
  db: DbClient;
  boss: PgBoss;
  /** The typed job queue (see jobs/catalog.ts); handlers are registered by the sync graph. */
  jobs: JobQueue;
  /** Replay, pause, resume, enable (what the portal calls). */
  control: SyncControl;
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

  const abort = new AbortController();
  const vault =
    options.vault ??
    createVault(
      loadKeyring({
        encryptionKey: options.encryption?.key,
        previousKeys: options.encryption?.previousKeys,
        devKeyDir: localDataDir(),
        production: options.encryption?.production ?? false,
      }),
    );
  const runtimes = new RuntimeCache({ db, vault, logger, signal: abort.signal });
  const control = createSyncControl({ db, jobs, runtimes });
  let scheduler: { stop(): Promise<void> } | undefined;
  if (options.sync !== false) {
    await jobs.register(createHandlers({ db, jobs, logger, flows: createFlowRegistry(), runtimes }), {
      concurrency: options.concurrency ?? 8,
    });
    scheduler = startScheduler({ db, jobs, logger }, options.sync ?? {});
  }

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
    control,
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info('worker stopping');
      await scheduler?.stop();
      await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
      abort.abort();
      await runtimes.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
      await database.stop();
      logger.info('worker stopped');
    },
  };
}
