import { dataverseConnector, fnoConnector, type PingCheck, runPing } from '@mlc/connectors';
import type { DbClient, Vault } from '@mlc/db';
import { withAdvisoryLock } from '@mlc/db';
import type { Logger } from '@mlc/logger';
import PgBoss from 'pg-boss';
import { classifyFailure } from './engine/errors';
import { createJobQueue, type JobQueue, QUEUE_SETUP_LOCK_KEY } from './jobs/index';
import { createSyncControl, type SyncControl } from './sync/control';
import { connectionFigures } from './sync/figures';
import { receiveDataverseWebhook, receiveFnoBusinessEvent } from './sync/intake';
import { RuntimeCache } from './sync/runtimes';
import { QUEUE_SCHEMA } from './worker';

/**
 * What another process (the portal) needs of the sync without running it: the job queue (to hand
 * over webhooks, business events, replays), the control actions (enable, pause, resume, replay)
 * and the figures. It uses the same database and queue schema as the workers; it runs no job.
 */
export interface SyncClient {
  jobs: JobQueue;
  control: SyncControl;
  receiveDataverseWebhook(input: {
    connectionId: string;
    headers: Record<string, string>;
    body: string;
  }): ReturnType<typeof receiveDataverseWebhook>;
  receiveFnoBusinessEvent(input: {
    connectionId: string;
    headers: Record<string, string>;
    body: string;
  }): ReturnType<typeof receiveFnoBusinessEvent>;
  figures(connectionId: string, windowMinutes?: number): ReturnType<typeof connectionFigures>;
  /** Both connectors' diagnostics with the connection's stored settings and secrets (never throws). */
  ping(
    connectionId: string,
    report?: (system: 'sales' | 'fno', check: PingCheck) => void,
  ): Promise<{ system: 'sales' | 'fno'; checks: PingCheck[] }[]>;
  close(): Promise<void>;
}

export async function createSyncClient(options: {
  databaseUrl: string;
  db: DbClient;
  vault: Vault;
  logger: Logger;
}): Promise<SyncClient> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: QUEUE_SCHEMA,
    application_name: 'ml-connector-portal-queue',
    supervise: false,
    schedule: false,
  });
  boss.on('error', (error) => options.logger.error({ err: error }, 'queue error'));
  await boss.start();
  const jobs = await createJobQueue(boss, options.logger, {
    serialiseSetup: (work) => withAdvisoryLock(options.db.pool, QUEUE_SETUP_LOCK_KEY, work),
  });
  const abort = new AbortController();
  const runtimes = new RuntimeCache({
    db: options.db,
    vault: options.vault,
    logger: options.logger,
    signal: abort.signal,
  });
  const deps = { db: options.db, jobs };
  return {
    jobs,
    control: createSyncControl({ ...deps, runtimes }),
    receiveDataverseWebhook: (input) => receiveDataverseWebhook(deps, input),
    receiveFnoBusinessEvent: (input) => receiveFnoBusinessEvent(deps, input),
    figures: (connectionId, windowMinutes) => connectionFigures(options.db, connectionId, windowMinutes),
    async ping(connectionId, report) {
      let runtime: Awaited<ReturnType<RuntimeCache['get']>>;
      try {
        runtime = await runtimes.get(connectionId);
      } catch (error) {
        const failure = classifyFailure(error);
        const check: PingCheck = {
          name: 'configuration',
          ok: false,
          detail: failure.message,
          ...(failure.remedy ? { remedy: failure.remedy } : {}),
        };
        report?.('sales', check);
        return [{ system: 'sales', checks: [check] }];
      }
      const [sales, fno] = await Promise.all([
        runPing(dataverseConnector, runtime.sales.ctx, runtime.sales.config, (check) =>
          report?.('sales', check),
        ),
        runPing(fnoConnector, runtime.fno.ctx, runtime.fno.config, (check) => report?.('fno', check)),
      ]);
      return [
        { system: 'sales', checks: sales },
        { system: 'fno', checks: fno },
      ];
    },
    async close() {
      abort.abort();
      await runtimes.close();
      await boss.stop({ graceful: false, wait: true });
    },
  };
}
