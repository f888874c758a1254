/**
 * A failure that retrying cannot fix (bad credentials, a missing customer group, a record F&O
 * refuses): the job ends at once, its reason kept, instead of burning its retries. Anything else a
 * handler throws is retried with backoff.
 */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
  constructor(
    message: string,
    /** What a person can do about it. */
    readonly remedy?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Duck-typed so errors from other packages (e.g. a connector's `retryable: false`) count too. */
export function isPermanent(error: unknown): boolean {
  if (error instanceof PermanentJobError) return true;
  return (
    typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false
  );
}
