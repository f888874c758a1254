import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the connectors see it. Everything that waits (retry backoff, `Retry-After`, the throttle
 * budget) goes through a `Clock`, so tests can drive time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await delay(Math.max(0, ms), undefined, signal ? { signal } : undefined);
  },
};

/**
 * Waits until `clock.now() >= deadline`. Timers may fire a little early relative to the wall
 * clock; this loops so that the deadline is never undercut (what `Retry-After` demands).
 */
export async function sleepUntil(clock: Clock, deadline: number, signal?: AbortSignal): Promise<void> {
  for (let now = clock.now(); now < deadline; now = clock.now()) {
    await clock.sleep(deadline - now, signal);
  }
}
