import { randomUUID } from 'node:crypto';
import { compareRowVersions, parseRowVersion } from '@mlc/connectors';
import {
  type AppendEventInput,
  and,
  asc,
  type DbClient,
  eq,
  ne,
  or,
  type RecordDetails,
  type RecordsRepository,
  type SyncRecord,
  schema,
  sql,
} from '@mlc/db';
import { type Logger, withContext } from '@mlc/logger';
import { classifyFailure, RecordBusyError, RetryLaterError, SkipSignal } from './errors';
import type { AnyFlow, StepContext, StepResult } from './flow';
import { openRunLocks } from './locks';

export interface RunRequest {
  connectionId: string;
  sourceId: string;
  /** The message that triggered the run (`Create`, `Win`, `delta`, `replay`). */
  message: string;
  correlationId?: string | undefined;
  replay?: boolean | undefined;
  /**
   * When the trigger was queued (database clock). A run of the record that began after it (and
   * ended synced or skipped) read the record with this trigger's change in it: the trigger is
   * covered and runs nothing again.
   */
  queuedAt?: Date | undefined;
  /**
   * The source row's version right after the change that raised the trigger (a decimal string:
   * Dataverse's `versionnumber` from the webhook's post image). A run that read the row at this
   * version or later (and ended synced or skipped) saw the change: the trigger is covered.
   */
  sourceVersion?: string | undefined;
}

export interface RunDeps<R> {
  db: DbClient;
  /**
   * Where a run's locks live: one connection per run, held while it runs (default `db.pool`). A
   * pool of their own keeps the runs' queries from waiting behind the connections runs hold.
   */
  lockPool?: DbClient['pool'];
  records: RecordsRepository;
  logger: Logger;
  runtime: R;
  /** A retryable failure after this many attempts leaves the record failed (replayable). */
  maxAttempts?: number;
}

export type RunOutcome =
  | { status: 'synced'; record: SyncRecord }
  | { status: 'skipped'; record: SyncRecord; reason: string }
  | { status: 'failed'; record: SyncRecord; code: string; message: string }
  | { status: 'covered'; record: SyncRecord; by: Covering };

/** Why a trigger needs no run: the last run began after it was queued, or read its change. */
export type Covering =
  | { kind: 'later-run'; runStartedAt: string }
  | { kind: 'version-read'; readVersion: string; runStartedAt: string | undefined };

/** Where a step's `sourceVersion` is kept in its audit event's output. */
export const SOURCE_VERSION_KEY = 'sourceVersion';

export const DEFAULT_MAX_ATTEMPTS = 8;

/** The lock every run of one record holds: work on one record is serialised across workers. */
export const recordLockKey = (recordId: string) => `record:${recordId}`;

/**
 * Runs a flow for one source record: finds or creates its sync record (by natural key), holds
 * the record's lock (or throws `RecordBusyError` at once when another run holds it), returns
 * `covered` when a run that began after the trigger was queued, or that read the trigger's
 * version of the source row or a later one, already read the record (`coveringRun`), else runs
 * every step in stage order and appends one audit event per step (what it took, what it produced,
 * how long, the error), then sets the record's status. A step that throws
 * a retryable failure leaves the record pending and rethrows for the queue to retry with backoff;
 * any other failure leaves it failed with the reason and remedy (replayable); a skip leaves it
 * skipped with the reason.
 */
