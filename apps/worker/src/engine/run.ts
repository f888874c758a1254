import { randomUUID } from 'node:crypto';
import type { DbClient, RecordsRepository, SyncRecord } from '@mlc/db';
import { type Logger, withContext } from '@mlc/logger';
import { classifyFailure, RetryLaterError, SkipSignal } from './errors';
import type { AnyFlow, StepContext } from './flow';
import { openRunLocks } from './locks';

export interface RunRequest {
  connectionId: string;
  sourceId: string;
  /** The message that triggered the run (`Create`, `Win`, `delta`, `replay`). */
  message: string;
  correlationId?: string | undefined;
  replay?: boolean | undefined;
}

export interface RunDeps<R> {
  db: DbClient;
  records: RecordsRepository;
  logger: Logger;
  runtime: R;
  /** A retryable failure after this many attempts leaves the record failed (replayable). */
  maxAttempts?: number;
}

export type RunOutcome =
  | { status: 'synced'; record: SyncRecord }
  | { status: 'skipped'; record: SyncRecord; reason: string }
  | { status: 'failed'; record: SyncRecord; code: string; message: string };

export const DEFAULT_MAX_ATTEMPTS = 8;

/** The lock every run of one record holds: work on one record is serialised across workers. */
export const recordLockKey = (recordId: string) => `record:${recordId}`;

/**
 * Runs a flow for one source record: finds or creates its sync record (by natural key), holds
 * the record's lock, runs every step in stage order and appends one audit event per step (what it
 * took, what it produced, how long, the error), then sets the record's status. A step that throws
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
  const locks = await openRunLocks(deps.db.pool);
  try {
    await locks.lock(recordLockKey(pending.id));
    const before = (await records.get(pending.id)) ?? pending;
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
      input: { message: request.message, sourceId: request.sourceId, attempt: started.attempts },
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
