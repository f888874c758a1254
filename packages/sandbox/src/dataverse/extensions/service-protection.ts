/**
 * Service protection limits per user (requests and execution time per 5 minutes, concurrent
 * requests). Hook: the router calls `admit` for every authenticated request before running it and
 * `release` when it is done; refusing means throwing a `DataverseError` with status 429, the
 * `Retry-After` header and code 0x80072322/0x80072321/0x80072326.
 */
export interface ServiceProtection {
  admit(userId: string): { release(): void };
}

export const unlimited: ServiceProtection = {
  admit: () => ({ release: () => undefined }),
};
