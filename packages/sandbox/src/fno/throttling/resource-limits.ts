import { z } from 'zod';
import type { GateRequest, RequestGate, ThrottleDecision } from './gate';

export const PRIORITIES = ['Low', 'Medium', 'High'] as const;
export type ThrottlingPriority = (typeof PRIORITIES)[number];

const share = z.number().min(0).max(1);
const priority = z.enum(PRIORITIES);

const thresholdsSchema = z
  .strictObject({
    Low: share.default(0.8),
    Medium: share.default(0.9),
    High: share.default(1),
  })
  .refine((t) => t.Low <= t.Medium && t.Medium <= t.High, {
    message: 'thresholds must not decrease from Low to Medium to High',
  });

const userLimitsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  requests: z.number().int().min(1).max(10_000_000).default(6_000),
  windowSeconds: z.number().int().min(1).max(3_600).default(300),
  concurrent: z.number().int().min(1).max(100_000).default(52),
});

/**
 * Settings of F&O service protection (fno.md §6), `PUT /_sandbox/throttling` (omitted fields take
 * their defaults, unknown fields are refused):
 *
 * - **Resource-based limits** (on in every environment since 10.0.19): the simulated web servers
 *   take `capacity` requests per sliding `windowSeconds` and `maxConcurrent` requests at once, from
 *   all callers together. Utilisation is the larger of the two ratios; a request is refused when
 *   utilisation has reached the threshold of its caller's priority (Low first: 0.8, Medium 0.9,
 *   High 1.0). Priorities come from the Throttling priority mapping (`priorities`: Entra client id
 *   → Low/Medium/High; `defaultPriority` for unmapped callers). The capacity figures are ours
 *   (Microsoft publishes none; UNCONFIRMED), high enough that only load tests reach them.
 * - **User-based limits** (per user/app: 6,000 requests per 300 s, 52 concurrent): removed in
 *   10.0.36, so off unless `userLimits.enabled`.
 * - `Retry-After`: the seconds until the window falls back under the threshold (1 s for
 *   concurrency), doubled for every request the same client sends before its previous Retry-After
 *   has passed (continued pressure), at most `maxRetryAfterSeconds`.
 */
export const throttlingSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  windowSeconds: z.number().int().min(1).max(3_600).default(10),
  capacity: z.number().int().min(1).max(10_000_000).default(2_000),
  maxConcurrent: z.number().int().min(1).max(100_000).default(100),
  thresholds: thresholdsSchema.default({ Low: 0.8, Medium: 0.9, High: 1 }),
  defaultPriority: priority.default('Medium'),
  priorities: z.record(z.string().min(1), priority).default({}),
  maxRetryAfterSeconds: z.number().int().min(1).max(3_600).default(300),
  userLimits: userLimitsSchema.default({
    enabled: false,
    requests: 6_000,
    windowSeconds: 300,
    concurrent: 52,
  }),
});

export type ThrottlingSettings = z.output<typeof throttlingSettingsSchema>;
export type ThrottlingSettingsInput = z.input<typeof throttlingSettingsSchema>;

export const DEFAULT_THROTTLING: Readonly<ThrottlingSettings> = Object.freeze(
  throttlingSettingsSchema.parse({}),
);

type Reason = 'resource' | 'concurrency' | 'userRequests' | 'userConcurrency';

export interface ThrottlingStats {
  /** Admitted requests in the current resource window. */
  windowRequests: number;
  inflight: number;
  /** max(window requests / capacity, in flight / maxConcurrent). */
  utilisation: number;
  admitted: number;
  throttled: number;
  throttledByClient: Record<string, number>;
  throttledByReason: Record<Reason, number>;
}

/** Timestamps (epoch ms) of admitted requests in a sliding window, oldest first. */
class SlidingWindow {
  private stamps: number[] = [];
  private head = 0;

  get count(): number {
    return this.stamps.length - this.head;
  }

  /** The i-th oldest timestamp still in the window. */
  at(index: number): number | undefined {
    return this.stamps[this.head + index];
  }

  add(at: number): void {
    this.stamps.push(at);
  }

  prune(before: number): void {
    while (this.head < this.stamps.length && (this.stamps[this.head] as number) <= before) this.head += 1;
    if (this.head > 1_024 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }
}

interface UserState {
  window: SlidingWindow;
  inflight: number;
}

/** The doubling Retry-After of one client. */
interface Pressure {
  strikes: number;
  notBefore: number;
}

/** F&O's service protection as a `RequestGate` (see `throttlingSettingsSchema`). */
export class ResourceLimits implements RequestGate {
  private settings: ThrottlingSettings;
  private window = new SlidingWindow();
  private inflight = 0;
  private users = new Map<string, UserState>();
  private readonly pressure = new Map<string, Pressure>();
  private stats = emptyStats();
  private lastAt = 0;

  constructor(settings: ThrottlingSettings = DEFAULT_THROTTLING) {
    this.settings = structuredClone(settings);
  }

  get current(): ThrottlingSettings {
    return structuredClone(this.settings);
  }