export async function runRecord<R>(
  flow: AnyFlow<R>,
  request: RunRequest,
  deps: RunDeps<R>,
): Promise<RunOutcome> {
  const correlationId = request.correlationId ?? randomUUID();
  const { records } = deps;
  const pending = await records.upsertPending({
    connectionId: request.connectionId,
    direction: flow.direction,
    entity: flow.trigger.entity,
    naturalKey: flow.naturalKey(request.sourceId),
    sourceId: request.sourceId,
  });
  const log = withContext(deps.logger, {
    recordId: pending.id,
    correlationId,
    flow: flow.id,
    connectionId: request.connectionId,
  });
  const locks = await openRunLocks(deps.lockPool ?? deps.db.pool);
  try {
    // Never wait for another run of the record (it would hold a job slot and a connection while
    // waiting): the caller queues it again, and that run reads the record as it is by then.
    if (!(await locks.tryLock(recordLockKey(pending.id)))) {
      log.debug('record busy: another run holds it');
      throw new RecordBusyError(pending.id);
    }
    const before = (await records.get(pending.id)) ?? pending;
    const covering = await coveringRun(deps.db, before, request);
    if (covering) {
      log.info(
        { queuedAt: request.queuedAt, sourceVersion: request.sourceVersion, covering },
        covering.kind === 'later-run'
          ? 'trigger covered by a later run'
          : 'trigger covered: the last run read this version or a later one',
      );
      return { status: 'covered', record: before, by: covering };
    }
    const begun = await records.startRun(pending.id, {
      step: request.replay ? 'replay' : 'trigger',
      correlationId,
      // With the attempt and `runStartedAt` (database clock: what later triggers are compared
      // with, `coveringRun`) added by the repository.
      input: { message: request.message, sourceId: request.sourceId },
      startedAt: new Date(),
    });
    if (!begun) throw new Error(`sync record ${pending.id} vanished`);
    const started = begun.record;
    const state = flow.initialState();
    // What `describe` learnt, stored with the next audit event (one statement).
    let details: RecordDetails | undefined;
    const takeDetails = () => {
      const taken = details;
      details = undefined;
      return taken;
    };
    let target:
      | { targetKey: string; targetDataAreaId: string | null; contentHash: string | null }
      | undefined;

    const ctx: StepContext<unknown, R> = {
      record: before,
      previousStatus: before.status,
      state,
      runtime: deps.runtime,
      correlationId,
      message: request.message,
      replay: request.replay === true,
      log,
      records,
      lock: (key) => locks.lock(key),
      unlock: (key) => locks.unlock(key),
      dealShared: async (dealKey) => {
        const rows = await deps.db.db
          .select({ id: schema.syncRecords.id })
          .from(schema.syncRecords)
          .where(
            and(
              eq(schema.syncRecords.connectionId, request.connectionId),
              eq(schema.syncRecords.dealKey, dealKey),
              ne(schema.syncRecords.id, pending.id),
            ),
          )
          .limit(1);
        return rows.length > 0;
      },
      describe: (more) => {
        details = { ...details, ...more };
      },
      skip: (reason, output) => {
        throw new SkipSignal(reason, output);
      },
      complete: (value) => {
        target = value;
      },
    };

    // Audit events of the steps that change nothing elsewhere (read, validate, map) and of the
    // write-backs after the write wait, and are stored together: before a write step begins (the
    // trail shows what the run decided before it writes anything), with a skip or failure, and
    // with the run's end (the record marked synced by the same statement). A write step's event
    // is stored as soon as it ends. A run cut short (a killed worker) loses only waiting events
    // of steps it will do again: the record stays running, and is run again.
    const waiting: AppendEventInput[] = [];
    const store = async (event?: AppendEventInput) => {
      if (event) waiting.push(event);
      const events = waiting.splice(0);
      const [only] = events;
      if (events.length === 1 && only) await records.appendEvent(pending.id, only, takeDetails());
      else if (events.length > 1) await records.appendEvents(pending.id, events, { details: takeDetails() });
    };

    for (const step of flow.steps) {
      if (step.stage === 'write') await store();
      const startedAt = new Date();
      const t0 = performance.now();
      const elapsed = () => Math.max(0, Math.round(performance.now() - t0));
      try {
        const result = await step.run(ctx);
        const event: AppendEventInput = {
          stage: step.stage,
          step: step.name,
          outcome: 'ok',
          correlationId,
          input: result?.input ?? null,
          output: auditedOutput(result),
          startedAt,
          durationMs: elapsed(),
        };
        if (step.stage === 'write') await store(event);
        else waiting.push(event);
      } catch (error) {
        if (error instanceof SkipSignal) {
          await store({
            stage: step.stage,
            step: step.name,
            outcome: 'skipped',
            correlationId,
            output: {
              reason: error.reason,
              ...(error.output === undefined ? {} : { detail: error.output }),
            },
            startedAt,
            durationMs: elapsed(),
          });
          const record = (await records.markSkipped(pending.id, error.reason)) ?? started;
          log.info({ step: step.name, reason: error.reason }, 'record skipped');
          return { status: 'skipped', record, reason: error.reason };
        }
        const failure = classifyFailure(error);
        const giveUp = !failure.retryable || started.attempts >= (deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
        const stored = {
          code: failure.code,
          message: failure.message,
          ...(failure.remedy ? { remedy: failure.remedy } : {}),
          ...(failure.upstream === undefined ? {} : { upstream: failure.upstream }),
          ...(failure.path ? { path: failure.path } : {}),
          retryable: failure.retryable,
        };
        await store({
          stage: step.stage,
          step: step.name,
          outcome: 'failed',
          correlationId,
          error: stored,
          startedAt,
          durationMs: elapsed(),
        });
        if (!giveUp) {
          await records.markRetrying(pending.id, failure);
          log.warn(
            { step: step.name, code: failure.code, attempt: started.attempts },
            'step failed; retrying later',
          );
          throw new RetryLaterError(`${step.name}: ${failure.message}`, { cause: error });
        }
        const remedy =
          failure.remedy ??
          (failure.retryable
            ? `It kept failing after ${started.attempts} attempts: replay the record once the service is reachable.`
            : undefined);
        const record =
          (await records.markFailed(pending.id, {
            code: failure.code,
            message: failure.message,
            ...(remedy ? { remedy } : {}),
          })) ?? started;
        log.warn({ step: step.name, code: failure.code }, 'record failed');
        return { status: 'failed', record, code: failure.code, message: failure.message };
      }
    }

    if (!target) {
      await store();
      throw new Error(`flow ${flow.id} finished without completing record ${pending.id}`);
    }
    const events = waiting.splice(0);
    const synced =
      events.length > 0 || details
        ? await records.appendEvents(pending.id, events, { details: takeDetails(), synced: target })
        : await records.markSynced(pending.id, target);
    const record = synced ?? started;
    log.info({ targetKey: target.targetKey }, 'record synced');
    return { status: 'synced', record };
  } finally {
    await locks.release();
  }
}

/**
 * Whether the trigger needs no run, judged by the record's last run (its events from its trigger
 * event on) when that run ended synced or skipped:
 * - it began (database clock) after the trigger was queued: it read the record after the change
 *   that raised the trigger (the change was committed before its webhook, the webhook before the
 *   job), so running again would read nothing new;
 * - or it read the source row at the trigger's version or a later one (`sourceVersion`, compared
 *   as numbers): a webhook queued while that run was already going is about a change it saw.
 * A replay, and a record that failed or is pending (or running), always run.
 */
async function coveringRun(
  db: DbClient,
  record: SyncRecord,
  request: RunRequest,
): Promise<Covering | undefined> {
  if (request.replay) return undefined;
  const version = parseRowVersion(request.sourceVersion);
  if (!request.queuedAt && version === undefined) return undefined;
  if (record.status !== 'synced' && record.status !== 'skipped') return undefined;
  const events = schema.recordEvents;
  const lastRun = await db.db
    .select({ stage: events.stage, input: events.input, output: events.output })
    .from(events)
    .where(
      and(
        eq(events.recordId, record.id),
        sql`${events.seq} >= (select max(e.seq) from record_events e where e.record_id = ${record.id} and e.stage = 'trigger')`,
        or(eq(events.stage, 'trigger'), sql`${events.output} ->> ${SOURCE_VERSION_KEY} is not null`),
      ),
    )
    .orderBy(asc(events.seq));
  const [trigger, ...steps] = lastRun;
  if (trigger?.stage !== 'trigger') return undefined;
  const started = (trigger.input as { runStartedAt?: unknown } | null)?.runStartedAt;
  const runStartedAt = typeof started === 'string' ? started : undefined;
  if (request.queuedAt && runStartedAt && Date.parse(runStartedAt) > request.queuedAt.getTime()) {
    return { kind: 'later-run', runStartedAt };
  }
  if (version === undefined) return undefined;
  // The oldest version the run read (a flow that reads the row twice decided on both).
  let read: string | undefined;
  for (const step of steps) {
    const value = parseRowVersion((step.output as Record<string, unknown> | null)?.[SOURCE_VERSION_KEY]);
    if (value !== undefined && (read === undefined || compareRowVersions(value, read) < 0)) read = value;
  }
  if (read === undefined || compareRowVersions(read, version) < 0) return undefined;
  return { kind: 'version-read', readVersion: read, runStartedAt };
}

/** A step's output as audited: with the version it read under `sourceVersion`, when it says one. */
function auditedOutput(result: StepResult | undefined): unknown {
  const output = result?.output ?? null;
  const version = parseRowVersion(result?.sourceVersion);
  if (version === undefined) return output;
  const base =
    output !== null && typeof output === 'object' && !Array.isArray(output) ? output : { value: output };
  return { ...base, [SOURCE_VERSION_KEY]: version };
}
