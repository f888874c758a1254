import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type Clock,
  ConnectorError,
  createHostGuard,
  createHttpClient,
  createTokenProvider,
} from '../src/index';
import { type EntraStandIn, startEntraStandIn } from './entra-stand-in';
import { json, memoryLogger, rejectionOf, startServer, type TestServer } from './helpers';

let entra: EntraStandIn;
let environment: TestServer;

beforeAll(async () => {
  entra = await startEntraStandIn();
  environment = await startServer((req, res) =>
    req.headers.authorization?.startsWith('Bearer token-for-')
      ? json(res, 200, { UserId: randomUUID(), authorization: req.headers.authorization })
      : json(res, 401, {}),
  );
});

afterAll(async () => {
  await entra.close();
  await environment.close();
});

function provider(overrides: Partial<Parameters<typeof createTokenProvider>[0]> = {}) {
  return createTokenProvider({
    authorityHost: entra.origin,
    tenantId: entra.tenantId,
    clientId: entra.clientId,
    clientSecret: entra.clientSecret,
    sandbox: { caPem: inject('tls').caPem },
    ...overrides,
  });
}

class TestClock implements Clock {
  constructor(public time = Date.now()) {}
  now() {
    return this.time;
  }
  async sleep() {}
}

describe('auth: msal-node against an HTTPS Entra stand-in', () => {
  it('gets one token per environment host with scope https://{host}/.default (port kept, lower case)', async () => {
    const tokens = provider();
    const host = `Org-${randomUUID().slice(0, 8)}.localhost:4402`;
    const scope = `https://${host.toLowerCase()}/.default`;
    const first = await tokens.getToken(`https://${host}/`);
    expect(first.scope).toBe(scope);
    expect(first.token).toBe(`token-for-${scope}-1`);
    expect(first.expiresOn).toBeGreaterThan(Date.now() + 3_000_000);
    expect(entra.tokenRequests.get(scope)).toBe(1);
  });

  it('reuses the token until shortly before expiry, shares concurrent requests, one request per host', async () => {
    const tokens = provider();
    const host = `https://reuse-${randomUUID().slice(0, 8)}.crm.dynamics.com`;
    const scope = `${host}/.default`;
    const many = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken(host)));
    expect(new Set(many.map((t) => t.token)).size).toBe(1);
    await tokens.getToken(host);
    await tokens.getToken(`${host}/api/data/v9.2/`);
    expect(entra.tokenRequests.get(scope)).toBe(1);
    // A second provider with the same registration shares the application and its cache.
    await provider().getToken(host);
    expect(entra.tokenRequests.get(scope)).toBe(1);
    // Another host is another audience: another token.
    const fno = `https://reuse-${randomUUID().slice(0, 8)}.operations.dynamics.com`;
    await tokens.getToken(fno);
    expect(entra.tokenRequests.get(`${fno}/.default`)).toBe(1);
  });

  it('renews a token when less than five minutes are left', async () => {
    const clock = new TestClock();
    const tokens = provider({ clock, clientSecret: entra.clientSecret });
    const host = `https://renew-${randomUUID().slice(0, 8)}.crm.dynamics.com`;
    const first = await tokens.getToken(host);
    clock.time = first.expiresOn - 6 * 60_000;
    expect((await tokens.getToken(host)).token).toBe(first.token);
    clock.time = first.expiresOn - 4 * 60_000;
    const renewed = await tokens.getToken(host);
    expect(renewed.token).not.toBe(first.token);
    expect(entra.tokenRequests.get(`${host}/.default`)).toBe(2);
  });

  it('forceRefresh asks Entra again', async () => {
    const tokens = provider();
    const host = `https://force-${randomUUID().slice(0, 8)}.crm.dynamics.com`;
    const first = await tokens.getToken(host);
    const second = await tokens.getToken(host, { forceRefresh: true });
    expect(second.token).not.toBe(first.token);
    expect(entra.tokenRequests.get(`${host}/.default`)).toBe(2);
  });

  it('a refused token is replaced by one requested after the refusal, never one already on its way', async () => {
    const clock = new TestClock();
    const tokens = provider({ clock });
    const host = `https://refused-${randomUUID().slice(0, 8)}.crm.dynamics.com`;
    const onItsWay = tokens.getToken(host);
    clock.time += 5;
    // The host refused a token at this instant: the request begun before it is not shared.
    const renewed = tokens.getToken(host, { forceRefresh: true, rejectedAt: clock.time });
    // A caller refused a little earlier shares the renewal begun since.
    const alsoRenewed = tokens.getToken(host, { forceRefresh: true, rejectedAt: clock.time - 3 });
    const [older, newer, shared] = await Promise.all([onItsWay, renewed, alsoRenewed]);
    expect(newer.token).not.toBe(older.token);
    expect(shared.token).toBe(newer.token);
    expect(entra.tokenRequests.get(`${host}/.default`)).toBe(2);
    // Whichever answer came last, the newer token is the one kept.
    expect((await tokens.getToken(host)).token).toBe(newer.token);
  });

  it('maps a wrong secret to auth_failed with AADSTS7000215 and a remedy', async () => {
    const tokens = provider({ clientSecret: 'wrong-secret-value' });
    const error = await rejectionOf(tokens.getToken('https://x.crm.dynamics.com'));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      code: 'auth_failed',
      kind: 'configuration',
      upstream: { code: 'AADSTS7000215' },
    });
    expect((error as ConnectorError).remedy).toMatch(/client secret is wrong or expired/);
    expect(JSON.stringify((error as ConnectorError).toJSON())).not.toContain('wrong-secret-value');
  });

  it('maps an unknown app to AADSTS700016 and an unknown tenant to a tenant remedy', async () => {
    const unknownApp = await rejectionOf(
      provider({ clientId: randomUUID() }).getToken('https://x.crm.dynamics.com'),
    );
    expect(unknownApp).toMatchObject({ code: 'auth_failed', upstream: { code: 'AADSTS700016' } });
    expect((unknownApp as ConnectorError).remedy).toMatch(/client id/);
    const unknownTenant = await rejectionOf(
      provider({ tenantId: randomUUID() }).getToken('https://x.crm.dynamics.com'),
    );
    // msal reads the tenant's OpenID configuration first; Entra's AADSTS90002 there surfaces as
    // msal's endpoints_resolution_error.
    expect(unknownTenant).toMatchObject({
      code: 'auth_failed',
      upstream: { code: 'endpoints_resolution_error' },
    });
    expect((unknownTenant as ConnectorError).remedy).toMatch(/did not recognise tenant/);
  });

  it('refuses an authority that is neither a Microsoft login host nor the named sandbox', () => {
    expect(() =>
      createTokenProvider({
        authorityHost: 'https://login.evil.example',
        tenantId: entra.tenantId,
        clientId: entra.clientId,
        clientSecret: entra.clientSecret,
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() =>
      createTokenProvider({
        authorityHost: entra.origin,
        tenantId: entra.tenantId,
        clientId: entra.clientId,
        clientSecret: entra.clientSecret,
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => provider({ tenantId: '../common' })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });

  it('end to end: the HTTP client sends the environment token and never logs it', async () => {
    const { logger, lines } = memoryLogger();
    const tokens = provider({ logger });
    const http = createHttpClient({
      guard: createHostGuard({
        sandbox: { origins: [environment.origin, entra.origin], caPem: inject('tls').caPem },
      }),
      logger,
      tokens,
    });
    try {
      const response = await http.request<{ authorization: string }>({
        method: 'GET',
        url: `${environment.origin}/api/data/v9.2/WhoAmI`,
      });
      const scope = `${environment.origin}/.default`;
      expect(response.body.authorization).toBe(`Bearer token-for-${scope}-1`);
      expect(lines.join('\n')).not.toContain('token-for-');
      expect(lines.join('\n')).not.toContain(entra.clientSecret);
    } finally {
      await http.close();
    }
  });
});
