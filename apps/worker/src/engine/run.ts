import { randomUUID } from 'node:crypto';
import { and, type DbClient, desc, eq, ne, type RecordsRepository, type SyncRecord, schema } from '@mlc/db';
import { type Logger, withContext } from '@mlc/logger';
import { classifyFailure, RecordBusyError, RetryLaterError, SkipSignal } from './errors';
import type { AnyFlow, StepContext } from './flow';
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
  | { status: 'covered'; record: SyncRecord; by: string };

export const DEFAULT_MAX_ATTEMPTS = 8;

/** The lock every run of one record holds: work on one record is serialised across workers. */
export const recordLockKey = (recordId: string) => `record:${recordId}`;

/**
 * Runs a flow for one source record: finds or creates its sync record (by natural key), holds
 * the record's lock (or throws `RecordBusyError` at once when another run holds it), returns
 * `covered` when a run that began after the trigger was queued already read the record, else runs
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
      log.info({ queuedAt: request.queuedAt, runStartedAt: covering }, 'trigger covered by a later run');
      return { status: 'covered', record: before, by: covering };
    }
    const started = await records.start(pending.id);
    if (!started) throw new Error(`sync record ${pending.id} vanished`);
    const state = flow.initialState();
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
      describe: async (details) => {
        await records.describe(pending.id, details);
      },
      skip: (reason, output) => {
        throw new SkipSignal(reason, output);
      },
      complete: (value) => {
        target = value;
      },
    };

    await records.appendEvent(pending.id, {
      stage: 'trigger',
      step: request.replay ? 'replay' : 'trigger',
      outcome: 'ok',
      correlationId,
      input: {
        message: request.message,
        sourceId: request.sourceId,
        attempt: started.attempts,
        // Database clock: what later triggers are compared with (`coveringRun`).
        runStartedAt: started.updatedAt.toISOString(),
      },
      startedAt: new Date(),
      durationMs: 0,
    });

    for (const step of flow.steps) {
      const startedAt = new Date();
      const t0 = performance.now();
      const elapsed = () => Math.max(0, Math.round(performance.now() - t0));
      try {
        const result = await step.run(ctx);
        await records.appendEvent(pending.id, {
          stage: step.stage,
          step: step.name,
          outcome: 'ok',
          correlationId,
          input: result?.input ?? null,
          output: result?.output ?? null,
          startedAt,
          durationMs: elapsed(),
        });
      } catch (error) {
        if (error instanceof SkipSignal) {
          await records.appendEvent(pending.id, {
            stage: step.stage,
            step: step.name,
            outcome: 'skipped',
            correlationId,
            output: { reason: error.reason, ...(error.output === undefined ? {} : { detail: error.output }) },
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
        await records.appendEvent(pending.id, {
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

    if (!target) throw new Error(`flow ${flow.id} finished without completing record ${pending.id}`);
    const record = (await records.markSynced(pending.id, target)) ?? started;
    log.info({ targetKey: target.targetKey }, 'record synced');
    return { status: 'synced', record };
  } finally {
    await locks.release();
  }
}

/**
 * The start (database clock) of the record's last run when that run began after the trigger was
 * queued and ended synced or skipped: it read the record after the change that raised the
 * trigger (the change was committed before its webhook, the webhook before the job), so running
 * again would read nothing new. A replay, and a record that failed or is pending, always run.
 */
async function coveringRun(
  db: DbClient,
  record: SyncRecord,
  request: RunRequest,
): Promise<string | undefined> {
  if (!request.queuedAt || request.replay) return undefined;
  if (record.status !== 'synced' && record.status !== 'skipped') return undefined;
  const [last] = await db.db
    .select({ input: schema.recordEvents.input })
    .from(schema.recordEvents)
    .where(and(eq(schema.recordEvents.recordId, record.id), eq(schema.recordEvents.stage, 'trigger')))
    .orderBy(desc(schema.recordEvents.seq))
    .limit(1);
  const startedAt = (last?.input as { runStartedAt?: unknown } | null | undefined)?.runStartedAt;
  if (typeof startedAt !== 'string') return undefined;
  return Date.parse(startedAt) > request.queuedAt.getTime() ? startedAt : undefined;
}
