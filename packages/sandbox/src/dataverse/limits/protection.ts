import { DataverseError, ErrorCode } from '../errors';
import type { Admission, AdmissionRequest, ServiceProtection } from '../extensions/service-protection';
import {
  DEFAULT_LIMITS,
  groupThousands,
  type LimitsInput,
  type LimitsSettings,
  type LimitsUsage,
  limitsInputSchema,
} from './settings';

export const BURST_REMAINING_HEADER = 'x-ms-ratelimit-burst-remaining-xrm-requests';
export const TIME_REMAINING_HEADER = 'x-ms-ratelimit-time-remaining-xrm-requests';
/** The environment's recommended degree of parallelism, on every response (limits on or off). */
export const DOP_HINT_HEADER = 'x-ms-dop-hint';

/** Retry-After of a concurrency refusal: the platform cannot know when a slot frees (UNCONFIRMED). */
const CONCURRENCY_RETRY_AFTER_SECONDS = 1;
/** Finished requests kept to judge the concurrency of requests that arrived before them. */
const OVERLAP_RETENTION_MS = 600_000;
const OVERLAP_RETENTION_COUNT = 20_000;

export interface ServiceProtectionOptions extends LimitsInput {
  /** Clock (epoch ms) of the windows; the host's arrival times are in `Date.now()` too. */
  now?: () => number;
}

/** The protection the Dataverse service runs, with its run-time settings (`/_sandbox/limits`). */
export interface DataverseServiceProtection extends ServiceProtection {
  settings(): LimitsSettings;
  /** Replaces the settings and clears every user's usage. */
  configure(settings: LimitsInput): LimitsSettings;
  usage(): LimitsUsage[];
  /** Back to the settings it was created with, usage cleared (`POST /_sandbox/reset`). */
  reset(): void;
}

export function isConfigurableProtection(
  protection: ServiceProtection,
): protection is DataverseServiceProtection {
  const candidate = protection as Partial<DataverseServiceProtection>;
  return typeof candidate.configure === 'function' && typeof candidate.settings === 'function';
}

type Facet = 'requests' | 'executionTime';

