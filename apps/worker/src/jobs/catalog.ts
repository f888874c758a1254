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
     * `singleton`: at most one active job per key (work on one record is serialised, different
     * records run in parallel). `stately`: also at most one queued job per key, so a burst of
     * triggers for one table coalesces into a single read.
     */
    policy: 'standard' | 'singleton' | 'stately';
    retryLimit: number;
    retryDelaySeconds: number;
    retryBackoff: boolean;
    expireInSeconds: number;
  };
  /** The serialisation key (pg-boss `singletonKey`). */
  key(payload: z.output<Schema>): string;
}

/** Infers the payload type of `key` from the schema. */
function defineJob<Schema extends z.ZodType>(definition: JobDefinition<Schema>): JobDefinition<Schema> {
  return definition;
}

const connectionId = z.string().uuid();

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
    }),
    // Work on one record is serialised by the record's advisory lock (engine/run.ts), which dies
    // with a killed worker; a pg-boss singleton would keep a dead worker's job "active" until it
    // expires, so the queue itself is standard and a crashed run is taken over by the sweeper.
    queue: {
      policy: 'standard',
      retryLimit: 10,
      retryDelaySeconds: 2,
      retryBackoff: true,
      expireInSeconds: 300,
    },
    key: (p) => `${p.connectionId}/${p.direction}/${p.entity}/${p.sourceId}`,
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
  }),
  /** Turn one stored webhook or business event into sync jobs. */
  'inbox.process': defineJob({
    schema: z.object({ connectionId, inboxEventId: z.string().uuid() }),
    queue: {
      policy: 'singleton',
      retryLimit: 10,
      retryDelaySeconds: 5,
      retryBackoff: true,
      expireInSeconds: 300,
    },
    key: (p) => p.inboxEventId,
  }),
} satisfies Record<string, JobDefinition>;

export type JobCatalog = typeof jobCatalog;
export type JobName = keyof JobCatalog;
export type JobPayload<Name extends JobName> = z.output<JobCatalog[Name]['schema']>;
