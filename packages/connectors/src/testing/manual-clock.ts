import type { Clock } from '../core/clock';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
  cleanup: () => void;
}

/**
 * A clock that moves only when the test says so. `advance(ms)` fires due timers in order and lets
 * the promise chains they release run before moving on, so code that sleeps in loops behaves as it
 * would in real time, without the wait.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.timers = this.timers.filter((timer) => timer !== entry);
        reject(signal?.reason);
      };
      const entry: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        resolve,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(entry);
    });
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      const next = this.nextTimer();
      if (!next || next.at > target) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.time = Math.max(this.time, next.at);
      next.cleanup();
      next.resolve();
      await settle();
    }
    this.time = target;
    await settle();
  }

  /** Number of sleeps waiting for time to move. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers) {
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    }
    return best;
  }
}

/** Lets every queued promise continuation run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
