import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { connections } from './connections';

export const systemName = pgEnum('system_name', ['sales', 'fno']);
export const inboxSource = pgEnum('inbox_source', ['dataverse_webhook', 'fno_business_event']);
export const inboxStatus = pgEnum('inbox_status', ['received', 'processed', 'failed', 'ignored']);
export const syncDirection = pgEnum('sync_direction', ['sales_to_fno', 'fno_to_sales']);
export const recordStatus = pgEnum('record_status', ['pending', 'running', 'synced', 'failed', 'skipped']);
export const recordStage = pgEnum('record_stage', ['trigger', 'read', 'validate', 'map', 'write', 'after']);
export const eventOutcome = pgEnum('event_outcome', ['ok', 'failed', 'skipped']);
export const keyKind = pgEnum('key_kind', ['customer', 'product', 'sales_order']);

const dataAreaIdCheck = (column: unknown) => sql`${column} ~ '^[a-z0-9]{1,4}$'`;

/**
 * Where each reader resumes: a Dataverse delta link per table, an F&O poll checkpoint per entity
 * set and legal entity. One row per (connection, system, stream).
 */
export const syncCursors = pgTable(
  'sync_cursors',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    system: systemName('system').notNull(),
    /** e.g. `salesorders`, `ReleasedProductsV2@usmf`. */
    stream: text('stream').notNull(),
    cursor: jsonb('cursor').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.system, t.stream] }),
    check('sync_cursors_stream_not_blank', sql`length(${t.stream}) > 0`),
  ],
);

/**
 * Everything pushed to us (Dataverse webhooks, F&O business events), kept raw before any parsing.
 * `dedupKey` makes a redelivery a no-op: the Dataverse request id, or `<dataAreaId>:<ControlNumber>`.
 */
export const inboxEvents = pgTable(
  'inbox_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    source: inboxSource('source').notNull(),
    dedupKey: text('dedup_key').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    body: text('body').notNull(),
    status: inboxStatus('status').notNull().default('received'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('inbox_events_dedup_key').on(t.connectionId, t.source, t.dedupKey),
    index('inbox_events_pending_idx').on(t.status, t.receivedAt),
    check('inbox_events_dedup_key_not_blank', sql`length(btrim(${t.dedupKey})) > 0`),
    check('inbox_events_attempts_non_negative', sql`${t.attempts} >= 0`),
    check('inbox_events_failed_has_error', sql`${t.status} <> 'failed' OR ${t.error} IS NOT NULL`),
  ],
);

/**
 * One row per business object per direction, keyed by its natural key (the CRM order number, the
 * won opportunity, the F&O item number in a legal entity...). The unique key is what makes
 * "exactly once" true in the database, whatever the worker does.
 */
export const syncRecords = pgTable(
  'sync_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    direction: syncDirection('direction').notNull(),
    /** Entity of the source system, e.g. `salesorder`, `opportunity`, `ReleasedProductsV2`. */
    entity: text('entity').notNull(),
    naturalKey: text('natural_key').notNull(),
    sourceId: text('source_id'),
    /** What a person searches for: the CRM order number, the opportunity's name, the item number. */
    label: text('label'),
    /** The F&O sales order a CRM order or won opportunity belongs to (`OPP-<id>` or the order number). */
    dealKey: text('deal_key'),
    targetDataAreaId: text('target_data_area_id'),
    targetKey: text('target_key'),
    status: recordStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /**
     * The `seq` of the record's last audit event: appending one bumps it in the same statement
     * (the row update serialises concurrent appends), so events are numbered 1, 2, 3... without
     * a lock held across statements.
     */
    eventSeq: integer('event_seq').notNull().default(0),
    contentHash: text('content_hash'),
    lastError: jsonb('last_error').$type<{ code: string; message: string; [key: string]: unknown }>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    syncedAt: timestamp('synced_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('sync_records_natural_key').on(t.connectionId, t.direction, t.entity, t.naturalKey),
    index('sync_records_status_idx').on(t.connectionId, t.status, t.updatedAt),
    index('sync_records_label_idx').on(t.connectionId, t.label),
    index('sync_records_deal_key_idx').on(t.connectionId, t.dealKey),
    check('sync_records_entity_not_blank', sql`length(btrim(${t.entity})) > 0`),
    check('sync_records_natural_key_not_blank', sql`length(btrim(${t.naturalKey})) > 0`),
    check('sync_records_attempts_non_negative', sql`${t.attempts} >= 0`),
    check('sync_records_event_seq_non_negative', sql`${t.eventSeq} >= 0`),
    check(
      'sync_records_data_area_id_format',
      sql`${t.targetDataAreaId} IS NULL OR ${dataAreaIdCheck(t.targetDataAreaId)}`,
    ),
    check('sync_records_failed_has_error', sql`${t.status} <> 'failed' OR ${t.lastError} IS NOT NULL`),
    check('sync_records_synced_has_target', sql`${t.status} <> 'synced' OR ${t.targetKey} IS NOT NULL`),
  ],
);

