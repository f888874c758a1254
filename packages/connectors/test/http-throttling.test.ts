import { describe, expect, it, vi } from 'vitest';
import { BudgetRegistry, ConnectorError } from '../src/index';
import { json, rejectionOf, useTestServers } from './helpers';

const { server, client } = useTestServers();

describe('HTTP core: 429 and Retry-After', () => {
  it('waits at least Retry-After seconds before retrying and never sends early', async () => {
    let sent429At = 0;
    const s = await server((_req, res, _r, index) => {
      if (index === 0) {
        sent429At = Date.now();
        json(
          res,
          429,
          { error: { code: '0x80072322', message: 'Number of requests exceeded the limit' } },
          {
            'retry-after': '1',
          },
        );
      } else json(res, 200, { value: [] });
    });
    const { client: http } = client([s.origin]);
    const response = await http.request({ method: 'GET', url: s.url('/api/data/v9.2/accounts') });
    expect(response.status).toBe(200);
    expect(s.requests).toHaveLength(2);
    const gap = (s.requests[1]?.at ?? 0) - sent429At;
    expect(gap).toBeGreaterThanOrEqual(1000);
    expect(gap).toBeLessThan(3000); // and not much later
  });

  it('honours Retry-After given as an HTTP-date', async () => {
    let resumeAt = 0;
    const s = await server((_req, res, _r, index) => {
      if (index === 0) {
        // HTTP-dates have whole seconds: the next whole second at least 1 s away.
        resumeAt = (Math.floor(Date.now() / 1000) + 2) * 1000;
        json(
          res,
          429,
          {},
          { 'retry-after': new Date(resumeAt).toUTCString(), date: new Date().toUTCString() },
        );
      } else json(res, 200, {});
    });
    const { client: http } = client([s.origin]);
    await http.request({ method: 'GET', url: s.url('/data/CustomersV3') });
    expect(s.requests[1]?.at ?? 0).toBeGreaterThanOrEqual(resumeAt);
  });

  it('retries a 429 even for POST (the service did not process it)', async () => {
    const s = await server((_req, res, _r, index) =>
      index === 0 ? json(res, 429, {}, { 'retry-after': '0' }) : json(res, 201, { id: 1 }),
    );
    const { client: http } = client([s.origin]);
    const response = await http.request({
      method: 'POST',
      url: s.url('/data/SalesOrderHeadersV2'),
      json: {},
    });
    expect(response.status).toBe(201);
    expect(s.requests).toHaveLength(2);
  });

  it('gives up after the retry limit with throttled, the upstream message and retryAfterSeconds', async () => {
    const s = await server((_req, res) =>
      json(
        res,
        429,
        { error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000' } },
        {
          'retry-after': '0',
        },
      ),
    );
    const { client: http } = client([s.origin], { retry: { maxThrottleRetries: 2 } });
    const error = await rejectionOf(http.request({ method: 'GET', url: s.url('/x') }));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      code: 'throttled',
      retryable: true,
      retryAfterSeconds: 0,
      upstream: { status: 429, code: '0x80072322', message: 'Number of requests exceeded the limit of 6000' },
    });
    expect(s.requests).toHaveLength(3);
  });

  it('does not wait out a Retry-After beyond the limit: reports it for the worker to reschedule', async () => {
    const s = await server((_req, res) => json(res, 429, {}, { 'retry-after': '600' }));
    const { client: http } = client([s.origin], { retry: { maxRetryAfterSeconds: 300 } });
    const error = await rejectionOf(http.request({ method: 'GET', url: s.url('/x') }));
    expect(error).toMatchObject({ code: 'throttled', retryAfterSeconds: 600 });
    expect(s.requests).toHaveLength(1);
    expect(http.budgets.forHost(new URL(s.origin).host).pausedUntil).toBeGreaterThan(Date.now() + 590_000);
  });

  it('pauses the whole host budget: no request from another flow arrives before Retry-After', async () => {
    let sent429At = 0;
    const s = await server((req, res) => {
      if (req.url === '/orders' && sent429At === 0) {
        sent429At = Date.now();
        json(res, 429, {}, { 'retry-after': '1' });
      } else json(res, 200, {});
    });
    const { client: http } = client([s.origin]);
    const orders = http.request({ method: 'POST', url: s.url('/orders'), json: {}, priority: 'live' });
    // Wait until the client has taken the 429 in (the host budget is paused).
    const host = new URL(s.origin).host;
    await vi.waitFor(() => expect(http.budgets.forHost(host).pausedUntil).toBeDefined(), { timeout: 5000 });
    const catalog = [1, 2, 3].map((i) =>
      http.request({ method: 'GET', url: s.url(`/products?page=${i}`), priority: 'backfill' }),
    );
    await Promise.all([orders, ...catalog]);
    const after = s.requests.filter((r) => r.at > sent429At);
    expect(after).toHaveLength(4);
    for (const request of after) expect(request.at - sent429At).toBeGreaterThanOrEqual(1000);
    // The live order goes first when the pause ends.
    expect(after[0]?.path).toBe('/orders');
  });
});

