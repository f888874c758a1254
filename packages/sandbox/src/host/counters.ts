/** Label of requests whose client the host could not tell (no bearer token, no `client_id`). */
export const ANONYMOUS_CLIENT = 'anonymous';

export interface RequestCount {
  clientId: string;
  method: string;
  /** Entity set (Dataverse, F&O) or endpoint label (Entra); null when the service set none. */
  entitySet: string | null;
  count: number;
}

/** Body of `GET /_sandbox/counters`. */
export interface CountersSnapshot {
  service: string;
  /** When counting started (start-up or the last `POST /_sandbox/counters/reset`). */
  since: string;
  total: number;
  requests: RequestCount[];
  /** Requests that arrived before a `Retry-After` this port had sent the same client had elapsed. */
  earlyRetries: { total: number; byClient: Record<string, number> };
}

export interface RequestCountersOptions {
  service: string;
  now?: () => number;
  /**
   * Slack for timer granularity: a retry this many ms before the end of the window is not early.
   * Default 10 ms.
   */
  earlyToleranceMs?: number;
}

/**
 * API calls per client × method × entity set, and early retries: the host records every 429 with
 * `Retry-After` it sends (injected or produced by the service) and counts requests from that client
 * that arrive before the wait is over.
 */
export class RequestCounters {
  private readonly service: string;
  private readonly now: () => number;
  private readonly toleranceMs: number;
  private readonly counts = new Map<string, RequestCount>();
  private readonly early = new Map<string, number>();
  /** Per client: the Retry-After windows sent and not yet over (sent at, not before), epoch ms. */
  private readonly waits = new Map<string, { sentAt: number; notBefore: number }[]>();
  private since: number;

  constructor(options: RequestCountersOptions) {
    this.service = options.service;
    this.now = options.now ?? Date.now;
    this.toleranceMs = options.earlyToleranceMs ?? 10;
    this.since = this.now();
  }

  /**
   * A request from `clientId` arrived at `atMs`. It is early when it arrived after a 429 was sent
   * to that client and before that 429's Retry-After had elapsed. A request that arrived before
   * the 429 was sent (already on its way, or still being read) is not a retry of it.
   */
  arrival(clientId: string, atMs: number): void {
    const pending = (this.waits.get(clientId) ?? []).filter(
      (wait) => atMs + this.toleranceMs < wait.notBefore,
    );
    if (pending.length === 0) {
      this.waits.delete(clientId);
      return;
    }
    this.waits.set(clientId, pending);
    if (pending.some((wait) => atMs >= wait.sentAt)) {
      this.early.set(clientId, (this.early.get(clientId) ?? 0) + 1);
    }
  }

  /** The host is answering `clientId` with 429 and `Retry-After: seconds`. */
  retryAfterSent(clientId: string, seconds: number, atMs: number = this.now()): void {
    const waits = this.waits.get(clientId) ?? [];
    waits.push({ sentAt: atMs, notBefore: atMs + seconds * 1000 });
    this.waits.set(clientId, waits);
  }

  record(clientId: string, method: string, entitySet: string | undefined): void {
    const key = JSON.stringify([clientId, method, entitySet ?? null]);
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { clientId, method, entitySet: entitySet ?? null, count: 1 });
  }

  snapshot(): CountersSnapshot {
    const requests = [...this.counts.values()]
      .map((entry) => ({ ...entry }))
      .sort(
        (a, b) =>
          a.clientId.localeCompare(b.clientId) ||
          a.method.localeCompare(b.method) ||
          (a.entitySet ?? '').localeCompare(b.entitySet ?? ''),
      );
    const byClient = Object.fromEntries([...this.early.entries()].sort(([a], [b]) => a.localeCompare(b)));
    return {
      service: this.service,
      since: new Date(this.since).toISOString(),
      total: requests.reduce((sum, entry) => sum + entry.count, 0),
      requests,
      earlyRetries: { total: [...this.early.values()].reduce((sum, n) => sum + n, 0), byClient },
    };
  }

  reset(): void {
    this.counts.clear();
    this.early.clear();
    this.waits.clear();
    this.since = this.now();
  }
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text === 'number') return text >= 0 ? text : undefined;
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - nowMs) / 1000);
}
