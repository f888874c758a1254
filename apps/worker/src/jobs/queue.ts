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

/** Handles one job at a time. */
export type JobHandler<Name extends JobName> = (payload: JobPayload<Name>, job: JobInfo) => Promise<unknown>;

/**
 * Handles the jobs of one fetch together (a kind whose definition sets `batch`). It reports the
 * jobs that failed: a permanent failure ends its job, any other is retried by pg-boss with
 * backoff, alone; the others complete. Should it throw, every job of the batch is retried: the
 * handler must be idempotent per job.
 */
export interface JobBatchHandler<Name extends JobName> {
  batch(jobs: { payload: JobPayload<Name>; job: JobInfo }[]): Promise<BatchOutcome>;
}

export interface BatchOutcome {
  failed?: { jobId: string; error: unknown }[];
}

export type JobHandlers = {
  [Name in JobName]?: JobHandler<Name> | JobBatchHandler<Name>;
};

/** One job of `enqueueMany`. */
export interface EnqueueItem<Name extends JobName> {
  payload: JobPayload<Name>;
  options?: EnqueueOptions;
}

export interface JobQueue {
  /** Queues a job; resolves with its id, or `null` when the key already has one waiting. */
  enqueue<Name extends JobName>(
    name: Name,
    payload: JobPayload<Name>,
    options?: EnqueueOptions,
  ): Promise<string | null>;
  /**
   * Queues several jobs of one kind: items with the same key are joined first, as a later trigger
   * joins a queued job (`JobDefinition.join`; due at once when one of them is), then each key is
   * queued as `enqueue` does, with one wake-up for the lot. Resolves with how many were queued
   * new and how many joined a job queued already (in this call or before).
   */
  enqueueMany<Name extends JobName>(
    name: Name,
    items: readonly EnqueueItem<Name>[],
  ): Promise<{ queued: number; joined: number }>;
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

/**
 * How often an idle poller looks for work on its own. Jobs are picked up through wake-ups, not by
 * this: a job queued by this process wakes one idle poller of its kind at once, or when it is due
 * (a delayed job: a timer); one queued by another process (the portal's intake) through Postgres
 * `NOTIFY` (wakeups.ts). Polling finds what no one announces: retries coming due, a lost
 * notification. Every poll is a query, and pollers poll whether or not there is work (at 0.5 s,
 * 32 idle pollers of a worker made 64 queries a second, the largest share of a burst's queries).
 */
const POLL_SECONDS = 2;

/**
 * The pollers of this process, per job kind, and which of them are inside a handler. pg-boss
 * lets a poller that handled a job in less than its interval sleep out the rest of it, and a job
 * queued meanwhile waits for the next poll: so a poller that finished a job looks again at once
 * (it drains the queue, then polls), and queued jobs wake idle pollers (`POLL_SECONDS`). The
 * pollers of a kind start spread over one interval, so that one of them polls soon.
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

  /** Kinds that had a wake-up while every poller of theirs was busy. */
  readonly #missed = new Set<string>();