describe('HTTP core: throttle budget over the wire', () => {
  it('a live request queued behind backfill requests goes first', async () => {
    const s = await server((_req, res) => setTimeout(() => json(res, 200, {}), 30));
    // One slot: everything queues behind the first request.
    const { client: http } = client([s.origin], {
      budgets: new BudgetRegistry({ defaults: { maxConcurrency: 1 } }),
    });
    const backfill = [0, 1, 2, 3, 4].map((i) =>
      http.request({ method: 'GET', url: s.url(`/backfill/${i}`), priority: 'backfill' }),
    );
    const live = http.request({ method: 'GET', url: s.url('/live'), priority: 'live' });
    await Promise.all([...backfill, live]);
    expect(s.requests.map((r) => r.path)).toEqual([
      '/backfill/0',
      '/live',
      '/backfill/1',
      '/backfill/2',
      '/backfill/3',
      '/backfill/4',
    ]);
  });
});

describe('HTTP core: 429 with other requests queued', () => {
  it('pauses the host before the slot goes to the next queued request (none arrives inside the window)', async () => {
    let sent429At = 0;
    const s = await server((_req, res, _r, index) => {
      if (index === 0) {
        sent429At = Date.now();
        json(res, 429, {}, { 'retry-after': '1' });
      } else json(res, 200, { value: [] });
    });
    const { client: http } = client([s.origin], {
      budgets: new BudgetRegistry({ defaults: { maxConcurrency: 1, rate: null } }),
    });
    await Promise.all([
      http.request({ method: 'GET', url: s.url('/api/data/v9.2/accounts') }),
      http.request({ method: 'GET', url: s.url('/api/data/v9.2/contacts') }),
    ]);
    expect(s.requests).toHaveLength(3);
    for (const later of s.requests.slice(1)) expect(later.at - sent429At).toBeGreaterThanOrEqual(1000);
  });

  it('slow start: one request in flight after a 429, more again after a run of answers', async () => {
    let inFlight = 0;
    let most = 0;
    let throttle = true;
    const s = await server((_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        if (throttle) {
          throttle = false;
          json(res, 429, {}, { 'retry-after': '0' });
        } else json(res, 200, {});
      }, 20);
    });
    const budgets = new BudgetRegistry({
      defaults: { maxConcurrency: 4, rate: null, slowStart: { initial: 1, increaseAfter: 2 } },
    });
    const { client: http } = client([s.origin], { budgets });
    const budget = budgets.forHost(new URL(s.origin).host);
    const batch = () =>
      Promise.all(Array.from({ length: 4 }, () => http.request({ method: 'GET', url: s.url('/x') })));
    await batch();
    // 429 first: one at a time until two answers, then two, then four.
    expect(most).toBeLessThanOrEqual(2);
    expect(budget.stats().concurrencyLimit).toBe(4);
    most = 0;
    await batch();
    expect(most).toBe(4);
  });
});
