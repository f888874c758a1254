import { and, asc, eq, getTableColumns, inArray, ne, type SQL, sql, type Table } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Database } from '../client';
import {
  type eventOutcome,
  recordEvents,
  type recordStage,
  type syncDirection,
  syncRecords,
} from '../schema/index';

export type SyncDirection = (typeof syncDirection.enumValues)[number];
export type RecordStage = (typeof recordStage.enumValues)[number];
export type EventOutcome = (typeof eventOutcome.enumValues)[number];
export type SyncRecord = typeof syncRecords.$inferSelect;
export type RecordEvent = typeof recordEvents.$inferSelect;

export interface NaturalKey {
  connectionId: string;
  direction: SyncDirection;
  /** Entity of the source system, e.g. `salesorder`, `opportunity`, `ReleasedProductsV2`. */
  entity: string;
  naturalKey: string;
}

export interface RecordFailure {
  code: string;
  message: string;
  /** What the user can do about it (e.g. "release item X in usmf, then replay"). */
  remedy?: string;
}

export type BulkOutcome = {
  naturalKey: string;
  sourceId: string | null;
  label: string | null;
  targetDataAreaId: string | null;
  /** A summary of what was written, for the audit trail. */
  input?: unknown;
} & (
  | { ok: true; targetKey: string; contentHash: string }
  | { ok: false; error: { code: string; message: string; remedy?: string } }
);

export interface AppendEventInput {
  stage: RecordStage;
  step: string;
  outcome: EventOutcome;
  correlationId: string;
  input?: unknown;
  output?: unknown;
  error?: { code: string; message: string; [key: string]: unknown };
  startedAt: Date;
  durationMs: number;
}

/** What a run learns about a record as it goes; absent fields are kept. */
export interface RecordDetails {
  label?: string | null;
  dealKey?: string | null;
  targetDataAreaId?: string | null;
}

/** The `SET` assignments of `details` (with `updated_at`), none when there is nothing to store. */
function detailsSet(details: RecordDetails | undefined): SQL[] {
  if (!details) return [];
  const set: SQL[] = [];
  if (details.label !== undefined) set.push(sql`label = ${details.label}`);
  if (details.dealKey !== undefined) set.push(sql`deal_key = ${details.dealKey}`);
  if (details.targetDataAreaId !== undefined)
    set.push(sql`target_data_area_id = ${details.targetDataAreaId?.toLowerCase() ?? null}`);
  if (set.length > 0) set.push(sql`updated_at = now()`);
  return set;
}

/**
 * `update sync_records set … , event_seq = event_seq + n … returning *` and the insert of the `n`
 * events numbered after the record's last one, in one statement; the record and the events as
 * stored come back. `stampRun`: the events' input gets the attempt number and `runStartedAt`, the
 * record's new `updated_at` (database clock, ISO 8601 with milliseconds).
 */
async function appendTo(
  db: Database,
  recordId: string,
  set: SQL[],
  events: readonly AppendEventInput[],
  options: { stampRun?: boolean } = {},
): Promise<{ record: SyncRecord; events: RecordEvent[] } | undefined> {
  const n = events.length;
  const rows = JSON.stringify(
    events.map((event) => ({
      stage: event.stage,
      step: event.step,
      outcome: event.outcome,
      correlationId: event.correlationId,
      input: event.input ?? null,
      output: event.output ?? null,
      error: event.error ?? null,
      startedAt: event.startedAt.toISOString(),
      durationMs: Math.max(0, Math.round(event.durationMs)),
    })),
  );
  const input = options.stampRun
    ? sql`coalesce(nullif(x.value -> 'input', 'null'::jsonb), '{}'::jsonb) || jsonb_build_object(
        'attempt', r.attempts,
        'runStartedAt', to_char(r.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`
    : sql`nullif(x.value -> 'input', 'null'::jsonb)`;
  const result = await db.execute(sql`
    with r as (
      update sync_records set ${sql.join([...set, sql`event_seq = event_seq + ${n}`], sql`, `)}
       where id = ${recordId}
      returning *
    ), e as (
      insert into record_events (record_id, seq, stage, step, outcome, correlation_id, input, output,
        error, started_at, duration_ms)
      select r.id, r.event_seq - ${n} + x.ord, (x.value ->> 'stage')::record_stage, x.value ->> 'step',
        (x.value ->> 'outcome')::event_outcome, x.value ->> 'correlationId', ${input},
        nullif(x.value -> 'output', 'null'::jsonb), nullif(x.value -> 'error', 'null'::jsonb),
        (x.value ->> 'startedAt')::timestamptz, (x.value ->> 'durationMs')::integer
      from r, jsonb_array_elements(${rows}::jsonb) with ordinality as x(value, ord)
      returning *
    )
    select to_jsonb(r) as record,
      coalesce((select jsonb_agg(to_jsonb(e) order by e.seq) from e), '[]'::jsonb) as events
    from r`);
  const [row] = result.rows as { record: Record<string, unknown>; events: Record<string, unknown>[] }[];
  if (!row) return undefined;
  return {
    record: fromJsonRow(syncRecords, row.record),
    events: row.events.map((event) => fromJsonRow(recordEvents, event)),
  };
}

