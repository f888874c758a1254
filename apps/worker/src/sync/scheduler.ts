import { createRecordsRepository, type DbClient, eq, schema } from '@mlc/db';
import type { Logger } from '@mlc/logger';
import { isUnlocked } from '../engine/locks';
import { recordLockKey } from '../engine/run';
import { type JobPayload, type JobQueue, jobCatalog } from '../jobs/index';
import { DELTA_SOURCES } from './handlers';

/**
 * The worker's clock, run by every worker process (safe: what it queues is coalesced or
 * idempotent):
 * - the change-tracking safety net: a delta read of each followed Dataverse table of each active
 *   connection once its cadence has passed since the last one (`sync.delta` is stately, so
 *   several workers queue one read);
 * - the sweeper: a record left `running` by a worker that died (its lock went with its database
 *   session) is queued again at once, instead of waiting for the queue's expiry. So is a record
 *   left `pending` of an active connection with no job waiting for it (created or retrying): a
 *   worker that died after taking its job but before starting the run leaves it so, its job
 *   "active" until the queue expires it (`expireInSeconds`).
 */
export interface SchedulerOptions {
  tickMs?: number;
  /** A `running` record untouched this long, with no lock holder, is taken over. */
  staleAfterSeconds?: number;
  /** The schema of pg-boss's tables (`QUEUE_SCHEMA`), to see whether a pending record has a job waiting. */
  queueSchema?: string;
}

export function startScheduler(
  deps: { db: DbClient; jobs: JobQueue; logger: Logger },
  options: SchedulerOptions = {},
): { stop(): Promise<void>; tick(): Promise<void> } {
  const tickMs = options.tickMs ?? 5_000;
  const staleAfter = options.staleAfterSeconds ?? 10;
  const queueSchema = options.queueSchema ?? 'pgboss';
  if (!/^[a-z_][a-z0-9_]*$/.test(queueSchema))
    throw new Error(`queue schema "${queueSchema}" is not a schema name`);
  const records = createRecordsRepository(deps.db.db);
  const lastDelta = new Map<string, number>();
  let running: Promise<void> | undefined;
  let stopped = false;

  const tick = async () => {
    const now = Date.now();
    const active = await deps.db.db
      .select({
        id: schema.connections.id,
        settings: schema.connections.settings,
        updatedAt: schema.connections.updatedAt,
      })
      .from(schema.connections)
      .where(eq(schema.connections.status, 'active'));
    for (const connection of active) {
      const cadence = (connection.settings.cadences?.salesDeltaSeconds ?? 60) * 1000;
      const pollEvery = (connection.settings.cadences?.fnoPollSeconds ?? 300) * 1000;
      for (const stream of ['catalog', 'customers'] as const) {
        const key = `${connection.id}/poll/${stream}`;
        if (now - (lastDelta.get(key) ?? 0) < pollEvery) continue;
        lastDelta.set(key, now);
        await deps.jobs.enqueue('sync.poll', { connectionId: connection.id, stream, reason: 'schedule' });
      }
      for (const table of Object.keys(DELTA_SOURCES)) {
        const key = `${connection.id}/${table}`;
        if (now - (lastDelta.get(key) ?? 0) < cadence) continue;
        lastDelta.set(key, now);
        await deps.jobs.enqueue('sync.delta', { connectionId: connection.id, table });
      }
    }
    // Pending records are swept only for connections that have been active for a while: right
    // after a resume, resume itself queues every waiting record oldest first, and a sweep racing
    // it (it takes a while for many records on a loaded machine) would run some of them early,
    // out of order.
    const activeIds = new Set(
      active
        .filter((connection) => now - connection.updatedAt.getTime() > staleAfter * 3 * 1000)
        .map((connection) => connection.id),
    );
    const stale = [
      ...(await records.listStale('running', staleAfter, 100)),
      ...(await records.listStale('pending', staleAfter, 100)).filter((record) =>
        activeIds.has(record.connectionId),
      ),
    ];
    for (const record of stale) {
      if (!record.sourceId || !(await isUnlocked(deps.db.pool, recordLockKey(record.id)))) continue;
      const job: JobPayload<'sync.record'> = {
        connectionId: record.connectionId,
        direction: record.direction,
        entity: record.entity,
        sourceId: record.sourceId,
        message: 'recover',
      };
      if (record.status === 'pending' && (await hasWaitingJob(job))) continue;
      deps.logger.warn(
        { recordId: record.id, connectionId: record.connectionId, status: record.status },
        `taking over a record a stopped worker left ${record.status}`,
      );
      await records.markRetrying(record.id, {
        code: 'worker_stopped',
        message: 'The worker running this record stopped before it finished; another worker takes it over.',
      });
      await deps.jobs.enqueue('sync.record', job);
    }
  };

  /** A `sync.record` job for the record queued or waiting to be retried (not one a worker holds). */
  const hasWaitingJob = async (payload: JobPayload<'sync.record'>) => {
    const { rows } = await deps.db.pool.query(
      `select 1 from ${queueSchema}.job where name = 'sync.record' and singleton_key = $1 and state in ('created', 'retry') limit 1`,
      [jobCatalog['sync.record'].key(payload)],
    );
    return rows.length > 0;
  };

  const loop = () => {
    if (stopped) return;
    running = tick()
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'scheduler tick failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(loop, tickMs);
      });
  };
  let timer: NodeJS.Timeout = setTimeout(loop, Math.min(tickMs, 1_000));

  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