/** A FIFO of numbers with O(1) push/shift and indexed access (timestamps, durations). */
class Queue {
  private items: number[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(value: number): void {
    this.items.push(value);
  }

  /** The i-th oldest (0-based). */
  at(index: number): number {
    return this.items[this.head + index] ?? Number.NaN;
  }

  shift(): number {
    const value = this.at(0);
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return value;
  }
}

/** One user's windows. */
class Usage {
  /** Admission times of the requests in the window. */
  readonly admitted = new Queue();
  /** End times and durations of the requests that finished in the window (same order). */
  readonly ends = new Queue();
  readonly durations = new Queue();
  usedMs = 0;
  /** End times of recently finished requests (longer than the window: concurrency look-back). */
  readonly recentEnds = new Queue();
  inFlight = 0;
  blockedUntil = 0;
  blockedBy: Facet = 'requests';
  readonly refused = { requests: 0, executionTime: 0, concurrency: 0 };
}

/**
 * Dataverse's service protection limits, per user (the caller's systemuser: one per application
 * user) over a sliding window (dataverse.md §6):
 *
 * - **concurrent requests**: a request is refused at once (0x80072326) when as many of the user's
 *   requests as the limit overlap it. A request is in flight from its arrival at the host (so the
 *   host's injected latency keeps it in flight) until its response is written. Requests run one at
 *   a time inside the service, so overlap is judged when a request is admitted: every request of
 *   the user that is still running or finished after this one arrived counts.
 * - **requests** per window (0x80072322) and **combined execution time** per window (0x80072321,
 *   the time from arrival to response of finished requests, so it is evaluated lazily and may
 *   overshoot): once exceeded, the user is blocked until the window has freed enough, and
 *   `Retry-After` says when; a request that comes back before then is refused again and pushes the
 *   end of the block back by one request's share of the window (window / request limit), so
 *   continued hammering lengthens `Retry-After`.
 *
 * Every admitted response carries `x-ms-ratelimit-burst-remaining-xrm-requests` (requests left in
 * the window) and `x-ms-ratelimit-time-remaining-xrm-requests` (execution seconds left, `1,199.97`);
 * every response past authentication, admitted or not counted, carries `x-ms-dop-hint`.
 */
export function createServiceProtection(options: ServiceProtectionOptions = {}): DataverseServiceProtection {
  const { now: clock, ...input } = options;
  const now = clock ?? Date.now;
  const initial = limitsInputSchema.parse(input);
  let settings: LimitsSettings = initial;
  let users = new Map<string, Usage>();

  const windowMs = () => settings.windowSeconds * 1000;

  const prune = (usage: Usage, at: number): void => {
    const from = at - windowMs();
    while (usage.admitted.size > 0 && usage.admitted.at(0) <= from) usage.admitted.shift();
    while (usage.ends.size > 0 && usage.ends.at(0) <= from) {
      usage.ends.shift();
      usage.usedMs -= usage.durations.shift();
    }
    if (usage.ends.size === 0) usage.usedMs = 0;
    while (
      usage.recentEnds.size > 0 &&
      (usage.recentEnds.at(0) <= at - OVERLAP_RETENTION_MS || usage.recentEnds.size > OVERLAP_RETENTION_COUNT)
    ) {
      usage.recentEnds.shift();
    }
  };

  /** Requests of the user that overlap one that arrived at `start`. */
  const overlapping = (usage: Usage, start: number): number => {
    let count = usage.inFlight;
    for (let i = usage.recentEnds.size - 1; i >= 0 && count < settings.concurrentRequests; i--) {
      if (usage.recentEnds.at(i) <= start) break;
      count += 1;
    }
    return count;
  };

  const budgetHeaders = (usage: Usage): Record<string, string> => ({
    [BURST_REMAINING_HEADER]: String(Math.max(0, settings.requests - usage.admitted.size)),
    [TIME_REMAINING_HEADER]: secondsText(Math.max(0, settings.executionTimeMs - usage.usedMs)),
  });

  /** When the window will have room again for `facet`. */
  const freeAt = (usage: Usage, facet: Facet): number => {
    if (facet === 'requests') {
      const mustExpire = usage.admitted.size - settings.requests;
      return usage.admitted.at(Math.max(0, mustExpire)) + windowMs();
    }
    let remaining = usage.usedMs;
    for (let i = 0; i < usage.ends.size; i++) {
      remaining -= usage.durations.at(i);
      if (remaining < settings.executionTimeMs) return usage.ends.at(i) + windowMs();
    }
    return now() + windowMs();
  };

  const refuse = (usage: Usage, facet: Facet, at: number): DataverseError => {
    usage.refused[facet] += 1;
    const seconds = Math.max(1, Math.ceil((usage.blockedUntil - at) / 1000));
    return throttled(facet, settings, seconds, budgetHeaders(usage));
  };

  return {
    admit(userId: string, request: AdmissionRequest = {}): Admission {
      const hint = { [DOP_HINT_HEADER]: String(settings.dopHint) };
      if (!settings.enabled) return { headers: hint, release: () => undefined };
      const at = now();
      const arrived = request.arrivedAt;
      const start =
        arrived !== undefined && arrived <= at && arrived >= at - OVERLAP_RETENTION_MS ? arrived : at;
      let usage = users.get(userId);
      if (!usage) {
        usage = new Usage();
        users.set(userId, usage);
      }
      prune(usage, at);

      if (overlapping(usage, start) >= settings.concurrentRequests) {
        usage.refused.concurrency += 1;
        throw throttled('concurrency', settings, CONCURRENCY_RETRY_AFTER_SECONDS, budgetHeaders(usage));
      }
      if (at < usage.blockedUntil) {
        usage.blockedUntil += windowMs() / settings.requests;
        throw refuse(usage, usage.blockedBy, at);
      }
      const exceeded: Facet | undefined =
        usage.admitted.size >= settings.requests
          ? 'requests'
          : usage.usedMs >= settings.executionTimeMs
            ? 'executionTime'
            : undefined;
      if (exceeded) {
        usage.blockedBy = exceeded;
        usage.blockedUntil = freeAt(usage, exceeded);
        throw refuse(usage, exceeded, at);
      }

      usage.admitted.push(at);
      usage.inFlight += 1;
      const headers = { ...hint, ...budgetHeaders(usage) };
      const owner = usage;
      let released = false;
      return {
        headers,
        release: () => {
          if (released) return;
          released = true;
          const end = Math.max(now(), start);
          owner.inFlight -= 1;
          owner.ends.push(end);
          owner.durations.push(end - start);
          owner.usedMs += end - start;
          owner.recentEnds.push(end);
        },
      };
    },

    settings: () => ({ ...settings }),

    configure(next: LimitsInput): LimitsSettings {
      settings = limitsInputSchema.parse(next);
      users = new Map();
      return { ...settings };
    },

    usage(): LimitsUsage[] {
      const at = now();
      return [...users.entries()]
        .map(([userId, usage]) => {
          prune(usage, at);
          return {
            userId,
            requests: usage.admitted.size,
            executionTimeMs: Math.round(usage.usedMs),
            inFlight: usage.inFlight,
            blockedUntil: usage.blockedUntil > at ? new Date(usage.blockedUntil).toISOString() : null,
            refused: { ...usage.refused },
          };
        })
        .sort((a, b) => a.userId.localeCompare(b.userId));
    },

    reset(): void {
      settings = initial;
      users = new Map();
    },
  };
}

/** Milliseconds as seconds with two decimals and grouped thousands: `1,199.97`. */
export function secondsText(ms: number): string {
  const [whole = '0', fraction = '00'] = (ms / 1000).toFixed(2).split('.');
  return `${groupThousands(whole)}.${fraction}`;
}

/** The 429 the platform answers with, worded with the configured numbers. */
function throttled(
  facet: Facet | 'concurrency',
  settings: LimitsSettings,
  retryAfterSeconds: number,
  budget: Record<string, string>,
): DataverseError {
  const headers = { 'Retry-After': String(retryAfterSeconds), ...budget };
  switch (facet) {
    case 'requests':
      return new DataverseError(
        429,
        ErrorCode.throttlingRequests,
        `Number of requests exceeded the limit of ${settings.requests} over time window of ${settings.windowSeconds} seconds.`,
        { messageName: 'ThrottlingBurstRequestLimitExceededError', headers },
      );
    case 'executionTime':
      return new DataverseError(
        429,
        ErrorCode.throttlingExecutionTime,
        `Combined execution time of incoming requests exceeded limit of ${groupThousands(settings.executionTimeMs)} milliseconds over time window of ${settings.windowSeconds} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
        { messageName: 'ThrottlingTimeExceededError', headers },
      );
    case 'concurrency':
      return new DataverseError(
        429,
        ErrorCode.throttlingConcurrency,
        `Number of concurrent requests exceeded the limit of ${settings.concurrentRequests}.`,
        { messageName: 'ThrottlingConcurrencyLimitExceededError', headers },
      );
  }
}

export { DEFAULT_LIMITS };
