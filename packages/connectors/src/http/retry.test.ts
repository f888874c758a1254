import { describe, expect, it } from 'vitest';
import { backoffDelay, defaultRetryPolicy, isIdempotent, parseRetryAfter } from './retry';

describe('Retry-After', () => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 7 ', now)).toBe(7000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP-date, against our clock', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('never waits less than the server meant when the clocks disagree', () => {
    // Our clock is 3 s ahead of the server's: measured against the server's Date the wait is 5 s.
    const ahead = now + 3000;
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:05 GMT', ahead, 'Sun, 01 Mar 2026 10:00:00 GMT')).toBe(
      5000,
    );
    // Our clock is behind: our own measurement is the longer one.
    const behind = now - 3000;
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:05 GMT', behind, 'Sun, 01 Mar 2026 10:00:00 GMT')).toBe(
      8000,
    );
  });

  it('returns undefined when missing or unreadable', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('doubles per retry, jitters within the upper half of the step, and stops at the ceiling', () => {
    const policy = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, policy, () => 0)).toBe(50);
    expect(backoffDelay(0, policy, () => 1)).toBe(100);
    expect(backoffDelay(2, policy, () => 0)).toBe(200);
    expect(backoffDelay(2, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(3, policy);
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });
});

describe('idempotency', () => {
  it('follows the method, If-Match for PATCH, and the caller override', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'get']) {
      expect(isIdempotent(method, {}, undefined)).toBe(true);
    }
    expect(isIdempotent('POST', {}, undefined)).toBe(false);
    expect(isIdempotent('PATCH', {}, undefined)).toBe(false);
    expect(isIdempotent('PATCH', { 'If-Match': '*' }, undefined)).toBe(true);
    expect(isIdempotent('PATCH', { 'if-match': 'W/"12"' }, undefined)).toBe(true);
    expect(isIdempotent('POST', {}, true)).toBe(true);
    expect(isIdempotent('GET', {}, false)).toBe(false);
  });
});