/**
 * A row read back as `to_jsonb(row)`: JSON columns are values already, timestamps ISO strings, and
 * `bigint` ids numbers; each is mapped like a driver value except the JSON columns.
 */
function fromJsonRow<T extends Table>(table: T, row: Record<string, unknown>): T['$inferSelect'] {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = row[column.name];
    if (value === null || value === undefined) out[key] = null;
    else if (column.dataType === 'json') out[key] = value;
    else out[key] = column.mapFromDriverValue(value);
  }
  return out as T['$inferSelect'];
}

export function createRecordsRepository(db: Database) {
  const byId = (recordId: string) => eq(syncRecords.id, recordId);

  const update = async (recordId: string, set: PgUpdateSetSource<typeof syncRecords>) => {
    const [row] = await db
      .update(syncRecords)
      .set({ ...set, updatedAt: sql`now()` })
      .where(byId(recordId))
      .returning();
    return row;
  };

  const findByNaturalKey = async (key: NaturalKey): Promise<SyncRecord | undefined> => {
    const [row] = await db
      .select()
      .from(syncRecords)
      .where(
        and(
          eq(syncRecords.connectionId, key.connectionId),
          eq(syncRecords.direction, key.direction),
          eq(syncRecords.entity, key.entity),
          eq(syncRecords.naturalKey, key.naturalKey),
        ),
      );
    return row;
  };

  const repository = {
    /**
     * The record of a business object: created pending, or the one that already exists for that
     * natural key (whatever its status). Concurrent calls all get the same row: `ON CONFLICT DO
     * NOTHING` waits for a concurrent insert to commit, so the follow-up read finds it.
     * A missing `sourceId` is filled in; an existing one is kept.
     */
    async upsertPending(input: NaturalKey & { sourceId?: string | undefined }): Promise<SyncRecord> {
      const [inserted] = await db
        .insert(syncRecords)
        .values({
          connectionId: input.connectionId,
          direction: input.direction,
          entity: input.entity,
          naturalKey: input.naturalKey,
          sourceId: input.sourceId ?? null,
        })
        .onConflictDoNothing({
          target: [
            syncRecords.connectionId,
            syncRecords.direction,
            syncRecords.entity,
            syncRecords.naturalKey,
          ],
        })
        .returning();
      if (inserted) return inserted;
      const existing = await findByNaturalKey(input);
      if (!existing)
        throw new Error(`sync record ${input.entity} ${input.naturalKey} conflicted but is gone`);
      if (existing.sourceId === null && input.sourceId !== undefined) {
        const [filled] = await db
          .update(syncRecords)
          .set({ sourceId: sql`coalesce(${syncRecords.sourceId}, ${input.sourceId})` })
          .where(byId(existing.id))
          .returning();
        return filled ?? existing;
      }
      return existing;
    },

    /**
     * A change that arrived while its connection is paused: the record (created when new) waits as
     * `pending`, so resume runs it again from the current state of the source, also when it was
     * synced, skipped or failed before. A record being run right now is left as it is.
     */
    async holdForResume(input: NaturalKey & { sourceId?: string | undefined }): Promise<SyncRecord> {
      const record = await repository.upsertPending(input);
      if (record.status === 'pending' || record.status === 'running') return record;
      const [held] = await db
        .update(syncRecords)
        .set({ status: 'pending', updatedAt: sql`now()` })
        .where(and(byId(record.id), ne(syncRecords.status, 'running')))
        .returning();
      return held ?? record;
    },

    /** A run begins: status `running`, one more attempt. `undefined` for an unknown id. */
    async start(recordId: string): Promise<SyncRecord | undefined> {
      return update(recordId, { status: 'running', attempts: sql`${syncRecords.attempts} + 1` });
    },

    async markSynced(
      recordId: string,
      target: { targetDataAreaId: string | null; targetKey: string; contentHash: string | null },
    ): Promise<SyncRecord | undefined> {
      return update(recordId, {
        status: 'synced',
        targetDataAreaId: target.targetDataAreaId?.toLowerCase() ?? null,
        targetKey: target.targetKey,
        contentHash: target.contentHash,
        lastError: null,
        syncedAt: sql`now()`,
      });
    },

    async markFailed(recordId: string, failure: RecordFailure): Promise<SyncRecord | undefined> {
      const lastError: { code: string; message: string; remedy?: string } = {
        code: failure.code,
        message: failure.message,
      };
      if (failure.remedy !== undefined) lastError.remedy = failure.remedy;
      return update(recordId, { status: 'failed', lastError });
    },

    /** Deliberately not applied (e.g. F&O already progressed the order); the reason is kept in `lastError`. */
    async markSkipped(recordId: string, reason: string): Promise<SyncRecord | undefined> {
      return update(recordId, { status: 'skipped', lastError: { code: 'skipped', message: reason } });
    },

    /** What the run learnt about the record (its label, deal, legal entity); absent fields are kept. */
    async describe(recordId: string, details: RecordDetails): Promise<SyncRecord | undefined> {
      const set: PgUpdateSetSource<typeof syncRecords> = {};
      if (details.label !== undefined) set.label = details.label;
      if (details.dealKey !== undefined) set.dealKey = details.dealKey;
      if (details.targetDataAreaId !== undefined)
        set.targetDataAreaId = details.targetDataAreaId?.toLowerCase() ?? null;
      return update(recordId, set);
    },

    /** A transient failure: back to `pending` (the queue tries again), the error kept for the portal. */
    async markRetrying(recordId: string, failure: RecordFailure): Promise<SyncRecord | undefined> {
      const lastError: { code: string; message: string; remedy?: string } = {
        code: failure.code,
        message: failure.message,
      };
      if (failure.remedy !== undefined) lastError.remedy = failure.remedy;
      return update(recordId, { status: 'pending', lastError });
    },

    /**
     * Records a run left behind: `running` (or `pending`) and untouched for `olderThanSeconds`,
     * oldest first. The caller checks that no live worker holds them before running them again.
     */
    async listStale(
      status: 'running' | 'pending',
      olderThanSeconds: number,
      limit: number,
    ): Promise<SyncRecord[]> {
      return db
        .select()
        .from(syncRecords)
        .where(
          and(
            eq(syncRecords.status, status),
            sql`${syncRecords.updatedAt} < now() - make_interval(secs => ${olderThanSeconds})`,
          ),
        )
        .orderBy(asc(syncRecords.updatedAt))
        .limit(limit);
    },

    /** Stored content hashes of many records of one entity, by natural key (absent: never synced). */
    async hashesOf(
      key: Omit<NaturalKey, 'naturalKey'>,
      naturalKeys: readonly string[],
    ): Promise<Map<string, { hash: string | null; status: SyncRecord['status']; sourceId: string | null }>> {
      if (naturalKeys.length === 0) return new Map();
      const rows = await db
        .select({
          naturalKey: syncRecords.naturalKey,
          hash: syncRecords.contentHash,
          status: syncRecords.status,
          sourceId: syncRecords.sourceId,
        })
        .from(syncRecords)
        .where(
          and(
            eq(syncRecords.connectionId, key.connectionId),
            eq(syncRecords.direction, key.direction),
            eq(syncRecords.entity, key.entity),
            inArray(syncRecords.naturalKey, [...naturalKeys]),
          ),
        );
      return new Map(
        rows.map((row) => [row.naturalKey, { hash: row.hash, status: row.status, sourceId: row.sourceId }]),
      );
    },

    /** The records of one entity whose source record is one of `sourceIds` (id, natural key, status). */
    async bySourceIds(
      key: Omit<NaturalKey, 'naturalKey'>,
      sourceIds: readonly string[],
    ): Promise<{ id: string; naturalKey: string; sourceId: string; status: SyncRecord['status'] }[]> {
      if (sourceIds.length === 0) return [];
      const rows = await db
        .select({
          id: syncRecords.id,
          naturalKey: syncRecords.naturalKey,
          sourceId: syncRecords.sourceId,
          status: syncRecords.status,
        })
        .from(syncRecords)
        .where(
          and(
            eq(syncRecords.connectionId, key.connectionId),
            eq(syncRecords.direction, key.direction),
            eq(syncRecords.entity, key.entity),
            inArray(syncRecords.sourceId, [...sourceIds]),
          ),
        );
      return rows.map((row) => ({
        id: row.id,
        naturalKey: row.naturalKey,
        sourceId: row.sourceId ?? '',
        status: row.status,
      }));
    },

    /**
     * Bulk outcome of a chunk written together (F&O → Sales catalog loads): upserts one record per
     * row (synced with its hash, or failed with its reason) and appends one audit event to each, in
     * one transaction. For chunks of up to a few thousand rows.
     */
    async recordBulk(
      key: Omit<NaturalKey, 'naturalKey'>,
      rows: readonly BulkOutcome[],
      event: { step: string; correlationId: string; startedAt: Date; durationMs: number },
    ): Promise<void> {
      if (rows.length === 0) return;
      // One statement with the whole chunk as one JSON parameter: the upserts and their audit
      // events go in together (atomically), and building it costs one JSON.stringify instead of a
      // query builder pass over thousands of parameters (the bulk catalog path).
      const chunk = JSON.stringify(
        rows.map((row) => ({
          natural_key: row.naturalKey,
          source_id: row.sourceId,
          label: row.label,
          target_data_area_id: row.targetDataAreaId?.toLowerCase() ?? null,
          ok: row.ok,
          target_key: row.ok ? row.targetKey : null,
          content_hash: row.ok ? row.contentHash : null,
          error: row.ok ? null : row.error,
          input: row.input ?? null,
        })),
      );
      await db.execute(sql`
        with chunk as (
          select * from jsonb_to_recordset(${chunk}::jsonb) as x(
            natural_key text, source_id text, label text, target_data_area_id text, ok boolean,
            target_key text, content_hash text, error jsonb, input jsonb)
        ), stored as (
          insert into sync_records as r (connection_id, direction, entity, natural_key, source_id, label,
            target_data_area_id, status, target_key, content_hash, last_error, attempts, synced_at, event_seq)
          select ${key.connectionId}::uuid, ${key.direction}::sync_direction, ${key.entity}, natural_key,
            source_id, label, target_data_area_id,
            (case when ok then 'synced' else 'failed' end)::record_status,
            target_key, content_hash, error, 1, case when ok then now() end, 1
          from chunk
          on conflict (connection_id, direction, entity, natural_key) do update set
            source_id = excluded.source_id,
            label = excluded.label,
            target_data_area_id = excluded.target_data_area_id,
            status = excluded.status,
            target_key = coalesce(excluded.target_key, r.target_key),
            content_hash = excluded.content_hash,
            last_error = excluded.last_error,
            attempts = r.attempts + 1,
            synced_at = coalesce(excluded.synced_at, r.synced_at),
            updated_at = now(),
            event_seq = r.event_seq + 1
          returning r.id, r.natural_key, r.event_seq
        )
        insert into record_events (record_id, seq, stage, step, outcome, correlation_id, input, output,
          error, started_at, duration_ms)
        select stored.id, stored.event_seq,
          'write', ${event.step},
          (case when chunk.ok then 'ok' else 'failed' end)::event_outcome,
          ${event.correlationId}, chunk.input,
          case when chunk.ok
            then jsonb_build_object('targetKey', chunk.target_key, 'contentHash', chunk.content_hash) end,
          chunk.error, ${event.startedAt.toISOString()}::timestamptz, ${Math.max(0, Math.round(event.durationMs))}
        from stored join chunk on chunk.natural_key = stored.natural_key
      `);
    },

    async get(recordId: string): Promise<SyncRecord | undefined> {
      const [row] = await db.select().from(syncRecords).where(byId(recordId));
      return row;
    },

    findByNaturalKey,

    /** Failed records of a connection, least recently touched first (the replay order). */
    async listFailed(connectionId: string): Promise<SyncRecord[]> {
      return db
        .select()
        .from(syncRecords)
        .where(and(eq(syncRecords.connectionId, connectionId), eq(syncRecords.status, 'failed')))
        .orderBy(asc(syncRecords.updatedAt), asc(syncRecords.id));
    },

    /**
     * Appends a step to the record's audit trail with the next `seq` of that record, in one
     * statement: the record's `event_seq` is bumped and the event stored with it. The row update
     * serialises appends to one record (a concurrent one waits for it and then counts from its
     * number), so concurrent appends get distinct, consecutive numbers. `details` (what the run
     * learnt about the record, as `describe`) are stored by the same statement. Throws for an
     * unknown record.
     */
    async appendEvent(
      recordId: string,
      event: AppendEventInput,
      details?: RecordDetails,
    ): Promise<RecordEvent> {
      const [stored] = (await appendTo(db, recordId, detailsSet(details), [event]))?.events ?? [];
      if (!stored) throw new Error(`sync record ${recordId} not found`);
      return stored;
    },

    /**
     * Several events of one record in one statement, numbered on in their order, with the run's
     * `details`; with `synced`, the record is marked synced by the same statement (as
     * `markSynced`). Resolves with the record, `undefined` for an unknown id.
     */
    async appendEvents(
      recordId: string,
      events: readonly AppendEventInput[],
      options: {
        details?: RecordDetails | undefined;
        synced?:
          | { targetDataAreaId: string | null; targetKey: string; contentHash: string | null }
          | undefined;
      } = {},
    ): Promise<SyncRecord | undefined> {
      const set = detailsSet(options.details);
      const target = options.synced;
      if (target) {
        set.push(
          sql`status = 'synced'`,
          sql`target_data_area_id = ${target.targetDataAreaId?.toLowerCase() ?? null}`,
          sql`target_key = ${target.targetKey}`,
          sql`content_hash = ${target.contentHash}`,
          sql`last_error = null`,
          sql`synced_at = now()`,
        );
        if (!options.details) set.push(sql`updated_at = now()`);
      }
      return (await appendTo(db, recordId, set, events))?.record;
    },

    /**
     * A run begins (as `start`) and its trigger event is appended, in one statement. The event's
     * input gets the attempt number and `runStartedAt`: the record's new `updated_at` (database
     * clock, ISO 8601 with milliseconds), what later triggers are compared with. `undefined` for
     * an unknown id.
     */
    async startRun(
      recordId: string,
      trigger: Omit<AppendEventInput, 'stage' | 'outcome' | 'output' | 'error' | 'durationMs'> & {
        input: Record<string, unknown>;
      },
    ): Promise<{ record: SyncRecord; event: RecordEvent } | undefined> {
      const begun = await appendTo(
        db,
        recordId,
        [sql`status = 'running'`, sql`attempts = attempts + 1`, sql`updated_at = now()`],
        [{ ...trigger, stage: 'trigger', outcome: 'ok', durationMs: 0 }],
        { stampRun: true },
      );
      const [event] = begun?.events ?? [];
      return begun && event ? { record: begun.record, event } : undefined;
    },

    /** The audit trail of a record, in order. */
    async events(recordId: string): Promise<RecordEvent[]> {
      return db
        .select()
        .from(recordEvents)
        .where(eq(recordEvents.recordId, recordId))
        .orderBy(asc(recordEvents.seq));
    },
  };
  return repository;
}

export type RecordsRepository = ReturnType<typeof createRecordsRepository>;
