/**
 * The retry policy's pure parts: what a `Retry-After` header asks for, how long to back off after
 * a 5xx or a network error, and which requests may be sent twice.
 */

export interface RetryPolicy {
  /** Retries after 429 before giving up with `throttled`; default 6. */
  maxThrottleRetries: number;
  /** Retries after 5xx or network errors; default 4. */
  maxErrorRetries: number;
  /** First backoff step; doubles each retry; default 500 ms. */
  baseDelayMs: number;
  /** Backoff ceiling; default 30 s. */
  maxDelayMs: number;
  /**
   * A `Retry-After` longer than this is not waited out inside the request: it fails with
   * `throttled` and `retryAfterSeconds` so the worker reschedules the job. Default 300 s.
   */
  maxRetryAfterSeconds: number;
  /** Wait used when a 429 comes without `Retry-After` (Microsoft's samples use 30 s). */
  defaultRetryAfterSeconds: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxThrottleRetries: 6,
  maxErrorRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterSeconds: 300,
  defaultRetryAfterSeconds: 30,
};

/**
 * Milliseconds to wait according to `Retry-After`: delay-seconds (`"7"`) or an HTTP-date. For a
 * date, the wait is measured against our clock and, when the response has a `Date` header, also
 * against the server's clock, and the longer of the two is used: never earlier than the server
 * meant, whatever the clock skew. `undefined` when the header is missing or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  nowMs: number,
  serverDate?: string,
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // HTTP-date (IMF-fixdate, RFC 850 or asctime): all three start with the day name.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  let wait = at - nowMs;
  const serverNow = serverDate === undefined ? Number.NaN : Date.parse(serverDate);
  if (!Number.isNaN(serverNow)) wait = Math.max(wait, at - serverNow);
  return Math.max(0, wait);
}

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(step / 2 + random() * (step / 2));
}

const alwaysIdempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Whether sending the request twice is harmless: GET/HEAD/OPTIONS/PUT/DELETE, and PATCH with
 * `If-Match` (it can only update the version it names). POST never is, unless the caller says so
 * (e.g. an upsert by alternate key).
 */
export function isIdempotent(
  method: string,
  headers: Readonly<Record<string, string>>,
  override: boolean | undefined,
): boolean {
  if (override !== undefined) return override;
  const upper = method.toUpperCase();
  if (alwaysIdempotent.has(upper)) return true;
  if (upper === 'PATCH') return Object.keys(headers).some((name) => name.toLowerCase() === 'if-match');
  return false;
}
