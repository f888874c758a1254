import { type Logger, withContext } from '@mlc/logger';
import type PgBoss from 'pg-boss';
import type { z } from 'zod';
import { type JobCatalog, type JobDefinition, type JobName, type JobPayload, jobCatalog } from './catalog';
import { isPermanent } from './errors';
import { JOBS_CHANNEL } from './wakeups';

/** What a handler learns of its job besides the payload: its id, and when it was queued (database clock). */
export interface JobInfo {
  id: string;
  createdOn: Date;
}

export type JobHandlers = {
  [Name in JobName]?: (payload: JobPayload<Name>, job: JobInfo) => Promise<unknown>;
};

export interface JobQueue {
  /** Queues a job; resolves with its id, or `null` when the key already has one waiting. */
  enqueue<Name extends JobName>(
    name: Name,
    payload: JobPayload<Name>,
    options?: EnqueueOptions,
  ): Promise<string | null>;
  /** Wakes one idle poller of this process for `name` (a job of that kind was queued elsewhere). */
  wake(name: JobName): void;
  /** Starts working the given jobs; every payload is parsed before its handler runs. */
  register(handlers: JobHandlers, options?: { concurrency?: number }): Promise<void>;
}

export interface EnqueueOptions {
  /** Not before this many seconds from now (fractions allowed): later triggers coalesce into it meanwhile. */
  delaySeconds?: number;
}

/** Serialises queue creation across processes: pg-boss deadlocks when two create queues at once. */
export const QUEUE_SETUP_LOCK_KEY = 0x6d6c6371756575n;

export interface JobQueueOptions {
  /** Runs the one-time queue set-up under a cross-process lock (e.g. `withAdvisoryLock`). */
  serialiseSetup?: <T>(work: () => Promise<T>) => Promise<T>;
  catalog?: JobCatalog;
  /** The schema of pg-boss's tables (default `pgboss`, the worker's `QUEUE_SCHEMA`). */
  schema?: string;
}

/** Creates the queues of the catalog (idempotent) and returns a typed queue over pg-boss. */
export async function createJobQueue(
  boss: PgBoss,
  logger: Logger,
  options: JobQueueOptions = {},
): Promise<JobQueue> {
  const catalog = options.catalog ?? jobCatalog;
  const serialise = options.serialiseSetup ?? ((work) => work());
  await serialise(() => createQueuesRetryingDeadlocks(boss, catalog));
  const schema = options.schema ?? 'pgboss';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`queue schema "${schema}" is not a schema name`);
  return typedQueue(boss, logger, catalog, schema);
}

/**
 * Creating a queue adds a partition to pg-boss's job table; another worker's pg-boss maintenance
 * on that table at the same moment can make Postgres break a deadlock by failing our statement
 * (seen once in five starts of two workers together): the set-up is idempotent, so it is run again.
 */
async function createQueuesRetryingDeadlocks(boss: PgBoss, catalog: JobCatalog): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await createQueues(boss, catalog);
      return;
    } catch (error) {
      const deadlock = (error as { code?: unknown } | null)?.code === '40P01';
      if (!deadlock || attempt >= 3) throw error;
      await sleep(100 * attempt);
    }
  }
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

/** pg-boss's shortest polling interval: an idle poller looks for work this often. */
const POLL_SECONDS = 0.5;

/**
 * The pollers of this process, per job kind, and which of them are inside a handler. pg-boss
 * lets a poller that handled a job in less than its interval sleep out the rest of it, and a job
 * queued meanwhile waits for the next poll: so a poller that finished a job looks again at once
 * (it drains the queue, then polls), and a job queued by this process wakes one idle poller of
 * its kind (`notifyWorker`); one queued by another process (the portal's intake) wakes one
 * through Postgres `NOTIFY` (wakeups.ts). The pollers of a kind start spread over one interval,
 * so that, should a wake-up be lost, one of them polls soon.
 */
class Pollers {
  readonly #byName = new Map<string, { id: string; busy: boolean }[]>();
  #next = 0;

  constructor(private readonly boss: PgBoss) {}

  add(name: string, id: string): { id: string; busy: boolean } {
    const poller = { id, busy: false };
    const list = this.#byName.get(name) ?? [];
    list.push(poller);
    this.#byName.set(name, list);
    return poller;
  }

