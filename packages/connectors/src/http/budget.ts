import { type Clock, systemClock } from '../core/clock';

/**
 * Throttle budget: one per environment host, shared by every flow of a connection, so that all of
 * them together stay inside the service-protection limits (Dataverse and F&O: 52 concurrent
 * requests and 6000 requests per 300 s per user, documented defaults) instead of each flow
 * spending the whole allowance on its own.
 *
 * - `maxConcurrency`: requests in flight at once.
 * - `rate`: at most `requests` grants in any sliding window of `windowMs`.
 * - Priorities: `live` (an order a person is waiting for) goes before `normal`, which goes before
 *   `backfill` (catalog loads). FIFO within a priority.
 * - `pauseUntil(t)`: after a 429 nobody gets a grant before `t`, whichever flow asks: the service
 *   counts every request from our app user, so an early request from another flow would only
 *   lengthen the penalty.
 */
export type Priority = 'live' | 'normal' | 'backfill';

export const priorities: readonly Priority[] = ['live', 'normal', 'backfill'];

export interface BudgetOptions {
  /** Requests in flight at once; default 8. */
  maxConcurrency?: number;
  /** Sliding-window rate; default 5000 requests per 300 s (headroom under the documented 6000). */
  rate?: { requests: number; windowMs: number } | null;
  /**
   * Slow start (off by default): begin with `initial` requests in flight and double the limit
   * after `increaseAfter` answers in a row without a 429, up to `maxConcurrency`; every 429 puts
   * the limit back to `initial`. After a 429 the service counts every request that reaches it
   * before `Retry-After` has passed, including ones that were already on their way; keeping a
   * single request in flight while the host is throttling means none are.
   *
   * `afterThrottle`: for `forMs` after a 429, doubling needs `increaseAfter` answers in a row
   * instead: a host that has just throttled is likely to again, so the limit climbs slowly there
   * and quickly on a host that has not throttled (a catalog load that never sees a 429).
   */
  slowStart?: SlowStart | null;
  /**
   * A response header in which the host recommends how many requests to keep in flight (Dataverse:
   * `x-ms-dop-hint`, "the recommended degree of parallelism for the environment"). Once a response
   * carries it, the hint replaces `maxConcurrency`, never above `max`; `maxConcurrency` holds until then.
   */
  concurrencyHint?: { header: string; max: number } | null;
}

export interface SlowStart {
  initial: number;
  increaseAfter: number;
  afterThrottle?: { increaseAfter: number; forMs: number };
}

/** How the request that held a slot ended: `throttled` (429) or anything else. */
export type LeaseOutcome = 'answered' | 'throttled';

export interface BudgetLease {
  /** Gives the slot back; safe to call more than once. `answered` counts toward the slow start. */
  release(outcome?: LeaseOutcome): void;
}

export interface BudgetStats {
  active: number;
  /** Requests allowed in flight now (below `maxConcurrency` during a slow start). */
  concurrencyLimit: number;
  queued: Record<Priority, number>;
  pausedUntil: number | undefined;
}

interface Waiter {
  resolve: (lease: BudgetLease) => void;
  reject: (reason: unknown) => void;
  detach: () => void;
}

export const defaultBudgetOptions = {
  maxConcurrency: 8,
  rate: { requests: 5000, windowMs: 300_000 },
} as const;

export class ThrottleBudget {
  #maxConcurrency: number;
  readonly rate: { requests: number; windowMs: number } | null;
  private active = 0;
  private readonly queues: Record<Priority, Waiter[]> = { live: [], normal: [], backfill: [] };
  /** Grant times inside the current window, oldest first. */
  private grants: number[] = [];
  private paused: number | undefined;
  private wakeAt: number | undefined;
  private readonly slowStart: Required<SlowStart> | null;
  private readonly hint: { header: string; max: number } | null;
  private limit: number;
  private streak = 0;
  private throttledAt: number | undefined;

  constructor(
    options: BudgetOptions = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.#maxConcurrency = Math.max(1, options.maxConcurrency ?? defaultBudgetOptions.maxConcurrency);
    this.hint = options.concurrencyHint
      ? {
          header: options.concurrencyHint.header.toLowerCase(),
          max: Math.max(1, options.concurrencyHint.max),
        }
      : null;
    this.rate = options.rate === undefined ? { ...defaultBudgetOptions.rate } : options.rate;
    const slow = options.slowStart;
    this.slowStart = slow
      ? {
          initial: Math.min(this.maxConcurrency, Math.max(1, slow.initial)),
          increaseAfter: Math.max(1, slow.increaseAfter),
          afterThrottle: {
            increaseAfter: Math.max(1, slow.afterThrottle?.increaseAfter ?? slow.increaseAfter),
            forMs: Math.max(0, slow.afterThrottle?.forMs ?? 0),
          },
        }
      : null;
    this.limit = this.slowStart ? this.slowStart.initial : this.maxConcurrency;
  }

  /** Requests allowed in flight once any slow start is over: the host's hint, or the configured value. */
  get maxConcurrency(): number {
    return this.#maxConcurrency;
  }

