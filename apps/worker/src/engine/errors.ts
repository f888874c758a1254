/**
 * How the engine reads what a step throws, without knowing the systems: any error with a string
 * `code` is a known failure (a connector's `ConnectorError`, a mapping's `MappingError`, a flow's
 * `FlowError`); `retryable: true` means it may pass by itself (throttling, an outage, a lost
 * response); `remedy` says what a person can do. Anything else is a defect of ours.
 */

export class SkipSignal extends Error {
  override readonly name = 'SkipSignal';
  constructor(
    readonly reason: string,
    readonly output?: unknown,
  ) {
    super(reason);
  }
}

/** A failure a flow step reports itself, e.g. a missing legal entity setting. */
export class FlowError extends Error {
  override readonly name = 'FlowError';
  readonly retryable: boolean;
  readonly remedy: string | undefined;
  constructor(
    readonly code: string,
    message: string,
    options: { remedy?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.remedy = options.remedy;
  }
}

export interface ClassifiedFailure {
  code: string;
  message: string;
  remedy?: string;
  retryable: boolean;
  /** What the service said, verbatim (Dataverse error, F&O Infolog). */
  upstream?: unknown;
  /** The source field a mapping failure is about. */
  path?: readonly (string | number)[];
}

/** Codes that a connector does not retry itself but the worker may: every write looks up first. */
const RETRY_IN_WORKER = new Set(['outcome_unknown']);

/**
 * SQLSTATE classes of our own database's transient failures: connection exceptions (08), too many
 * connections and other insufficient resources (53), shutdown and crash (57P01–57P03), and a
 * serialization failure or deadlock (40001, 40P01). The run's writes are all look-up-first, so
 * running it again later is safe.
 */
const TRANSIENT_DATABASE = /^(08|53|57P0[123]$|40001$|40P01$)/;

/** A transient failure of our own database, in the error or its causes (drizzle wraps pg's). */
function transientDatabaseError(error: unknown): { code: string; message: string } | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') return undefined;
    const candidate = current as { code?: unknown; message?: unknown; severity?: unknown; cause?: unknown };
    if (
      typeof candidate.code === 'string' &&
      typeof candidate.severity === 'string' &&
      TRANSIENT_DATABASE.test(candidate.code)
    ) {
      return { code: candidate.code, message: String(candidate.message ?? candidate.code) };
    }
    current = candidate.cause;
  }
  return undefined;
}

export function classifyFailure(error: unknown): ClassifiedFailure {
  const database = transientDatabaseError(error);
  if (database) {
    return {
      code: 'database_unavailable',
      message: `Our database refused the work for now (SQLSTATE ${database.code}: ${database.message}).`,
      remedy:
        'It is tried again by itself; if it keeps failing, check the database server (connections, disk).',
      retryable: true,
    };
  }
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    const known = error as {
      code: string;
      message?: unknown;
      retryable?: unknown;
      remedy?: unknown;
      upstream?: unknown;
      path?: unknown;
    };
    const failure: ClassifiedFailure = {
      code: known.code,
      message: typeof known.message === 'string' ? known.message : known.code,
      retryable: known.retryable === true || RETRY_IN_WORKER.has(known.code),
    };
    if (typeof known.remedy === 'string') failure.remedy = known.remedy;
    if (known.upstream !== undefined) failure.upstream = known.upstream;
    if (Array.isArray(known.path)) failure.path = known.path as (string | number)[];
    return failure;
  }
  return {
    code: 'internal_error',
    message: error instanceof Error ? error.message : String(error),
    remedy:
      'This is a defect of ml-connector: replay the record; if it fails again, report it with the record id.',
    retryable: false,
  };
}

/**
 * Another run of the record holds its lock (another job slot, or another worker): this run does
 * not wait for it. The caller queues the record again a moment later; that run reads the record as
 * it is then, so whatever triggered this one is applied (triggers of one record coalesce).
 */
export class RecordBusyError extends Error {
  override readonly name = 'RecordBusyError';
  constructor(readonly recordId: string) {
    super(`sync record ${recordId} is being run by another job`);
  }
}

/** Thrown to pg-boss so that it retries the job with backoff. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}
