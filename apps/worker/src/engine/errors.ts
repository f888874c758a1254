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

export function classifyFailure(error: unknown): ClassifiedFailure {
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

/** Thrown to pg-boss so that it retries the job with backoff. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}