  /**
   * Reads the host's concurrency hint from a response's headers (lower-case names), when this
   * budget follows one: the new maximum applies to the next grants (requests in flight finish).
   */
  observe(headers: Readonly<Record<string, string | undefined>>): void {
    if (!this.hint) return;
    const raw = headers[this.hint.header];
    if (raw === undefined || !/^\s*\d+\s*$/.test(raw)) return;
    const next = Math.min(this.hint.max, Math.max(1, Number.parseInt(raw, 10)));
    if (next === this.#maxConcurrency) return;
    // A slow start that had reached the old maximum is over: the new one applies at once.
    this.limit = this.limit >= this.#maxConcurrency ? next : Math.min(this.limit, next);
    this.#maxConcurrency = next;
    this.pump();
  }

  /** Waits for a slot. Rejects with the signal's reason when the caller gives up first. */
  acquire(priority: Priority = 'normal', signal?: AbortSignal): Promise<BudgetLease> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<BudgetLease>((resolve, reject) => {
      const queue = this.queues[priority];
      const onAbort = () => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      this.pump();
    });
  }

  /** No grant before `until` (epoch ms). Extends an existing pause, never shortens it. */
  pauseUntil(until: number): void {
    if (this.paused === undefined || until > this.paused) this.paused = until;
    this.throttledAt = this.clock.now();
    if (this.slowStart) {
      this.limit = this.slowStart.initial;
      this.streak = 0;
    }
    this.pump();
  }

  get pausedUntil(): number | undefined {
    return this.paused !== undefined && this.paused > this.clock.now() ? this.paused : undefined;
  }

  stats(): BudgetStats {
    return {
      active: this.active,
      concurrencyLimit: this.limit,
      queued: {
        live: this.queues.live.length,
        normal: this.queues.normal.length,
        backfill: this.queues.backfill.length,
      },
      pausedUntil: this.pausedUntil,
    };
  }

  private pump(): void {
    for (;;) {
      const waiter = this.peek();
      if (!waiter) return;
      const now = this.clock.now();
      if (this.paused !== undefined) {
        if (now < this.paused) {
          this.scheduleWake(this.paused);
          return;
        }
        this.paused = undefined;
      }
      if (this.active >= this.limit) return; // a release pumps again
      if (this.rate) {
        const windowStart = now - this.rate.windowMs;
        while (this.grants.length > 0 && (this.grants[0] ?? 0) <= windowStart) this.grants.shift();
        if (this.grants.length >= this.rate.requests) {
          this.scheduleWake((this.grants[0] ?? now) + this.rate.windowMs);
          return;
        }
        this.grants.push(now);
      }
      this.take();
      this.active++;
      waiter.detach();
      let released = false;
      waiter.resolve({
        release: (outcome) => {
          if (released) return;
          released = true;
          this.active--;
          if (outcome === 'answered') this.answered();
          this.pump();
        },
      });
    }
  }

  private answered(): void {
    if (!this.slowStart || this.limit >= this.maxConcurrency) return;
    this.streak++;
    const { afterThrottle } = this.slowStart;
    const recentlyThrottled =
      this.throttledAt !== undefined && this.clock.now() - this.throttledAt < afterThrottle.forMs;
    if (this.streak >= (recentlyThrottled ? afterThrottle.increaseAfter : this.slowStart.increaseAfter)) {
      this.limit = Math.min(this.maxConcurrency, this.limit * 2);
      this.streak = 0;
    }
  }

  private peek(): Waiter | undefined {
    for (const priority of priorities) {
      const waiter = this.queues[priority][0];
      if (waiter) return waiter;
    }
    return undefined;
  }

  private take(): void {
    for (const priority of priorities) {
      if (this.queues[priority].length > 0) {
        this.queues[priority].shift();
        return;
      }
    }
  }

  /** Arms one timer for the earliest moment the queue can move again. */
  private scheduleWake(at: number): void {
    if (this.wakeAt !== undefined && this.wakeAt <= at) return;
    this.wakeAt = at;
    const wait = Math.max(0, at - this.clock.now());
    this.clock.sleep(wait).then(
      () => {
        if (this.wakeAt === at) this.wakeAt = undefined;
        this.pump();
      },
      () => undefined,
    );
  }
}

/** The budgets of one connection: one per environment host, created on first use. */
export class BudgetRegistry {
  private readonly budgets = new Map<string, ThrottleBudget>();

  constructor(
    private readonly options: { defaults?: BudgetOptions; perHost?: Record<string, BudgetOptions> } = {},
    private readonly clock: Clock = systemClock,
  ) {}

  /** `host` is `hostname[:port]`, compared case-insensitively. */
  forHost(host: string): ThrottleBudget {
    const key = host.toLowerCase();
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = new ThrottleBudget({ ...this.options.defaults, ...this.options.perHost?.[key] }, this.clock);
      this.budgets.set(key, budget);
    }
    return budget;
  }
}
