import { z } from 'zod';

/** The documented defaults (dataverse.md §6): per user, per 300 s sliding window. */
export const DEFAULT_LIMITS: Readonly<LimitsSettings> = Object.freeze({
  enabled: true,
  requests: 6000,
  executionTimeMs: 1_200_000,
  concurrentRequests: 52,
  windowSeconds: 300,
  dopHint: 16,
});

/**
 * Body of `PUT /_sandbox/limits` on the Dataverse port: the whole setting (omitted fields take the
 * documented defaults, unknown fields are refused), like `PUT /_sandbox/faults`.
 */
export const limitsInputSchema = z.strictObject({
  /** false switches every limit off (requests are neither counted nor refused). */
  enabled: z.boolean().default(DEFAULT_LIMITS.enabled),
  /** Requests per user per window (0x80072322). Tenants have been seen with 8000. */
  requests: z.number().int().min(1).max(10_000_000).default(DEFAULT_LIMITS.requests),
  /** Combined execution time per user per window, in milliseconds (0x80072321). */
  executionTimeMs: z.number().int().min(1).max(86_400_000).default(DEFAULT_LIMITS.executionTimeMs),
  /** Requests of one user in flight at once (0x80072326). Tenants have been seen with 100. */
  concurrentRequests: z.number().int().min(1).max(100_000).default(DEFAULT_LIMITS.concurrentRequests),
  /** Length of the sliding window, in seconds. */
  windowSeconds: z.number().int().min(1).max(86_400).default(DEFAULT_LIMITS.windowSeconds),
  /**
   * The recommended degree of parallelism every response carries in `x-ms-dop-hint` (the platform
   * sets it per environment from the resources it has; 16 here is UNCONFIRMED, see the README).
   */
  dopHint: z.number().int().min(1).max(1000).default(DEFAULT_LIMITS.dopHint),
});

export type LimitsInput = z.input<typeof limitsInputSchema>;

export interface LimitsSettings {
  enabled: boolean;
  requests: number;
  executionTimeMs: number;
  concurrentRequests: number;
  windowSeconds: number;
  dopHint: number;
}

/** One user's use of the current window (`GET /_sandbox/limits`). */
export interface LimitsUsage {
  userId: string;
  /** Requests admitted within the window. */
  requests: number;
  /** Execution time of the requests that finished within the window. */
  executionTimeMs: number;
  inFlight: number;
  /** While refused by the request-count or execution-time limit: until when (ISO). */
  blockedUntil: string | null;
  /** Requests refused since the usage was last cleared, by limit. */
  refused: { requests: number; executionTime: number; concurrency: number };
}

/** `1200000` → `1,200,000` (the platform's messages write the execution-time limit so). */
export function groupThousands(value: number | string): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
