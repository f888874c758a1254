import { describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../testing/manual-clock';
import { type BudgetLease, BudgetRegistry, type Priority, ThrottleBudget } from './budget';

function track(
  budget: ThrottleBudget,
  label: string,
  priority: Priority,
  granted: string[],
  signal?: AbortSignal,
) {
  return budget.acquire(priority, signal).then((lease) => {
    granted.push(label);
    return lease;
  });
}

describe('throttle budget', () => {
  it('grants a live request queued behind many backfill requests first, then normal, then backfill (FIFO)', async () => {
    const clock = new ManualClock();
    const budget = new ThrottleBudget({ maxConcurrency: 1, rate: null }, clock);
    const granted: string[] = [];
    const first = await track(budget, 'backfill-0', 'backfill', granted);
    const pending = new Map<string, Promise<BudgetLease>>();
    for (const i of [1, 2, 3, 4, 5])
      pending.set(`backfill-${i}`, track(budget, `backfill-${i}`, 'backfill', granted));
    pending.set('normal-1', track(budget, 'normal-1', 'normal', granted));
    pending.set('live-1', track(budget, 'live-1', 'live', granted));
    await settle();
    expect(granted).toEqual(['backfill-0']);
    expect(budget.stats().queued).toEqual({ live: 1, normal: 1, backfill: 5 });
    let current: BudgetLease = first;
    for (let i = 0; i < 7; i++) {
      current.release();
      await settle();
      const lease = pending.get(granted.at(-1) ?? '');
      if (!lease) throw new Error('nothing was granted');
      current = await lease;
    }
    expect(granted).toEqual([
      'backfill-0',
      'live-1',
      'normal-1',
      'backfill-1',
      'backfill-2',
      'backfill-3',
      'backfill-4',
      'backfill-5',
    ]);
  });

  it('never has more than maxConcurrency requests in flight', async () => {
    const budget = new ThrottleBudget({ maxConcurrency: 2, rate: null }, new ManualClock());
    const granted: string[] = [];
    const a = await track(budget, 'a', 'normal', granted);
    await track(budget, 'b', 'normal', granted);
    const c = track(budget, 'c', 'normal', granted);
    await settle();
    expect(granted).toEqual(['a', 'b']);
    expect(budget.stats().active).toBe(2);
    a.release();
    a.release(); // a second release is ignored
    await c;
    expect(granted).toEqual(['a', 'b', 'c']);
    expect(budget.stats().active).toBe(2);
  });

  it('keeps to the rate: at most N grants in any window', async () => {
    const clock = new ManualClock();
    const budget = new ThrottleBudget({ maxConcurrency: 100, rate: { requests: 3, windowMs: 1000 } }, clock);
    const granted: string[] = [];
    for (const label of ['1', '2', '3', '4', '5'])
      void track(budget, label, 'normal', granted).then((l) => l.release());
    await settle();
    expect(granted).toEqual(['1', '2', '3']);
    await clock.advance(999);
    expect(granted).toEqual(['1', '2', '3']);
    await clock.advance(1);
    expect(granted).toEqual(['1', '2', '3', '4', '5']);
  });

  it('a pause (429) holds every flow until it has passed, and is never shortened', async () => {
    const clock = new ManualClock();
    const budget = new ThrottleBudget({ maxConcurrency: 10, rate: null }, clock);
    const start = clock.now();
    budget.pauseUntil(start + 2000);
    budget.pauseUntil(start + 1000); // a shorter pause from another flow does not shorten it
    expect(budget.pausedUntil).toBe(start + 2000);
    const granted: string[] = [];
    const at: number[] = [];
    for (const [label, priority] of [
      ['orders', 'live'],
      ['catalog', 'backfill'],
      ['customers', 'normal'],
    ] as const) {
      void track(budget, label, priority, granted).then(() => at.push(clock.now()));
    }
    await clock.advance(1999);
    expect(granted).toEqual([]);
    await clock.advance(1);
    expect(granted).toEqual(['orders', 'customers', 'catalog']);
    expect(at.every((t) => t >= start + 2000)).toBe(true);
    expect(budget.pausedUntil).toBeUndefined();
  });

  it('a caller that gives up leaves the queue', async () => {
    const budget = new ThrottleBudget({ maxConcurrency: 1, rate: null }, new ManualClock());
    const granted: string[] = [];
    const first = await track(budget, 'first', 'normal', granted);
    const controller = new AbortController();
    const abandoned = track(budget, 'abandoned', 'live', granted, controller.signal);
    const next = track(budget, 'next', 'normal', granted);
    controller.abort(new Error('run cancelled'));
    await expect(abandoned).rejects.toThrow('run cancelled');
    first.release();
    await next;
    expect(granted).toEqual(['first', 'next']);
    await expect(budget.acquire('normal', AbortSignal.abort(new Error('already')))).rejects.toThrow(
      'already',
    );
  });

  it('the registry gives one budget per host, shared by everyone asking for it', () => {
    const registry = new BudgetRegistry({
      defaults: { maxConcurrency: 4 },
      perHost: { 'slow.operations.dynamics.com': { maxConcurrency: 1 } },
    });
    expect(registry.forHost('Contoso.crm.dynamics.com')).toBe(registry.forHost('contoso.crm.dynamics.com'));
    expect(registry.forHost('contoso.crm.dynamics.com')).not.toBe(
      registry.forHost('contoso.operations.dynamics.com'),
    );
    expect(registry.forHost('contoso.crm.dynamics.com').maxConcurrency).toBe(4);
    expect(registry.forHost('slow.operations.dynamics.com').maxConcurrency).toBe(1);
  });
});

describe('throttle budget: slow start', () => {
  it('starts with one slot, doubles after a run of answers, and drops back to one on a 429', async () => {
    const clock = new ManualClock();
    const budget = new ThrottleBudget(
      { maxConcurrency: 4, rate: null, slowStart: { initial: 1, increaseAfter: 2 } },
      clock,
    );
    expect(budget.stats().concurrencyLimit).toBe(1);
    for (let i = 0; i < 2; i++) (await budget.acquire()).release('answered');
    expect(budget.stats().concurrencyLimit).toBe(2);
    // Throttled and failed attempts do not count toward the run.
    (await budget.acquire()).release('throttled');
    (await budget.acquire()).release();
    expect(budget.stats().concurrencyLimit).toBe(2);
    for (let i = 0; i < 2; i++) (await budget.acquire()).release('answered');
    expect(budget.stats().concurrencyLimit).toBe(4);
    budget.pauseUntil(clock.now());
    expect(budget.stats().concurrencyLimit).toBe(1);
    const granted: string[] = [];
    const a = await track(budget, 'a', 'normal', granted);
    const b = track(budget, 'b', 'normal', granted);
    await settle();
    expect(granted).toEqual(['a']);
    a.release('answered');
    (await b).release('answered');
    expect(granted).toEqual(['a', 'b']);
  });

  it('climbs slowly for a while after a 429, then quickly again', async () => {
    const clock = new ManualClock();
    const budget = new ThrottleBudget(
      {
        maxConcurrency: 8,
        rate: null,
        slowStart: { initial: 1, increaseAfter: 2, afterThrottle: { increaseAfter: 5, forMs: 60_000 } },
      },
      clock,
    );
    const answer = async (n: number) => {
      for (let i = 0; i < n; i++) (await budget.acquire()).release('answered');
    };
    await answer(2);
    expect(budget.stats().concurrencyLimit).toBe(2);
    budget.pauseUntil(clock.now() + 1_000);
    await clock.advance(1_000);
    await answer(4);
    expect(budget.stats().concurrencyLimit).toBe(1);
    await answer(1);
    expect(budget.stats().concurrencyLimit).toBe(2);
    await clock.advance(60_000);
    await answer(2);
    expect(budget.stats().concurrencyLimit).toBe(4);
  });

  it('is off by default: maxConcurrency from the start', () => {
    expect(new ThrottleBudget({ maxConcurrency: 8 }).stats().concurrencyLimit).toBe(8);
  });
});

describe('throttle budget: concurrency hint', () => {
  const options = {
    maxConcurrency: 8,
    rate: null,
    concurrencyHint: { header: 'x-ms-dop-hint', max: 52 },
  };

  it('follows the host hint once a response carries it, never above its max, ignoring nonsense', async () => {
    const budget = new ThrottleBudget(options, new ManualClock());
    expect(budget.stats().concurrencyLimit).toBe(8);
    budget.observe({ 'content-type': 'application/json' });
    expect(budget.maxConcurrency).toBe(8);
    budget.observe({ 'x-ms-dop-hint': '16' });
    expect(budget.stats().concurrencyLimit).toBe(16);
    budget.observe({ 'x-ms-dop-hint': '500' });
    expect(budget.maxConcurrency).toBe(52);
    for (const nonsense of ['', 'many', '-3', '2.5']) budget.observe({ 'x-ms-dop-hint': nonsense });
    expect(budget.maxConcurrency).toBe(52);
    budget.observe({ 'x-ms-dop-hint': '0' });
    expect(budget.maxConcurrency).toBe(1);
  });

  it('grants more requests at once when the hint grows, and fewer new ones when it shrinks', async () => {
    const budget = new ThrottleBudget(options, new ManualClock());
    const granted: string[] = [];
    const leases = await Promise.all(
      Array.from({ length: 8 }, (_, i) => track(budget, `a${i}`, 'backfill', granted)),
    );
    const more = Array.from({ length: 4 }, (_, i) => track(budget, `b${i}`, 'backfill', granted));
    await settle();
    expect(granted).toHaveLength(8);
    budget.observe({ 'x-ms-dop-hint': '12' });
    const extra = await Promise.all(more);
    expect(granted).toHaveLength(12);
    budget.observe({ 'x-ms-dop-hint': '4' });
    const last = track(budget, 'c', 'backfill', granted);
    for (const lease of [...leases, ...extra].slice(0, 8)) lease.release('answered');
    await settle();
    // 4 still in flight: the new maximum of 4 grants nothing more until one of them ends.
    expect(granted).toHaveLength(12);
    extra.at(-1)?.release('answered');
    await last;
    expect(granted).toHaveLength(13);
  });

  it('keeps a slow start going: the hint raises the ceiling, not the current limit', async () => {
    const budget = new ThrottleBudget(
      { ...options, slowStart: { initial: 1, increaseAfter: 2 } },
      new ManualClock(),
    );
    budget.observe({ 'x-ms-dop-hint': '16' });
    expect(budget.stats().concurrencyLimit).toBe(1);
    for (let i = 0; i < 2; i++) (await budget.acquire()).release('answered');
    expect(budget.stats().concurrencyLimit).toBe(2);
  });

  it('is ignored by a budget that follows no hint', () => {
    const budget = new ThrottleBudget({ maxConcurrency: 8 });
    budget.observe({ 'x-ms-dop-hint': '16' });
    expect(budget.maxConcurrency).toBe(8);
  });
});
