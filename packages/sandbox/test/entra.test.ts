import { randomUUID } from 'node:crypto';
import { ServerError } from '@azure/msal-node';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AadErrorBody } from '../src/entra';
import type { CountersSnapshot } from '../src/host/counters';
import { type HttpResult, msalApp, startTestSandbox, type TestSandbox, tempStateDir } from './host.fixtures';

const AAD_ERROR_KEYS = [
  'correlation_id',
  'error',
  'error_codes',
  'error_description',
  'error_uri',
  'timestamp',
  'trace_id',
];

/** The keys of Entra's real v2 OpenID configuration (shared/samples/entra-id), in its order. */
const OPENID_CONFIGURATION_KEYS = [
  'token_endpoint',
  'token_endpoint_auth_methods_supported',
  'jwks_uri',
  'response_modes_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
  'response_types_supported',
  'scopes_supported',
  'issuer',
  'request_uri_parameter_supported',
  'userinfo_endpoint',
  'authorization_endpoint',
  'device_authorization_endpoint',
  'http_logout_supported',
  'frontchannel_logout_supported',
  'end_session_endpoint',
  'claims_supported',
  'kerberos_endpoint',
  'tenant_region_scope',
  'cloud_instance_name',
  'cloud_graph_host_name',
  'msgraph_host',
  'rbac_url',
];

function expectAadError(response: HttpResult, status: number, error: string, code: number): AadErrorBody {
  expect(response.status).toBe(status);
  const body = response.json<AadErrorBody>();
  expect(Object.keys(body).sort()).toEqual(AAD_ERROR_KEYS);
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([code]);
  expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(body.error_description).toBe(
    `${body.error_description.split('\r\n')[0]}\r\nTrace ID: ${body.trace_id}\r\nCorrelation ID: ${body.correlation_id}\r\nTimestamp: ${body.timestamp}`,
  );
  expect(body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
  expect(body.error_uri).toMatch(new RegExp(`/error\\?code=${code}$`));
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['cache-control']).toBe('no-store, no-cache');
  return body;
}

