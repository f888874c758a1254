import { describe, expect, it } from 'vitest';
import type { GateRequest } from './gate';
import { DEFAULT_THROTTLING, ResourceLimits, throttlingSettingsSchema } from './resource-limits';

const request = (appId: string, at: number, objectId = `sp-${appId}`): GateRequest => ({
  appId,
  objectId,
  method: 'GET',
  entitySet: 'CustomersV3',
  at,
});

describe('F&O resource-based throttling', () => {
  it('is on by default with a capacity only load tests reach, and the user-based limits off (10.0.36)', () => {
    expect(DEFAULT_THROTTLING).toMatchObject({
      enabled: true,
      windowSeconds: 10,
      capacity: 2_000,
      maxConcurrent: 100,
      thresholds: { Low: 0.8, Medium: 0.9, High: 1 },
      defaultPriority: 'Medium',
      userLimits: { enabled: false, requests: 6_000, windowSeconds: 300, concurrent: 52 },
    });
    expect(throttlingSettingsSchema.safeParse({ thresholds: { Low: 0.95, Medium: 0.9 } }).success).toBe(
      false,
    );
    expect(throttlingSettingsSchema.safeParse({ capacity: 0 }).success).toBe(false);
  });

  it('throttles Low priority first, then Medium, then High, as utilisation grows', () => {
    const limits = new ResourceLimits(
      throttlingSettingsSchema.parse({
        capacity: 10,
        windowSeconds: 60,
        priorities: { 'low-app': 'Low', 'HIGH-APP': 'High' },
      }),
    );
    const admitted = (appId: string, at: number) => limits.admit(request(appId, at)) === undefined;
    for (let i = 0; i < 8; i++) expect(admitted('medium-app', 1_000 + i)).toBe(true);
    // 8 of 10 in the window: Low (0.8) is refused, Medium (0.9) and High (1.0) are not.
    expect(admitted('low-app', 2_000)).toBe(false);
    expect(admitted('medium-app', 2_001)).toBe(true);
    expect(admitted('medium-app', 2_002)).toBe(false);
    expect(admitted('high-app', 2_003)).toBe(true);
    expect(admitted('high-app', 2_004)).toBe(false);
    expect(limits.snapshot(2_004)).toMatchObject({
      windowRequests: 10,
      admitted: 10,
      throttled: 3,
      throttledByClient: { 'low-app': 1, 'medium-app': 1, 'high-app': 1 },
      throttledByReason: { resource: 3 },
      utilisation: 1,
    });
  });

  it('answers Retry-After until the window has room, doubled for each early retry, and admits after it', () => {
    const limits = new ResourceLimits(
      throttlingSettingsSchema.parse({ capacity: 2, windowSeconds: 10, thresholds: { Medium: 1 } }),
    );
    expect(limits.admit(request('app', 0))).toBeUndefined();
    expect(limits.admit(request('app', 4_000))).toBeUndefined();
    // The window has room again when the request at 0 leaves it (10 s).
    expect(limits.admit(request('app', 5_000))).toEqual({ retryAfterSeconds: 5 });
    // Retried after 1 s instead of 5: continued pressure doubles the wait.
    expect(limits.admit(request('app', 6_000))).toEqual({ retryAfterSeconds: 8 });
    expect(limits.admit(request('app', 7_000))).toEqual({ retryAfterSeconds: 12 });
    // Waiting what it was told: the wait is back to what the window needs.
    expect(limits.admit(request('app', 19_500))).toBeUndefined();
    expect(limits.admit(request('app', 19_600))).toBeUndefined();
    expect(limits.admit(request('app', 19_700))).toEqual({ retryAfterSeconds: 10 });
  });

  it('caps Retry-After and counts concurrency until release', () => {
    const limits = new ResourceLimits(
      throttlingSettingsSchema.parse({
        maxConcurrent: 2,
        thresholds: { Medium: 1 },
        maxRetryAfterSeconds: 3,
      }),
    );
    const first = request('app', 0);
    expect(limits.admit(first)).toBeUndefined();
    expect(limits.admit(request('app', 1))).toBeUndefined();
    expect(limits.admit(request('app', 2))).toEqual({ retryAfterSeconds: 1 });
    expect(limits.admit(request('app', 3))).toEqual({ retryAfterSeconds: 2 });
    expect(limits.admit(request('app', 4))).toEqual({ retryAfterSeconds: 3 });
    expect(limits.admit(request('app', 5))).toEqual({ retryAfterSeconds: 3 });
    limits.release(first);
    expect(limits.admit(request('app', 6))).toBeUndefined();
    expect(limits.snapshot(6)).toMatchObject({ inflight: 2, throttledByReason: { concurrency: 4 } });
  });

  it('applies the optional user-based limits per user and app with their documented messages', () => {
    const limits = new ResourceLimits(
      throttlingSettingsSchema.parse({
        userLimits: { enabled: true, requests: 2, windowSeconds: 300, concurrent: 5 },
      }),
    );
    expect(limits.admit(request('app', 0, 'user-1'))).toBeUndefined();
    expect(limits.admit(request('app', 1, 'user-1'))).toBeUndefined();
    expect(limits.admit(request('app', 2, 'user-1'))).toEqual({
      retryAfterSeconds: 300,
      message: 'Number of requests exceeded the limit of 2 over the time window of 300 seconds.',
    });
    expect(limits.admit(request('app', 3, 'user-2'))).toBeUndefined();

    const concurrent = new ResourceLimits(
      throttlingSettingsSchema.parse({ userLimits: { enabled: true, concurrent: 1 } }),
    );
    expect(concurrent.admit(request('app', 0))).toBeUndefined();
    expect(concurrent.admit(request('app', 1))).toEqual({
      retryAfterSeconds: 1,
      message: 'Number of concurrent requests exceeded the limit of 1.',
    });
  });

  it('lets everything through when disabled', () => {
    const limits = new ResourceLimits(throttlingSettingsSchema.parse({ enabled: false, capacity: 1 }));
    for (let i = 0; i < 5; i++) expect(limits.admit(request('app', i))).toBeUndefined();
  });
});
