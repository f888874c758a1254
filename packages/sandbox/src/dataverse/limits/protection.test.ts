import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataverseError } from '../errors';
import type { Admission } from '../extensions/service-protection';
import { errorBody } from '../http/respond';
import { AnnotationFilter } from '../serialize/annotations';
import {
  BURST_REMAINING_HEADER,
  createServiceProtection,
  DOP_HINT_HEADER,
  secondsText,
  TIME_REMAINING_HEADER,
} from './protection';

const USER = 'user-1';

function clock(start = 1_750_000_000_000) {
  let at = start;
  return {
    now: () => at,
    advance: (ms: number) => {
      at += ms;
    },
  };
}

/** The 429 `admit` throws, or undefined when admitted. */
function refusal(run: () => Admission): DataverseError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof DataverseError) return error;
    throw error;
  }
}

describe('service protection limits', () => {
  it('refuses request 6001 of the window with the documented body (sample) and Retry-After', () => {
    const time = clock();
    const protection = createServiceProtection({ now: time.now });
    for (let i = 0; i < 6000; i++) {
      protection.admit(USER).release();
      time.advance(10);
    }
    const error = refusal(() => protection.admit(USER));
    const sample = readFileSync(
      new URL(
        '../../../test/fixtures/dataverse-samples/429_request_count__message_per_msdocs_and_ADR0026.json',
        import.meta.url,
      ),
      'utf8',
    );
    expect(error?.status).toBe(429);
    expect(errorBody(error as DataverseError, AnnotationFilter.none, 'id')).toEqual(JSON.parse(sample));
    // The first request expires 300 s after it came; 60 s have gone by.
    expect(error?.headers['Retry-After']).toBe('240');
    expect(error?.messageName).toBe('ThrottlingBurstRequestLimitExceededError');
  });

  it('lengthens Retry-After for every request sent before it elapsed, and admits once it has', () => {
    const time = clock();
    const protection = createServiceProtection({ requests: 3, windowSeconds: 10, now: time.now });
    for (let i = 0; i < 3; i++) protection.admit(USER).release();
    time.advance(1000);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      waits.push(Number(refusal(() => protection.admit(USER))?.headers['Retry-After']));
      time.advance(500);
    }
    // 9 s left; each early request adds a request's share of the window (10 s / 3).
    expect(waits).toEqual([9, 12, 15]);
    const until = Date.parse(protection.usage()[0]?.blockedUntil ?? '');
    time.advance(until - time.now() - 1);
    expect(refusal(() => protection.admit(USER))?.code).toBe('0x80072322');
    time.advance(10_000);
    expect(refusal(() => protection.admit(USER))).toBeUndefined();
  });

  it('reports the remaining budget in the debug headers', () => {
    const time = clock();
    const protection = createServiceProtection({ requests: 5, now: time.now });
    const first = protection.admit(USER);
    expect(first.headers).toEqual({
      [BURST_REMAINING_HEADER]: '4',
      [TIME_REMAINING_HEADER]: '1,200.00',
      [DOP_HINT_HEADER]: '16',
    });
    time.advance(30);
    first.release();
    expect(protection.admit(USER).headers?.[TIME_REMAINING_HEADER]).toBe('1,199.97');
    expect(secondsText(0)).toBe('0.00');
    expect(secondsText(1_234_567_891)).toBe('1,234,567.89');
  });

  it('refuses on combined execution time once finished requests used it up, until they leave the window', () => {
    const time = clock();
    const protection = createServiceProtection({ executionTimeMs: 100, windowSeconds: 60, now: time.now });
    for (const duration of [60, 60]) {
      const admission = protection.admit(USER);
      time.advance(duration);
      admission.release();
    }
    time.advance(1000);
    const error = refusal(() => protection.admit(USER));
    expect(error?.code).toBe('0x80072321');
    expect(error?.message).toBe(
      'Combined execution time of incoming requests exceeded limit of 100 milliseconds over time window of 60 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.',
    );
    // Once the first request (ended at +60 ms) leaves the window, 60 ms remain: below the limit.
    expect(error?.headers['Retry-After']).toBe('59');
    expect(error?.headers[TIME_REMAINING_HEADER]).toBe('0.00');
    time.advance(59_000);
    expect(refusal(() => protection.admit(USER))).toBeUndefined();
  });

  it('refuses concurrent requests at once, counting requests that overlapped while they waited', () => {
    const time = clock();
    const protection = createServiceProtection({ concurrentRequests: 2, now: time.now });
    const a = protection.admit(USER);
    const b = protection.admit(USER);
    const error = refusal(() => protection.admit(USER));
    expect([error?.code, error?.message, error?.headers['Retry-After']]).toEqual([
      '0x80072326',
      'Number of concurrent requests exceeded the limit of 2.',
      '1',
    ]);
    a.release();
    b.release();
    // Arrived 300 ms ago (host latency): both requests that ran meanwhile overlapped it.
    const arrivedAt = time.now() - 300;
    time.advance(1);
    expect(refusal(() => protection.admit(USER, { arrivedAt }))?.code).toBe('0x80072326');
    expect(refusal(() => protection.admit(USER, { arrivedAt: time.now() }))).toBeUndefined();
  });

  it('keeps users apart, can be switched off, and reset restores the initial settings', () => {
    const time = clock();
    const protection = createServiceProtection({ requests: 1, now: time.now });
    protection.admit(USER).release();
    expect(refusal(() => protection.admit(USER))?.code).toBe('0x80072322');
    expect(refusal(() => protection.admit('user-2'))).toBeUndefined();
    protection.configure({ enabled: false, dopHint: 4 });
    // Off: nothing counted, no budget headers; the degree-of-parallelism hint is still given.
    for (let i = 0; i < 10_000; i++)
      expect(protection.admit(USER).headers).toEqual({ [DOP_HINT_HEADER]: '4' });
    expect(protection.usage()).toEqual([]);
    protection.reset();
    expect(protection.settings()).toMatchObject({ enabled: true, requests: 1 });
    protection.admit(USER).release();
    expect(refusal(() => protection.admit(USER))?.code).toBe('0x80072322');
  });
});