describe('Entra ID simulator', () => {
  let state: Awaited<ReturnType<typeof tempStateDir>>;
  let t: TestSandbox;
  let tokenUrl: string;
  let scope: string;

  beforeAll(async () => {
    state = await tempStateDir();
    t = await startTestSandbox(state.dir);
    tokenUrl = `${t.entraUrl}/${t.entra.tenantId}/oauth2/v2.0/token`;
    scope = `${t.resourceUrl}/.default`;
  });

  afterEach(async () => {
    await t.client.putJson(`${t.entraUrl}/_sandbox/faults`, {});
    await t.client.putJson(`${t.resourceUrl}/_sandbox/faults`, {});
  });

  afterAll(async () => {
    await t.stop();
    await state.remove();
  });

  const main = () => t.entra.mainApp();
  const credentials = (overrides: Record<string, string> = {}) => ({
    client_id: main().clientId,
    client_secret: main().clientSecret,
    grant_type: 'client_credentials',
    scope,
    ...overrides,
  });

  it('issues a token to msal-node for the resource, with the claims of an Entra app token', async () => {
    const app = msalApp({
      entraUrl: t.entraUrl,
      tenantId: t.entra.tenantId,
      clientId: main().clientId,
      clientSecret: main().clientSecret,
      agent: t.client.agent,
    });
    const result = await app.acquireTokenByClientCredential({ scopes: [scope] });
    expect(result?.tokenType).toBe('Bearer');
    const token = result?.accessToken ?? '';

    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'JWT', alg: 'RS256' });
    const header = decodeProtectedHeader(token);
    expect(header.kid).toBe(t.entra.jwks().keys[0]?.kid);
    expect(header.x5t).toBe(header.kid);

    const claims = decodeJwt(token);
    const tenantId = t.entra.tenantId;
    expect(claims).toMatchObject({
      aud: t.resourceUrl,
      iss: `https://sts.windows.net/${tenantId}/`,
      idp: `https://sts.windows.net/${tenantId}/`,
      tid: tenantId,
      appid: main().clientId,
      azp: main().clientId,
      appidacr: '1',
      oid: main().objectId,
      sub: main().objectId,
      idtyp: 'app',
      ver: '1.0',
    });
    const now = Math.floor(Date.now() / 1000);
    expect(claims.iat).toBe(claims.nbf);
    expect(Math.abs((claims.iat ?? 0) - now)).toBeLessThanOrEqual(2);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3599);

    // Verifiable with the keys Entra publishes.
    const jwks = (await t.client.get(`${t.entraUrl}/${tenantId}/discovery/v2.0/keys`)).json<JSONWebKeySet>();
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: `https://sts.windows.net/${tenantId}/`,
      audience: t.resourceUrl,
    });
    expect(payload['appid']).toBe(main().clientId);
  });

  it('lets msal-node serve a second call from its cache', async () => {
    await t.client.send(`${t.entraUrl}/_sandbox/counters/reset`, { method: 'POST' });
    const app = msalApp({
      entraUrl: t.entraUrl,
      tenantId: t.entra.tenantId,
      clientId: main().clientId,
      clientSecret: main().clientSecret,
      agent: t.client.agent,
    });
    const first = await app.acquireTokenByClientCredential({ scopes: [scope] });
    const second = await app.acquireTokenByClientCredential({ scopes: [scope] });
    expect(first?.fromCache).toBe(false);
    expect(second?.fromCache).toBe(true);
    expect(second?.accessToken).toBe(first?.accessToken);

    const counters = (await t.client.get(`${t.entraUrl}/_sandbox/counters`)).json<CountersSnapshot>();
    expect(counters.requests).toHaveLength(2);
    expect(counters.requests).toEqual(
      expect.arrayContaining([
        { clientId: 'anonymous', method: 'GET', entitySet: 'openid-configuration', count: 1 },
        { clientId: main().clientId, method: 'POST', entitySet: 'token', count: 1 },
      ]),
    );
  });

  it('answers the token endpoint with the real response shape and no-cache headers', async () => {
    const response = await t.client.postForm(
      tokenUrl,
      credentials({ scope: `${t.resourceUrl.toUpperCase()}//.default` }),
    );
    expect(response.status).toBe(200);
    const body = response.json();
    expect(Object.keys(body)).toEqual(['token_type', 'expires_in', 'ext_expires_in', 'access_token']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(decodeJwt(String(body['access_token'])).aud).toBe(t.resourceUrl);
    expect(response.headers).toMatchObject({
      'cache-control': 'no-store, no-cache',
      pragma: 'no-cache',
      'content-type': 'application/json; charset=utf-8',
    });
  });

  it('accepts the client secret in HTTP Basic', async () => {
    const basic = Buffer.from(`${main().clientId}:${encodeURIComponent(main().clientSecret)}`).toString(
      'base64',
    );
    const response = await t.client.postForm(
      tokenUrl,
      { grant_type: 'client_credentials', scope },
      { authorization: `Basic ${basic}` },
    );
    expect(response.status).toBe(200);
  });

  it('serves instance discovery and the OpenID configuration in the shape of the real ones', async () => {
    const tenantId = t.entra.tenantId;
    const authorize = `${t.entraUrl}/${tenantId}/oauth2/v2.0/authorize`;
    const instance = await t.client.get(
      `${t.entraUrl}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(authorize)}`,
    );
    expect(instance.status).toBe(200);
    const host = new URL(t.entraUrl).host;
    expect(instance.json()).toEqual({
      tenant_discovery_endpoint: `${t.entraUrl}/${tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [
        {
          preferred_network: host,
          preferred_cache: host,
          aliases: [host, `localhost:${new URL(t.entraUrl).port}`],
        },
      ],
    });

    const foreign = await t.client.get(
      `${t.entraUrl}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent('https://login.example.com/x/oauth2/v2.0/authorize')}`,
    );
    expectAadError(foreign, 400, 'invalid_instance', 50049);

    const config = (
      await t.client.get(`${t.entraUrl}/${tenantId}/v2.0/.well-known/openid-configuration`)
    ).json();
    expect(Object.keys(config)).toEqual(OPENID_CONFIGURATION_KEYS);
    expect(config).toMatchObject({
      token_endpoint: tokenUrl,
      jwks_uri: `${t.entraUrl}/${tenantId}/discovery/v2.0/keys`,
      issuer: `${t.entraUrl}/${tenantId}/v2.0`,
      authorization_endpoint: authorize,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    });
    for (const [key, value] of Object.entries(config)) {
      if (key.endsWith('_endpoint') || key === 'jwks_uri')
        expect(value, key).toMatch(new RegExp(`^${t.entraUrl}/`));
    }

    const jwks = (await t.client.get(`${t.entraUrl}/${tenantId}/discovery/v2.0/keys`)).json<{
      keys: Record<string, unknown>[];
    }>();
    expect(jwks.keys).toHaveLength(1);
    expect(Object.keys(jwks.keys[0] ?? {}).sort()).toEqual([
      'e',
      'issuer',
      'kid',
      'kty',
      'n',
      'use',
      'x5c',
      'x5t',
    ]);

    const unknownTenant = await t.client.get(
      `${t.entraUrl}/${randomUUID()}/v2.0/.well-known/openid-configuration`,
    );
    expectAadError(unknownTenant, 400, 'invalid_tenant', 90002);
  });

  it('refuses a wrong secret, through msal-node too', async () => {
    const response = await t.client.postForm(tokenUrl, credentials({ client_secret: 'not-the-secret' }));
    const body = expectAadError(response, 401, 'invalid_client', 7000215);
    expect(body.error_description).toContain(
      `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${main().clientId}'.`,
    );

    const app = msalApp({
      entraUrl: t.entraUrl,
      tenantId: t.entra.tenantId,
      clientId: main().clientId,
      clientSecret: 'not-the-secret',
      agent: t.client.agent,
    });
    const failure = await app
      .acquireTokenByClientCredential({ scopes: [scope] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServerError);
    expect((failure as ServerError).errorCode).toBe('invalid_client');
    expect((failure as ServerError).errorMessage).toContain('AADSTS7000215');
  });

  it('refuses an unknown client, a missing secret and an unsupported grant type', async () => {
    const stranger = randomUUID();
    const unknown = expectAadError(
      await t.client.postForm(tokenUrl, credentials({ client_id: stranger })),
      400,
      'unauthorized_client',
      700016,
    );
    expect(unknown.error_description).toContain(
      `AADSTS700016: Application with identifier '${stranger}' was not found in the directory 'ml-connector sandbox'.`,
    );

    const { client_secret: _omitted, ...withoutSecret } = credentials();
    expectAadError(await t.client.postForm(tokenUrl, withoutSecret), 401, 'invalid_client', 7000218);

    const password = expectAadError(
      await t.client.postForm(tokenUrl, credentials({ grant_type: 'password' })),
      400,
      'unsupported_grant_type',
      70003,
    );
    expect(password.error_description).toMatch(
      /^AADSTS70003: The app requested an unsupported grant type 'password'\./,
    );
  });

  it('refuses scopes without /.default, for two resources, and for an unknown resource', async () => {
    const withoutDefault = expectAadError(
      await t.client.postForm(tokenUrl, credentials({ scope: `${t.resourceUrl}/user_impersonation` })),
      400,
      'invalid_scope',
      1002012,
    );
    expect(withoutDefault.error_description).toMatch(
      /Client credential flows must have a scope value with \/\.default suffixed to the resource identifier/,
    );

    const twoResources = `${t.resourceUrl}/.default ${t.entraUrl.replace('127.0.0.1', 'localhost')}:1/.default`;
    const two = expectAadError(
      await t.client.postForm(tokenUrl, credentials({ scope: twoResources })),
      400,
      'invalid_scope',
      70011,
    );
    expect(two.error_description).toContain(`The scope ${twoResources} is not valid.`);

    expectAadError(
      await t.client.postForm(tokenUrl, credentials({ scope: 'https://org.crm.dynamics.com/.default' })),
      400,
      'invalid_resource',
      500011,
    );
    expectAadError(
      await t.client.postForm(tokenUrl, credentials({ scope: '' })),
      400,
      'invalid_request',
      900144,
    );
  });

  it('refuses an unknown tenant and the /common endpoint, and echoes the client-request-id', async () => {
    const correlation = randomUUID();
    const wrongTenant = expectAadError(
      await t.client.postForm(
        `${t.entraUrl}/${randomUUID()}/oauth2/v2.0/token?client-request-id=${correlation}`,
        credentials(),
      ),
      400,
      'invalid_request',
      90002,
    );
    expect(wrongTenant.correlation_id).toBe(correlation);

    expectAadError(
      await t.client.postForm(`${t.entraUrl}/common/oauth2/v2.0/token`, credentials()),
      400,
      'invalid_request',
      50194,
    );
    expectAadError(await t.client.get(tokenUrl), 400, 'invalid_request', 900561);
  });

  it('issues tokens to the misconfigured app (Entra does not know about Dataverse users) and lists it', async () => {
    const listed = (await t.client.get(`${t.entraUrl}/_sandbox/apps`)).json<{
      tenantId: string;
      apps: {
        displayName: string;
        clientId: string;
        clientSecret: string;
        dataverseApplicationUser: boolean;
      }[];
    }>();
    expect(listed.tenantId).toBe(t.entra.tenantId);
    expect(listed.apps.map((app) => app.displayName)).toEqual([
      'ml-connector',
      'ml-connector (not an application user)',
    ]);
    const misconfigured = listed.apps[1];
    expect(misconfigured).toMatchObject({ dataverseApplicationUser: false, fnoEntraApplication: false });
    const response = await t.client.postForm(
      tokenUrl,
      credentials({
        client_id: misconfigured?.clientId ?? '',
        client_secret: misconfigured?.clientSecret ?? '',
      }),
    );
    expect(response.status).toBe(200);
    for (const app of listed.apps) {
      expect(app.clientSecret).toMatch(/^[A-Za-z0-9]{3}8Q~[A-Za-z0-9~._-]{34}$/);
    }
  });

  it('shortens token lifetimes with the tokenLifetimeSeconds fault', async () => {
    await t.client.putJson(`${t.resourceUrl}/_sandbox/faults`, { tokenLifetimeSeconds: 60 });
    const response = (await t.client.postForm(tokenUrl, credentials())).json();
    expect(response['expires_in']).toBe(60);
    const claims = decodeJwt(String(response['access_token']));
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
  });

  it('answers injected faults on its port the way Entra does', async () => {
    await t.client.putJson(`${t.entraUrl}/_sandbox/faults`, { rate429: 1, retryAfterSeconds: 7 });
    const throttled = await t.client.postForm(tokenUrl, credentials());
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
    expect(throttled.text).toBe('Too Many Requests');

    await t.client.putJson(`${t.entraUrl}/_sandbox/faults`, { rate5xx: 1 });
    expectAadError(await t.client.postForm(tokenUrl, credentials()), 503, 'temporarily_unavailable', 90033);

    const counters = (await t.client.get(`${t.entraUrl}/_sandbox/counters`)).json<CountersSnapshot>();
    expect(counters.requests).toContainEqual(
      expect.objectContaining({ clientId: main().clientId, method: 'POST', entitySet: null }),
    );
  });
});