  /** Wakes one idle poller of `name` (round robin); when all are busy, the next one done looks again. */
  wakeOne(name: string): void {
    const idle = (this.#byName.get(name) ?? []).filter((poller) => !poller.busy);
    if (idle.length === 0) {
      this.#missed.add(name);
      return;
    }
    this.#next = (this.#next + 1) % idle.length;
    const poller = idle[this.#next];
    if (poller) this.boss.notifyWorker(poller.id);
  }

  /**
   * A poller is done with what it fetched: it looks for more at once, unless its fetch drained
   * the queue (a batch smaller than its size) and no job was announced since (`wakeOne`).
   */
  again(name: string, id: string, drained: boolean): void {
    if (drained && !this.#missed.delete(name)) return;
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
  /**
   * Sends one parsed job (or joins the queued one of its key); `now`: due at once. The wake-ups
   * are the caller's (`wakeUp`).
   */
  const send = async (
    name: JobName,
    definition: JobDefinition,
    parsed: unknown,
    delaySeconds: number | undefined,
  ): Promise<{ id: string | null; joined: boolean; now: boolean }> => {
    const now = !(delaySeconds !== undefined && delaySeconds > 0);
    const key = definition.key(parsed);
    let id: string | null = null;
    let joined = false;
    for (let attempt = 1; attempt <= 5 && id === null && !joined; attempt += 1) {
      id = await boss.send(name, parsed as object, {
        singletonKey: key,
        // pg-boss casts it to an interval (`'0.3'::interval`): fractions of a second are kept.
        ...(now ? {} : { startAfter: delaySeconds }),
      });
      if (id === null && definition.queue.policy !== 'short') break;
      if (id === null) joined = await join(name, definition, key, parsed, now);
    }
    // Due later: this process's pollers are woken then (a job queued elsewhere is found by polling).
    if (!now && (id !== null || joined)) {
      setTimeout(() => pollers.wakeOne(name), Math.ceil((delaySeconds ?? 0) * 1000) + DUE_MARGIN_MS).unref();
    }
    return { id, joined, now };
  };
  /**
   * Other processes' pollers (listenForJobs) are told through `NOTIFY`, at most one per kind every
   * `NOTIFY_GAP_MS`: a job queued while one is scheduled and not sent yet is announced by it (it is
   * sent after this job's commit), so a burst of webhooks costs a notification per gap, not one
   * each, and the woken pollers find several jobs to fetch at once.
   */
  const scheduled = new Map<JobName, NodeJS.Timeout>();
  const lastSent = new Map<JobName, number>();
  const notifyOthers = (name: JobName): void => {
    if (scheduled.has(name)) return;
    const wait = Math.max(0, (lastSent.get(name) ?? 0) + NOTIFY_GAP_MS - Date.now());
    const timer = setTimeout(() => {
      scheduled.delete(name);
      lastSent.set(name, Date.now());
      // Not awaited by anyone: losing it only costs the wait for a poll.
      void boss
        .getDb()
        .executeSql('select pg_notify($1, $2)', [JOBS_CHANNEL, name])
        .catch((error: unknown) => logger.debug({ err: error }, 'job wake-up not sent'));
    }, wait);
    timer.unref();
    scheduled.set(name, timer);
  };
  /** A job due at once was queued (or brought forward): `count` idle pollers of this process, and other processes, look. */
  const wakeUp = (name: JobName, count: number) => {
    for (let i = 0; i < count; i += 1) pollers.wakeOne(name);
    notifyOthers(name);
  };
  return {
    async enqueue(name, payload, options = {}) {
      const definition: JobDefinition = catalog[name];
      const parsed = definition.schema.parse(payload) as z.output<typeof definition.schema>;
      const sent = await send(name, definition, parsed, options.delaySeconds);
      if ((sent.id !== null || sent.joined) && sent.now) wakeUp(name, 1);
      return sent.id;
    },

    async enqueueMany(name, items) {
      const definition: JobDefinition = catalog[name];
      const byKey = new Map<string, { payload: unknown; delaySeconds: number | undefined; count: number }>();
      for (const item of items) {
        const parsed = definition.schema.parse(item.payload) as z.output<typeof definition.schema>;
        const delay = item.options?.delaySeconds;
        const delaySeconds = delay !== undefined && delay > 0 ? delay : undefined;
        const key = definition.key(parsed);
        const earlier = byKey.get(key);
        if (!earlier) {
          byKey.set(key, { payload: parsed, delaySeconds, count: 1 });
          continue;
        }
        earlier.payload = definition.join ? definition.join(earlier.payload, parsed) : parsed;
        // Due at once when one of them is, else at the earliest of their times.
        earlier.delaySeconds =
          earlier.delaySeconds === undefined || delaySeconds === undefined
            ? undefined
            : Math.min(earlier.delaySeconds, delaySeconds);
        earlier.count += 1;
      }
      let queued = 0;
      let joined = 0;
      let due = 0;
      for (const job of byKey.values()) {
        const sent = await send(name, definition, job.payload, job.delaySeconds);
        if (sent.id !== null) queued += 1;
        joined += job.count - (sent.id !== null ? 1 : 0);
        if ((sent.id !== null || sent.joined) && sent.now) due += 1;
      }
      if (due > 0) wakeUp(name, due);
      return { queued, joined };
    },

    wake(name) {
      pollers.wakeOne(name);
    },

    async register(handlers, options = {}) {
      const kinds = Object.entries(handlers) as [JobName, AnyHandler][];
      await Promise.all(
        kinds.map(async ([name, handler]) => {
          const definition: JobDefinition = catalog[name];
          const batched = typeof handler !== 'function';
          if (batched && !definition.batch)
            throw new Error(`${name}: a batch handler needs a batch size in the job catalog`);
          const size = batched ? (definition.batch?.size ?? 1) : 1;
          const concurrency = options.concurrency ?? 4;
          const count = batched
            ? (definition.batch?.pollers ?? 1)
            : Math.min(definition.slots ?? concurrency, concurrency);
          const start = async () => {
            let poller: { id: string; busy: boolean } | undefined;
            const id = await boss.work(
              name,
              { batchSize: size, pollingIntervalSeconds: POLL_SECONDS, includeMetadata: true },
              async (jobs) => {
                const [first] = jobs;
                if (!first) return undefined;
                if (poller) poller.busy = true;
                try {
                  if (typeof handler === 'function') return await runJob(name, definition, handler, first);
                  await runBatch(name, definition, handler, jobs);
                  return undefined;
                } finally {
                  if (poller) {
                    poller.busy = false;
                    pollers.again(name, poller.id, batched && jobs.length < size);
                  }
                }
              },
            );
            poller = pollers.add(name, id);
          };
          await start();
          // The others start spread over one interval (pg-boss polls at once), in the background.
          void (async () => {
            for (let i = 1; i < count; i += 1) {
              // Does not keep a stopping process alive.
              await new Promise((resolve) => setTimeout(resolve, (POLL_SECONDS * 1000) / count).unref());
              await start();
            }
          })().catch((error: unknown) =>
            // pg-boss stopped meanwhile (the worker is stopping): nothing to start.
            logger.debug({ err: error, job: name }, 'poller not started'),
          );
        }),
      );
    },
  };

  /**
   * One fetch of a batch kind: payloads that do not parse are refused (logged, completed, never
   * retried), the rest go to the handler together. Jobs it reports failed are failed in pg-boss
   * (retried with backoff, alone), unless the failure is permanent; pg-boss completes the others.
   */
  async function runBatch(
    name: JobName,
    definition: JobDefinition,
    handler: JobBatchHandler<JobName>,
    jobs: { id: string; data: unknown; createdOn: Date }[],
  ): Promise<void> {
    const valid: { payload: never; job: JobInfo }[] = [];
    for (const job of jobs) {
      const parsed = definition.schema.safeParse(job.data);
      if (parsed.success)
        valid.push({ payload: parsed.data as never, job: { id: job.id, createdOn: job.createdOn } });
      else
        withContext(logger, { job: name, jobId: job.id }).error(
          { issues: parsed.error.issues },
          'job payload refused',
        );
    }
    if (valid.length === 0) return;
    let outcome: BatchOutcome;
    try {
      outcome = await handler.batch(valid);
    } catch (error) {
      if (isPermanent(error)) {
        logger.warn({ job: name, jobs: valid.length, err: error }, 'job batch failed permanently (no retry)');
        return;
      }
      logger.warn(
        { job: name, jobs: valid.length, err: error },
        'job batch failed; pg-boss retries every job of it',
      );
      throw error;
    }
    for (const { jobId, error } of outcome.failed ?? []) {
      const log = withContext(logger, { job: name, jobId });
      if (isPermanent(error)) {
        log.warn({ err: error }, 'job failed permanently (no retry)');
        continue;
      }
      log.warn({ err: error }, 'job failed; pg-boss retries it with backoff');
      // Failed before pg-boss completes the batch: completion passes over a job no longer active.
      await boss.fail(name, jobId, { message: error instanceof Error ? error.message : String(error) });
    }
  }

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

/** Other processes are told of queued jobs of one kind at most this often (`notifyOthers`). */
const NOTIFY_GAP_MS = 25;

/** A delayed job's wake-up comes this long after it is due (the database's clock may run a little behind). */
const DUE_MARGIN_MS = 25;

type AnyHandler = ((p: unknown, j: JobInfo) => Promise<unknown>) | JobBatchHandler<JobName>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