/**
 * The append-only audit trail of a record: every step with what was read, what was written, the
 * response, timing and the error. Updates and direct deletes are refused by a trigger (see the
 * migration `record_events_append_only`); rows go only with their record.
 */
export const recordEvents = pgTable(
  'record_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    recordId: uuid('record_id')
      .notNull()
      .references(() => syncRecords.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    stage: recordStage('stage').notNull(),
    step: text('step').notNull(),
    outcome: eventOutcome('outcome').notNull(),
    correlationId: text('correlation_id').notNull(),
    input: jsonb('input'),
    output: jsonb('output'),
    error: jsonb('error').$type<{ code: string; message: string; [key: string]: unknown }>(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('record_events_record_seq_key').on(t.recordId, t.seq),
    check('record_events_seq_positive', sql`${t.seq} > 0`),
    check('record_events_duration_non_negative', sql`${t.durationMs} >= 0`),
    check('record_events_step_not_blank', sql`length(btrim(${t.step})) > 0`),
    check('record_events_failed_has_error', sql`${t.outcome} <> 'failed' OR ${t.error} IS NOT NULL`),
  ],
);

/**
 * CRM id ↔ F&O key per legal entity: accounts/contacts ↔ customers, products ↔ released products,
 * CRM orders/opportunities ↔ F&O sales orders. Unique in both directions within a legal entity.
 */
export const keyMap = pgTable(
  'key_map',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    kind: keyKind('kind').notNull(),
    /** Dataverse table of the CRM side (account, contact, product, salesorder, opportunity). */
    crmEntity: text('crm_entity').notNull(),
    crmId: uuid('crm_id').notNull(),
    dataAreaId: text('data_area_id').notNull(),
    fnoKey: text('fno_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.kind, t.crmId, t.dataAreaId] }),
    uniqueIndex('key_map_fno_key').on(t.connectionId, t.kind, t.dataAreaId, t.fnoKey),
    check('key_map_data_area_id_format', dataAreaIdCheck(t.dataAreaId)),
    check('key_map_fno_key_not_blank', sql`length(btrim(${t.fnoKey})) > 0`),
    check('key_map_crm_entity_format', sql`${t.crmEntity} ~ '^[a-z_][a-z0-9_]*$'`),
  ],
);

/**
 * Per record key of a full-compare F&O stream (`sync_cursors.stream`): the content hash of the last
 * completed read (`baseline`) and the mark of the read in progress (`mark`, `mark_pass`). Kept
 * here, page by page, instead of inside the cursor, so a worker's memory does not grow with the
 * catalog.
 */
export const compareState = pgTable(
  'compare_state',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    stream: text('stream').notNull(),
    key: text('key').notNull(),
    baseline: text('baseline'),
    mark: text('mark'),
    markPass: integer('mark_pass'),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.stream, t.key] })],
);

/**
 * Rows read from one F&O stream that wait for rows of another before they can be written (the
 * product names of `ProductsV2` waiting for their released products), per connection and stream.
 * Kept here for the length of a poll, not in the worker's memory, so that memory does not grow with
 * the catalog.
 */
export const stagedRows = pgTable(
  'staged_rows',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    stream: text('stream').notNull(),
    key: text('key').notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.stream, t.key] })],
);
