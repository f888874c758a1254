/**
 * Service protection limits per user (requests and execution time per 5 minutes, concurrent
 * requests). Hook: the service calls `admit` for every authenticated request before running it and
 * `release` when it is done (a `$batch` is one request: its inner requests are not admitted again);
 * refusing means throwing a `DataverseError` with status 429, the `Retry-After` header and code
 * 0x80072322/0x80072321/0x80072326. The implementation is `limits/protection.ts`
 * (`createServiceProtection`).
 */
export interface ServiceProtection {
  admit(userId: string, request?: AdmissionRequest): Admission;
}

export interface AdmissionRequest {
  /**
   * Epoch ms when the host received the request (before its injected latency), when known; the
   * request counts as in flight, and its execution time runs, from then on.
   */
  arrivedAt?: number | undefined;
}

export interface Admission {
  /** Headers for the response (`x-ms-ratelimit-*`), set before the handler writes it. */
  readonly headers?: Readonly<Record<string, string>>;
  release(): void;
}

export const unlimited: ServiceProtection = {
  admit: () => ({ release: () => undefined }),
};
