import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLING, RESOURCE_LIMIT_MESSAGE } from '../src/fno';
import { type FnoHarness, type HarnessOptions, MAIN_APP, startFno } from './fno-harness';
import { control } from './fno-receiver';

let fno: FnoHarness | undefined;

afterEach(async () => {
  await fno?.close();
  fno = undefined;
});

async function start(options: HarnessOptions = {}): Promise<FnoHarness> {
  fno = await startFno(options);
  return fno;
}

async function setThrottling(h: FnoHarness, settings: unknown) {
  const answer = await control(h, 'PUT', '/_sandbox/throttling', settings);
  expect(answer.status, JSON.stringify(answer.json())).toBe(200);
  return answer.json<{
    active: boolean;
    settings: Record<string, unknown>;
    stats: Record<string, unknown>;
  }>();
}

describe('F&O throttling (service protection)', () => {
  it('is on by default, shows its settings and statistics, and refuses invalid settings field by field', async () => {
    const h = await start({ throttling: { capacity: 5_000 } });
    expect((await h.api('CustomerGroups')).status).toBe(200);
    const current = await control(h, 'GET', '/_sandbox/throttling');
    expect(current.json()).toMatchObject({
      active: true,
      settings: { ...DEFAULT_THROTTLING, capacity: 5_000 },
      stats: { windowRequests: 1, inflight: 0, admitted: 1, throttled: 0 },
    });
    const invalid = await control(h, 'PUT', '/_sandbox/throttling', {
      capacity: -1,
      thresholds: { Low: 2 },
      surprise: true,
    });
    expect(invalid.status).toBe(400);
    const error = invalid.json<{ error: { code: string; issues: Array<{ path: string }> } }>().error;
    expect(error.code).toBe('invalid_throttling');
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      '(body)',
      'capacity',
      'thresholds',
      'thresholds.Low',
    ]);
    // Omitted fields take the service's start values.
    expect((await setThrottling(h, { windowSeconds: 30 })).settings).toMatchObject({
      capacity: 5_000,
      windowSeconds: 30,
    });
  });

  it('answers 429 with Retry-After and the documented message, doubling the wait for early retries', async () => {
    const h = await start();
    await setThrottling(h, { capacity: 2, windowSeconds: 1, thresholds: { Medium: 1 } });
    expect((await h.api('CustomerGroups')).status).toBe(200);
    expect((await h.api('CustomerGroups')).status).toBe(200);
    const refused = await h.api('CustomerGroups');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toContain('application/json');
    expect(await refused.json()).toEqual({ error: { code: '', message: RESOURCE_LIMIT_MESSAGE } });
    const early = await h.api('CustomerGroups');
    expect([early.status, early.headers.get('retry-after')]).toEqual([429, '2']);
    await sleep(1_100);
    expect((await h.api('CustomerGroups')).status).toBe(200);
    const stats = (await control(h, 'GET', '/_sandbox/throttling')).json<{
      stats: Record<string, unknown>;
    }>().stats;
    expect(stats).toMatchObject({ throttled: 2, throttledByClient: { [MAIN_APP.clientId]: 2 } });
  });

  it('throttles a Low-priority application first (Throttling priority mapping)', async () => {
    const h = await start();
    await setThrottling(h, { capacity: 10, windowSeconds: 60, priorities: { [MAIN_APP.clientId]: 'Low' } });
    for (let i = 0; i < 8; i++) expect((await h.api('Currencies')).status).toBe(200);
    expect((await h.api('Currencies')).status).toBe(429);
    await setThrottling(h, { capacity: 10, windowSeconds: 60, priorities: { [MAIN_APP.clientId]: 'High' } });
    for (let i = 0; i < 10; i++) expect((await h.api('Currencies')).status).toBe(200);
    expect((await h.api('Currencies')).status).toBe(429);
  });

  it('limits concurrent requests (here while the cold start holds them)', async () => {
    const h = await start({ coldStartMs: 300, throttling: { maxConcurrent: 2, thresholds: { Medium: 1 } } });
    const answers = await Promise.all([1, 2, 3, 4].map(() => h.api('CustomerGroups')));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 429, 429]);
    expect((await h.api('CustomerGroups')).status).toBe(200);
    expect(
      (await control(h, 'GET', '/_sandbox/throttling')).json<{ stats: { inflight: number } }>().stats
        .inflight,
    ).toBe(0);
  });

  it('applies the optional user-based limits with their documented message', async () => {
    const h = await start();
    await setThrottling(h, { userLimits: { enabled: true, requests: 2, windowSeconds: 300 } });
    expect((await h.api('Currencies')).status).toBe(200);
    expect((await h.api('Currencies')).status).toBe(200);
    const refused = await h.api('Currencies');
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '300']);
    expect(await refused.json()).toEqual({
      error: {
        code: '',
        message: 'Number of requests exceeded the limit of 2 over the time window of 300 seconds.',
      },
    });
    await setThrottling(h, { enabled: false, capacity: 1 });
    for (let i = 0; i < 3; i++) expect((await h.api('Currencies')).status).toBe(200);
  });

  it('reports the built-in limits as inactive when the service was given its own gate', async () => {
    const h = await start({ gate: { admit: () => undefined } });
    expect((await control(h, 'GET', '/_sandbox/throttling')).json()).toMatchObject({ active: false });
  });
});
