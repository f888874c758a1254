import { type Logger, withContext } from '@mlc/logger';
import type PgBoss from 'pg-boss';
import type { z } from 'zod';
import { type JobCatalog, type JobDefinition, type JobName, type JobPayload, jobCatalog } from './catalog';
import { isPermanent } from './errors';

export type JobHandlers = {
  [Name in JobName]?: (payload: JobPayload<Name>, job: { id: string }) => Promise<unknown>;
};

export interface JobQueue {
  /** Queues a job; resolves with its id, or `null` when the key already has one waiting. */
  enqueue<Name extends JobName>(name: Name, payload: JobPayload<Name>): Promise<string | null>;
  /** Starts working the given jobs; every payload is parsed before its handler runs. */
  register(handlers: JobHandlers, options?: { concurrency?: number }): Promise<void>;
}

/** Serialises queue creation across processes: pg-boss deadlocks when two create queues at once. */
export const QUEUE_SETUP_LOCK_KEY = 0x6d6c6371756575n;

export interface JobQueueOptions {
  /** Runs the one-time queue set-up under a cross-process lock (e.g. `withAdvisoryLock`). */
  serialiseSetup?: <T>(work: () => Promise<T>) => Promise<T>;
  catalog?: JobCatalog;
}

/** Creates the queues of the catalog (idempotent) and returns a typed queue over pg-boss. */
export async function createJobQueue(
  boss: PgBoss,
  logger: Logger,
  options: JobQueueOptions = {},
): Promise<JobQueue> {
  const catalog = options.catalog ?? jobCatalog;
  const serialise = options.serialiseSetup ?? ((work) => work());
  await serialise(() => createQueues(boss, catalog));
  return typedQueue(boss, logger, catalog);
}

async function createQueues(boss: PgBoss, catalog: JobCatalog): Promise<void> {
  for (const [name, definition] of Object.entries(catalog) as [JobName, JobDefinition][]) {
    const queue = {
      name,
      policy: definition.queue.policy,
      retryLimit: definition.queue.retryLimit,
      retryDelay: definition.queue.retryDelaySeconds,
      retryBackoff: definition.queue.retryBackoff,
      expireInSeconds: definition.queue.expireInSeconds,
    };
    if (await boss.getQueue(name)) await boss.updateQueue(name, queue);
    else await boss.createQueue(name, queue);
  }
}

function typedQueue(boss: PgBoss, logger: Logger, catalog: JobCatalog): JobQueue {
  return {
    async enqueue(name, payload) {
      const definition: JobDefinition = catalog[name];
      const parsed = definition.schema.parse(payload) as z.output<typeof definition.schema>;
      return boss.send(name, parsed as object, { singletonKey: definition.key(parsed) });
    },

    async register(handlers, options = {}) {
      for (const [name, handler] of Object.entries(handlers) as [
        JobName,
        (p: unknown, j: { id: string }) => Promise<unknown>,
      ][]) {
        const definition: JobDefinition = catalog[name];
        const concurrency = options.concurrency ?? 4;
        for (let i = 0; i < concurrency; i += 1) {
          await boss.work(name, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
            if (!job) return undefined;
            const log = withContext(logger, { job: name, jobId: job.id });
            const parsed = definition.schema.safeParse(job.data);
            if (!parsed.success) {
              // A payload that does not parse will never parse: no retry, the reason kept.
              log.error({ issues: parsed.error.issues }, 'job payload refused');
              return {
                refused: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
              };
            }
            try {
              return await handler(parsed.data, { id: job.id });
            } catch (error) {
              if (isPermanent(error)) {
                log.warn({ err: error }, 'job failed permanently (no retry)');
                return { failed: error instanceof Error ? error.message : String(error) };
              }
              log.warn({ err: error }, 'job failed; pg-boss retries it with backoff');
              throw error;
            }
          });
        }
      }
    },
  };
}