  /** Wakes one idle poller of `name` (round robin), if this process has one. */
  wakeOne(name: string): void {
    const idle = (this.#byName.get(name) ?? []).filter((poller) => !poller.busy);
    if (idle.length === 0) return;
    this.#next = (this.#next + 1) % idle.length;
    const poller = idle[this.#next];
    if (poller) this.boss.notifyWorker(poller.id);
  }

  /** The poller looks for the next job as soon as this one is done. */
  again(id: string): void {
    this.boss.notifyWorker(id);
  }
}

function typedQueue(boss: PgBoss, logger: Logger, catalog: JobCatalog, schema: string): JobQueue {
  const pollers = new Pollers(boss);
  /**
   * A job that finds one of its key queued (`short` and `stately` queues keep one) joins it: the
   * queued job takes the merged payload (`JobDefinition.join`), counts as queued now (its
   * `created_on`: what a run compares with to know whether it read this trigger's change), and is
   * brought forward when the new job is due at once. Compare-and-set on the queued payload; when
   * the queued job was taken meanwhile, the new job is sent again. True when joined.
   */
  const join = async (
    name: JobName,
    definition: JobDefinition,
    singletonKey: string,
    next: unknown,
    now: boolean,
  ): Promise<boolean> => {
    const { rows } = await boss
      .getDb()
      .executeSql(
        `select id, data from ${schema}.job where name = $1 and singleton_key = $2 and state = 'created' limit 1`,
        [name, singletonKey],
      );
    const queued = rows[0] as { id: string; data: unknown } | undefined;
    if (!queued) return false;
    const old = definition.schema.safeParse(queued.data);
    const merged = old.success && definition.join ? definition.join(old.data, next) : next;
    const result = await boss.getDb().executeSql(
      `update ${schema}.job set data = $3::jsonb, created_on = now(),
              start_after = case when $4 then least(start_after, now()) else start_after end
        where id = $1 and name = $2 and state = 'created' and data = $5::jsonb returning id`,
      [queued.id, name, JSON.stringify(merged), now, JSON.stringify(queued.data)],
    );
    return result.rows.length > 0;
  };
  return {
    async enqueue(name, payload, options = {}) {
      const definition: JobDefinition = catalog[name];
      const parsed = definition.schema.parse(payload) as z.output<typeof definition.schema>;
      const delay = options.delaySeconds;
      const now = !(delay !== undefined && delay > 0);
      const key = definition.key(parsed);
      let id: string | null = null;
      let joined = false;
      for (let attempt = 1; attempt <= 5 && id === null && !joined; attempt += 1) {
        id = await boss.send(name, parsed as object, {
          singletonKey: key,
          // pg-boss casts it to an interval (`'0.3'::interval`): fractions of a second are kept.
          ...(now ? {} : { startAfter: delay }),
        });
        if (id === null && definition.queue.policy !== 'short') break;
        if (id === null) joined = await join(name, definition, key, parsed, now);
      }
      const promoted = joined;
      if ((id !== null || promoted) && now) {
        pollers.wakeOne(name);
        // Other processes' pollers (listenForJobs), not awaited: the caller (a webhook being
        // answered) does not wait for it, and losing it only costs the wait for a poll.
        void boss
          .getDb()
          .executeSql('select pg_notify($1, $2)', [JOBS_CHANNEL, name])
          .catch((error: unknown) => logger.debug({ err: error }, 'job wake-up not sent'));
      }
      return id;
    },

    wake(name) {
      pollers.wakeOne(name);
    },

    async register(handlers, options = {}) {
      const kinds = Object.entries(handlers) as [JobName, (p: unknown, j: JobInfo) => Promise<unknown>][];
      await Promise.all(
        kinds.map(async ([name, handler]) => {
          const definition: JobDefinition = catalog[name];
          const concurrency = options.concurrency ?? 4;
          for (let i = 0; i < concurrency; i += 1) {
            // Spread the pollers' phases over one interval (pg-boss starts polling at once).
            if (i > 0) await sleep((POLL_SECONDS * 1000) / concurrency);
            let poller: { id: string; busy: boolean } | undefined;
            const id = await boss.work(
              name,
              { batchSize: 1, pollingIntervalSeconds: POLL_SECONDS, includeMetadata: true },
              async ([job]) => {
                if (!job) return undefined;
                if (poller) poller.busy = true;
                try {
                  return await runJob(name, definition, handler, job);
                } finally {
                  if (poller) {
                    poller.busy = false;
                    pollers.again(poller.id);
                  }
                }
              },
            );
            poller = pollers.add(name, id);
          }
        }),
      );
    },
  };

  async function runJob(
    name: JobName,
    definition: JobDefinition,
    handler: (p: unknown, j: JobInfo) => Promise<unknown>,
    job: { id: string; data: unknown; createdOn: Date },
  ): Promise<unknown> {
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
      return await handler(parsed.data, { id: job.id, createdOn: job.createdOn });
    } catch (error) {
      if (isPermanent(error)) {
        log.warn({ err: error }, 'job failed permanently (no retry)');
        return { failed: error instanceof Error ? error.message : String(error) };
      }
      log.warn({ err: error }, 'job failed; pg-boss retries it with backoff');
      throw error;
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
