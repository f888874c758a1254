import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ConnectorError } from '../src/index';
import { json, rejectionOf, useTestServers } from './helpers';

const { server, client } = useTestServers();

describe('HTTP core: connections and request ids', () => {
  it('reuses one keep-alive connection for sequential requests', async () => {
    const s = await server((_req, res) => json(res, 200, { ok: true }));
    const { client: http } = client([s.origin]);
    for (let i = 0; i < 10; i++) {
      const response = await http.request({ method: 'GET', url: s.url(`/api/data/v9.2/accounts?i=${i}`) });
      expect(response.body).toEqual({ ok: true });
    }
    expect(s.requests).toHaveLength(10);
    expect(s.connections).toBe(1);
    expect(new Set(s.requests.map((r) => r.connection))).toEqual(new Set([1]));
  });

  it('runs concurrent requests on parallel pooled connections, then reuses them', async () => {
    const s = await server((_req, res) => setTimeout(() => json(res, 200, {}), 50));
    const { client: http } = client([s.origin]);
    const burst = () =>
      Promise.all([0, 1, 2, 3].map((i) => http.request({ method: 'GET', url: s.url(`/p/${i}`) })));
    await burst();
    expect(s.connections).toBe(4);
    await burst();
    await burst();
    expect(s.requests).toHaveLength(12);
    expect(s.connections).toBe(4);
  });

  it('sends the same client request id on every attempt, and a fresh one per request', async () => {
    const s = await server((_req, res, _r, index) =>
      index === 0 ? json(res, 503, { error: { code: '', message: 'busy' } }) : json(res, 200, {}),
    );
    const { client: http } = client([s.origin]);
    const first = await http.request({ method: 'GET', url: s.url('/x') });
    await http.request({ method: 'GET', url: s.url('/y') });
    const ids = s.requests.map((r) => r.headers['x-ms-client-request-id']);
    expect(ids[0]).toBe(first.requestId);
    expect(ids[1]).toBe(first.requestId);
    expect(s.requests[0]?.headers['client-request-id']).toBe(first.requestId);
    expect(ids[2]).not.toBe(first.requestId);
    expect(first.attempts).toBe(2);
  });

  it('never logs the Authorization header, the token or bodies', async () => {
    const s = await server((_req, res) => json(res, 200, { secretField: 'body-value-xyz' }));
    const token = 'tok-abcdefghijklmnopqrstuvwxyz-0123456789';
    const { client: http, lines } = client([s.origin], {
      tokens: { getToken: async () => ({ token }) },
    });
    await http.request({
      method: 'POST',
      url: s.url('/api/data/v9.2/accounts'),
      json: { name: 'body-secret-name' },
    });
    expect(s.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
    const logged = lines.join('\n');
    expect(logged).toContain('http response');
    expect(logged).not.toContain(token);
    expect(logged).not.toMatch(/authorization/i);
    expect(logged).not.toContain('body-secret-name');
    expect(logged).not.toContain('body-value-xyz');
  });
});

describe('HTTP core: error mapping and response schemas', () => {
  it('maps statuses to codes and keeps the upstream text', async () => {
    const answers: Record<string, [number, unknown]> = {
      '/401': [401, ''],
      '/403': [
        403,
        { error: { code: '0x80040220', message: 'Principal user is missing prvReadAccount privilege' } },
      ],
      '/404': [
        404,
        { error: { code: '0x80040217', message: "Entity 'account' With Id = 5b4c Does Not Exist" } },
      ],
      '/412': [412, { error: { code: '', message: 'A record with matching key values already exists.' } }],
      '/400': [400, { error: { code: '0x80044331', message: 'A validation error occurred.' } }],
      '/member': [
        403,
        { error: { code: '0x80072560', message: 'The user is not a member of the organization.' } },
      ],
      '/fno': [
        500,
        {
          error: {
            code: '',
            message: 'An error has occurred.',
            innererror: {
              message:
                "Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: The value 'Local' in field 'Customer group' is not found in the related table 'Customer groups'.; Warning: validateField failed on field 'CustCustomerV3Entity.CustomerGroupId'.",
              type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
              stacktrace: '   at ...',
            },
          },
        },
      ],
    };
    const s = await server((req, res) => {
      const [status, body] = answers[req.url ?? ''] ?? [200, {}];
      if (body === '') {
        res.writeHead(status);
        res.end();
      } else json(res, status, body, { 'x-ms-service-request-id': 'svc-req-1' });
    });
    const { client: http } = client([s.origin]);
    const codeOf = async (path: string, method: 'GET' | 'POST' = 'GET') =>
      (await rejectionOf(
        http.request({ method, url: s.url(path), ...(method === 'POST' ? { json: {} } : {}) }),
      )) as ConnectorError;

    expect((await codeOf('/401')).code).toBe('auth_failed');
    const forbidden = await codeOf('/403');
    expect(forbidden).toMatchObject({ code: 'forbidden', kind: 'configuration' });
    expect(forbidden.upstream).toEqual({
      status: 403,
      code: '0x80040220',
      message: 'Principal user is missing prvReadAccount privilege',
      requestId: 'svc-req-1',
    });
    expect((await codeOf('/404')).code).toBe('not_found');
    expect((await codeOf('/412', 'POST')).code).toBe('conflict');
    const invalid = await codeOf('/400', 'POST');
    expect(invalid).toMatchObject({
      code: 'validation_failed',
      upstream: { message: 'A validation error occurred.' },
    });
    expect((await codeOf('/member')).code).toBe('app_user_missing');
    const fno = await codeOf('/fno', 'POST');
    expect(fno.code).toBe('validation_failed');
    expect(fno.upstream?.message).toContain("The value 'Local' in field 'Customer group'");
    expect(fno.upstream?.infolog).toEqual([
      {
        level: 'Warning',
        text: "The value 'Local' in field 'Customer group' is not found in the related table 'Customer groups'.",
      },
      { level: 'Warning', text: "validateField failed on field 'CustCustomerV3Entity.CustomerGroupId'." },
    ]);
  });

  it('refreshes the token once on 401 and retries', async () => {
    const s = await server((req, res) =>
      req.headers.authorization === 'Bearer new' ? json(res, 200, { ok: true }) : json(res, 401, {}),
    );
    const calls: boolean[] = [];
    const { client: http } = client([s.origin], {
      tokens: {
        getToken: async (_resource, options) => {
          calls.push(options?.forceRefresh === true);
          return { token: options?.forceRefresh ? 'new' : 'old' };
        },
      },
    });
    const response = await http.request({ method: 'GET', url: s.url('/x') });
    expect(response.body).toEqual({ ok: true });
    expect(calls).toEqual([false, true]);
  });

  it('parses the body with the given schema, and reports schema_mismatch when it does not fit', async () => {
    const s = await server((req, res) =>
      req.url === '/good'
        ? json(res, 200, { UserId: '00000000-0000-0000-0000-000000000001', extra: 1 })
        : json(res, 200, { UserId: 42 }),
    );
    const { client: http } = client([s.origin]);
    const schema = z.object({ UserId: z.string() });
    const good = await http.request({ method: 'GET', url: s.url('/good'), schema });
    expect(good.body.UserId).toBe('00000000-0000-0000-0000-000000000001');
    const bad = await rejectionOf(http.request({ method: 'GET', url: s.url('/bad'), schema }));
    expect(bad).toMatchObject({ code: 'schema_mismatch' });
    expect((bad as Error).message).toMatch(/UserId/);
  });
});

describe('HTTP core: trust', () => {
  it('trusts the sandbox CA only: a server with another CA is refused even when its origin is allowed', async () => {
    const s = await server((_req, res) => json(res, 200, {}), { cert: 'other' });
    const { client: http } = client([s.origin]);
    const error = await rejectionOf(http.request({ method: 'GET', url: s.url('/x') }));
    expect(error).toMatchObject({ code: 'tls_untrusted', kind: 'configuration' });
    expect(s.requests).toHaveLength(0);
  });

  it('refuses an origin that sandbox mode does not name, before any connection', async () => {
    const allowed = await server((_req, res) => json(res, 200, {}));
    const other = await server((_req, res) => json(res, 200, {}));
    const { client: http } = client([allowed.origin]);
    const error = await rejectionOf(http.request({ method: 'GET', url: other.url('/x') }));
    expect(error).toMatchObject({ code: 'invalid_config' });
    expect(other.connections).toBe(0);
  });
});