  /** New settings; windows, pressure and statistics start again (requests in flight stay counted). */
  configure(settings: ThrottlingSettings): void {
    this.settings = structuredClone(settings);
    this.window = new SlidingWindow();
    for (const user of this.users.values()) user.window = new SlidingWindow();
    this.pressure.clear();
    this.stats = emptyStats();
  }

  admit(request: GateRequest): ThrottleDecision | undefined {
    const s = this.settings;
    if (!s.enabled) return undefined;
    const now = request.at;
    this.lastAt = now;
    const windowMs = s.windowSeconds * 1000;
    this.window.prune(now - windowMs);
    const client = request.appId.toLowerCase();
    const level = this.priorityOf(client);
    const threshold = s.thresholds[level];

    let refusal: { reason: Reason; waitMs: number; message?: string } | undefined;
    const allowedRequests = Math.floor(s.capacity * threshold);
    const allowedConcurrent = Math.max(1, Math.floor(s.maxConcurrent * threshold));
    if (this.window.count >= allowedRequests) {
      const oldest = this.window.at(this.window.count - allowedRequests);
      refusal = { reason: 'resource', waitMs: oldest === undefined ? windowMs : oldest + windowMs - now };
    } else if (this.inflight >= allowedConcurrent) {
      refusal = { reason: 'concurrency', waitMs: 1000 };
    }

    const userKey = `${request.objectId.toLowerCase()}|${client}`;
    let user = this.users.get(userKey);
    if (!refusal && s.userLimits.enabled) {
      const limits = s.userLimits;
      user ??= { window: new SlidingWindow(), inflight: 0 };
      this.users.set(userKey, user);
      const userWindowMs = limits.windowSeconds * 1000;
      user.window.prune(now - userWindowMs);
      if (user.window.count >= limits.requests) {
        const oldest = user.window.at(user.window.count - limits.requests);
        refusal = {
          reason: 'userRequests',
          waitMs: oldest === undefined ? userWindowMs : oldest + userWindowMs - now,
          message: `Number of requests exceeded the limit of ${limits.requests} over the time window of ${limits.windowSeconds} seconds.`,
        };
      } else if (user.inflight >= limits.concurrent) {
        refusal = {
          reason: 'userConcurrency',
          waitMs: 1000,
          message: `Number of concurrent requests exceeded the limit of ${limits.concurrent}.`,
        };
      }
    }

    if (refusal) return this.refuse(client, now, refusal);

    this.pressure.delete(client);
    this.window.add(now);
    this.inflight += 1;
    if (s.userLimits.enabled && user) {
      user.window.add(now);
      user.inflight += 1;
    }
    this.stats.admitted += 1;
    return undefined;
  }

  release(request: GateRequest): void {
    this.inflight = Math.max(0, this.inflight - 1);
    const user = this.users.get(`${request.objectId.toLowerCase()}|${request.appId.toLowerCase()}`);
    if (user) user.inflight = Math.max(0, user.inflight - 1);
  }

  snapshot(nowMs: number = this.lastAt): ThrottlingStats {
    this.window.prune(nowMs - this.settings.windowSeconds * 1000);
    const utilisation = Math.max(
      this.window.count / this.settings.capacity,
      this.inflight / this.settings.maxConcurrent,
    );
    return {
      windowRequests: this.window.count,
      inflight: this.inflight,
      utilisation: Math.round(utilisation * 1000) / 1000,
      admitted: this.stats.admitted,
      throttled: this.stats.throttled,
      throttledByClient: { ...this.stats.throttledByClient },
      throttledByReason: { ...this.stats.throttledByReason },
    };
  }

  private priorityOf(client: string): ThrottlingPriority {
    for (const [id, level] of Object.entries(this.settings.priorities)) {
      if (id.toLowerCase() === client) return level;
    }
    return this.settings.defaultPriority;
  }

  private refuse(
    client: string,
    now: number,
    refusal: { reason: Reason; waitMs: number; message?: string },
  ): ThrottleDecision {
    const previous = this.pressure.get(client);
    const strikes = previous && now < previous.notBefore ? previous.strikes + 1 : 1;
    const base = Math.max(1, Math.ceil(refusal.waitMs / 1000));
    const retryAfterSeconds = Math.min(
      this.settings.maxRetryAfterSeconds,
      base * 2 ** Math.min(strikes - 1, 16),
    );
    this.pressure.set(client, { strikes, notBefore: now + retryAfterSeconds * 1000 });
    this.stats.throttled += 1;
    this.stats.throttledByClient[client] = (this.stats.throttledByClient[client] ?? 0) + 1;
    this.stats.throttledByReason[refusal.reason] += 1;
    return refusal.message === undefined
      ? { retryAfterSeconds }
      : { retryAfterSeconds, message: refusal.message };
  }
}

function emptyStats(): {
  admitted: number;
  throttled: number;
  throttledByClient: Record<string, number>;
  throttledByReason: Record<Reason, number>;
} {
  return {
    admitted: 0,
    throttled: 0,
    throttledByClient: {},
    throttledByReason: { resource: 0, concurrency: 0, userRequests: 0, userConcurrency: 0 },
  };
}
