import { compareRowVersions } from '@mlc/connectors';
import { z } from 'zod';

/**
 * Every job the worker runs: its payload schema, how pg-boss keeps its queue, and the key that
 * serialises jobs working on the same thing. Payloads are parsed before a handler runs; a new
 * optional field must keep old, already-queued payloads valid ("old payloads still parse").
 */
export interface JobDefinition<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  queue: {
    /**
     * `short`: at most one queued job per key (later ones coalesce into it; running jobs do not
     * count). `singleton`: at most one active job per key (work on one record is serialised,
     * different records run in parallel). `stately`: also at most one queued job per key, so a
     * burst of triggers for one table coalesces into a single read.
     */
    policy: 'standard' | 'short' | 'singleton' | 'stately';
    retryLimit: number;
    retryDelaySeconds: number;
    retryBackoff: boolean;
    expireInSeconds: number;
  };
  /**
   * Jobs of this kind are fetched and handled together, up to `size` at a time by each of
   * `pollers` pollers (a batch handler, `JobBatchHandler`): for short jobs that arrive in bursts,
   * where one fetch, one completion and the handler's own reads and writes serve many jobs.
   */
  batch?: { size: number; pollers: number };
  /**
   * At most this many jobs of this kind at once in one worker (default, and at most, the
   * worker's concurrency): for kinds with few, long jobs, so as not to keep idle pollers.
   */
  slots?: number;
  /** The serialisation key (pg-boss `singletonKey`). */
  key(payload: z.output<Schema>): string;
  /**
   * The payload of a queued job that a new job of its key joins (`short` queues): default the
   * new job's.
   */
  join?(queued: z.output<Schema>, next: z.output<Schema>): z.output<Schema>;
}

/** The higher of two versions (compared as numbers), or undefined when either is missing. */
export function highestVersion(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return undefined;
  return compareRowVersions(a, b) >= 0 ? a : b;
}

/** Infers the payload type of `key` from the schema. */
function defineJob<Schema extends z.ZodType>(definition: JobDefinition<Schema>): JobDefinition<Schema> {
  return definition;
}

const connectionId = z.string().uuid();
/** Messages that say a record was just created (or won): see `sync.record`'s `join`. */
const CREATION = new Set(['Create', 'Win']);

export const jobCatalog = {
  /** Sync one business object in one direction (validate → map → write → after). */
  'sync.record': defineJob({
    schema: z.object({
      connectionId,
      direction: z.enum(['sales_to_fno', 'fno_to_sales']),
      entity: z.string().min(1),
      sourceId: z.string().min(1),
      correlationId: z.string().min(1).optional(),
      /** Set when a person asked for it from the portal. */
      replay: z.boolean().optional(),
      /** What triggered it (`Create`, `Win`, `delta`, `resume`, …), for the audit trail. */
      message: z.string().min(1).optional(),
      /**
       * The source row's version right after the change that triggered it (Dataverse
       * `versionnumber` from the webhook's post image, a decimal string): a run that read the row
       * at this version or later covers the trigger. Absent: nothing says so, the job runs.
       */
      sourceVersion: z
        .string()
        .regex(/^\d{1,20}$/)
        .optional(),
    }),
    // `short`: at most one *queued* job per record. A trigger that comes while one waits (the
    // Create of an order and the Updates its lines raise) is dropped: the waiting run reads the
    // record as it is when it runs, so it applies them all. Running jobs are not constrained (a
    // pg-boss singleton would keep a dead worker's job "active" until it expires): runs of one
    // record are serialised by the record's advisory lock (engine/run.ts), which dies with a
    // killed worker; a run that finds it taken queues the record again (sync/handlers.ts).
    queue: {
      policy: 'short',
      retryLimit: 10,
      retryDelaySeconds: 2,
      retryBackoff: true,
      expireInSeconds: 300,
    },
    // A replay is keyed apart: it must not be dropped behind an ordinary trigger (it runs even
    // while the connection is paused, and re-checks what an ordinary run trusts).
    key: (p) => `${p.connectionId}/${p.direction}/${p.entity}/${p.sourceId}${p.replay ? '/replay' : ''}`,
    // The newest trigger is what the run reports, except that a record's creation stays its
    // creation (a Create joined by the Updates its lines raise still runs as the Create: the flow
    // knows from it that the order is new). The joined job stands for every change joined in it:
    // it carries the highest of their versions, and none when one of them had none.
    join: (queued, next) => {
      const { sourceVersion: _queued, ...kept } =
        CREATION.has(queued.message ?? '') && !CREATION.has(next.message ?? '') ? queued : next;
      const sourceVersion = highestVersion(queued.sourceVersion, next.sourceVersion);
      return sourceVersion === undefined ? kept : { ...kept, sourceVersion };
    },
  }),
  /** Read the Dataverse changes of one table since its stored delta link. */
  'sync.delta': defineJob({
    schema: z.object({ connectionId, table: z.string().min(1) }),
    queue: {
      policy: 'stately',
      retryLimit: 10,
      retryDelaySeconds: 10,
      retryBackoff: true,
      expireInSeconds: 120,
    },
    key: (p) => `${p.connectionId}/${p.table}`,
    // A connection's tables (orders, opportunities) at once; one read per table at a time anyway.
    slots: 2,
  }),
  /** Read F&O changes of one stream (the catalog: products then prices; customers) and write them to Sales. */
  'sync.poll': defineJob({
    schema: z.object({
      connectionId,
      stream: z.enum(['catalog', 'customers']),
      reason: z.string().optional(),
    }),
    queue: {
      policy: 'stately',
      retryLimit: 10,
      retryDelaySeconds: 10,
      retryBackoff: true,
      expireInSeconds: 1800,
    },
    key: (p) => `${p.connectionId}/${p.stream}`,
    // A connection's two streams (catalog, customers) at once; each is one long read.
    slots: 2,
  }),
  /**
   * Turn one stored webhook or business event into sync jobs. Handled in batches: a burst of
   * webhooks (an order's Create and the Updates its lines raise come together) is read, turned
   * into jobs (the triggers of one record joined before they are queued) and marked processed by
   * a few statements, not a few per webhook.
   */
  'inbox.process': defineJob({
    schema: z.object({ connectionId, inboxEventId: z.string().uuid() }),
    queue: {
      policy: 'singleton',
      retryLimit: 10,
      retryDelaySeconds: 5,
      retryBackoff: true,
      expireInSeconds: 300,
    },
    batch: { size: 32, pollers: 2 },
    key: (p) => p.inboxEventId,
  }),
} satisfies Record<string, JobDefinition>;

export type JobCatalog = typeof jobCatalog;
export type JobName = keyof JobCatalog;
export type JobPayload<Name extends JobName> = z.output<JobCatalog[Name]['schema']>;
