import { describe, expect, it } from 'vitest';
import { parseRetryAfter, RequestCounters } from './counters';

describe('RequestCounters', () => {
  it('counts a request as an early retry only while a Retry-After sent to that client runs', () => {
    let now = 1_000_000;
    const counters = new RequestCounters({ service: 'dataverse', now: () => now });
    counters.retryAfterSent('a', 2, now);
    counters.arrival('b', now + 100);
    counters.arrival('a', now + 1_000);
    counters.arrival('a', now + 1_995);
    counters.arrival('a', now + 2_000);
    counters.arrival('a', now + 2_001);
    now += 5_000;
    expect(counters.snapshot().earlyRetries).toEqual({ total: 1, byClient: { a: 1 } });
  });

  it('does not count a request that arrived before the 429 was sent (it was already on its way)', () => {
    const counters = new RequestCounters({ service: 'dataverse', now: () => 0 });
    // b arrived at 100 and was still being read when a's 429 went out at 105.
    counters.retryAfterSent('a', 2, 105);
    counters.arrival('a', 100);
    expect(counters.snapshot().earlyRetries.total).toBe(0);
    counters.arrival('a', 106);
    expect(counters.snapshot().earlyRetries.total).toBe(1);
  });

  it('keeps the latest end when several 429s overlap, and forgets everything on reset', () => {
    const counters = new RequestCounters({ service: 'dataverse', now: () => 0 });
    counters.retryAfterSent('a', 10, 0);
    counters.retryAfterSent('a', 1, 0);
    counters.arrival('a', 5_000);
    counters.record('a', 'GET', 'accounts');
    expect(counters.snapshot()).toMatchObject({ total: 1, earlyRetries: { total: 1 } });
    counters.reset();
    counters.arrival('a', 6_000);
    expect(counters.snapshot()).toMatchObject({
      total: 0,
      requests: [],
      earlyRetries: { total: 0, byClient: {} },
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('5', 0)).toBe(5);
    expect(parseRetryAfter(['3'], 0)).toBe(3);
    expect(parseRetryAfter(7, 0)).toBe(7);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
