import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/index';
import { json, rejectionOf, useTestServers } from './helpers';

const { server, client } = useTestServers();

describe('HTTP core: 5xx, network errors and outcome_unknown', () => {
  it('backs off after 5xx and then succeeds (idempotent GET)', async () => {
    const s = await server((_req, res, _r, index) =>
      index < 2
        ? json(res, 503, { error: { code: '', message: 'Service Unavailable' } })
        : json(res, 200, { n: 3 }),
    );
    const { client: http } = client([s.origin], {
      retry: { baseDelayMs: 50, maxDelayMs: 1000 },
      random: () => 1,
    });
    const response = await http.request({ method: 'GET', url: s.url('/x') });
    expect(response.body).toEqual({ n: 3 });
    expect(response.attempts).toBe(3);
    const [a, b, c] = s.requests.map((r) => r.at);
    expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(50); // step 1: 50 ms
    expect((c ?? 0) - (b ?? 0)).toBeGreaterThanOrEqual(100); // step 2: 100 ms
  });

  it('does not resend a POST after a 500 and keeps the upstream message', async () => {
    const s = await server((_req, res) =>
      json(res, 500, { error: { code: '0x80040216', message: 'Unexpected error' } }),
    );
    const { client: http } = client([s.origin]);
    const error = await rejectionOf(http.request({ method: 'POST', url: s.url('/x'), json: {} }));
    expect(error).toMatchObject({
      code: 'upstream_unavailable',
      upstream: { status: 500, code: '0x80040216' },
    });
    expect(s.requests).toHaveLength(1);
  });

  it('a POST whose connection drops after the server received it fails with outcome_unknown, sent once', async () => {
    const s = await server((req) => req.socket.destroy());
    const { client: http } = client([s.origin]);
    const error = await rejectionOf(
      http.request({
        method: 'POST',
        url: s.url('/data/SalesOrderHeadersV2'),
        json: { CustomersOrderReference: 'ORD-1' },
      }),
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: 'outcome_unknown', retryable: false });
    expect((error as ConnectorError).remedy).toMatch(/natural key/);
    expect(s.requests).toHaveLength(1);
  });

  it('a GET whose connection drops after the server received it is retried', async () => {
    const s = await server((req, res, _r, index) =>
      index === 0 ? req.socket.destroy() : json(res, 200, { ok: 1 }),
    );
    const { client: http } = client([s.origin]);
    const response = await http.request({ method: 'GET', url: s.url('/data/CustomersV3') });
    expect(response.body).toEqual({ ok: 1 });
    expect(s.requests).toHaveLength(2);
  });

  it('a PATCH with If-Match is idempotent and retried; one without is not', async () => {
    const s = await server((req) => req.socket.destroy());
    const { client: http } = client([s.origin], { retry: { maxErrorRetries: 1 } });
    const withIfMatch = await rejectionOf(
      http.request({ method: 'PATCH', url: s.url('/a'), json: {}, headers: { 'If-Match': 'W/"1"' } }),
    );
    expect(withIfMatch).toMatchObject({ code: 'upstream_unavailable' });
    expect(s.requests).toHaveLength(2);
    const without = await rejectionOf(http.request({ method: 'PATCH', url: s.url('/b'), json: {} }));
    expect(without).toMatchObject({ code: 'outcome_unknown' });
    expect(s.requests).toHaveLength(3);
  });

  it('a POST that times out waiting for the response fails with outcome_unknown', async () => {
    // undici checks headers timeouts on a ~0.5 s tick: the server answers well after that.
    const s = await server((_req, res) => setTimeout(() => json(res, 201, {}), 2500));
    const { client: http } = client([s.origin]);
    const error = await rejectionOf(
      http.request({ method: 'POST', url: s.url('/x'), json: {}, headersTimeoutMs: 100 }),
    );
    expect(error).toMatchObject({ code: 'outcome_unknown' });
    expect(s.requests).toHaveLength(1);
  });

  it('resends a POST when the connection could not be opened (it provably never left)', async () => {
    let dropped = 0;
    const s = await server((_req, res) => json(res, 201, { created: true }));
    s.server.prependListener('connection', (socket) => {
      if (dropped === 0) {
        dropped++;
        socket.destroy(); // before the TLS handshake: the request was never written
      }
    });
    const { client: http } = client([s.origin]);
    const response = await http.request({ method: 'POST', url: s.url('/x'), json: {} });
    expect(response.body).toEqual({ created: true });
    expect(dropped).toBe(1);
    expect(s.requests).toHaveLength(1);
  });
});

describe('HTTP core: cold start', () => {
  it('uses the longer first-call timeout until the host has answered once', async () => {
    // undici checks headers timeouts on a ~0.5 s tick, hence delays in seconds here.
    const s = await server((_req, res) => setTimeout(() => json(res, 200, {}), 1500));
    const { client: http } = client([s.origin], {
      timeouts: { headersMs: 100, firstCallHeadersMs: 5000 },
      retry: { maxErrorRetries: 0 },
    });
    expect(http.isWarm(s.origin)).toBe(false);
    const warm = await http.warmUp(s.url('/data/'));
    expect(warm.status).toBe(200);
    expect(warm.durationMs).toBeGreaterThanOrEqual(1400);
    expect(http.isWarm(s.origin)).toBe(true);
    // Warm now: the normal (short) headers timeout applies.
    const error = await rejectionOf(http.request({ method: 'GET', url: s.url('/data/CustomersV3') }));
    expect(error).toMatchObject({ code: 'upstream_unavailable' });
  });

  it('a first request (without warm-up) also gets the long timeout', async () => {
    const s = await server((_req, res) => setTimeout(() => json(res, 200, { cold: true }), 1500));
    const { client: http } = client([s.origin], { timeouts: { headersMs: 100, firstCallHeadersMs: 5000 } });
    const response = await http.request({ method: 'GET', url: s.url('/data/LegalEntities') });
    expect(response.body).toEqual({ cold: true });
  });
});
