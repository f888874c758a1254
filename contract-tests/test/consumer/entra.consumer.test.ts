import { createTokenProvider } from '@mlc/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerWorld, startConsumerWorld } from '../support/consumer-world';
import { integer, pactWith, regex, string, uuid } from '../support/pact';

/**
 * The token exchange, through the connector's own token provider (msal-node in sandbox mode:
 * `knownAuthorities` with the port, no instance discovery): the OpenID configuration of the
 * authority, then the client-credentials token request. The pact carries example credentials
 * only; the verifier swaps in the sandbox's (`support/verify.ts`).
 */
const pact = pactWith('entra-id');
let world: ConsumerWorld;
beforeAll(async () => {
  world = await startConsumerWorld();
});
afterAll(async () => {
  await world?.close();
});

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';
const SECRET = 'abc8Q~example-secret-value-not-real-0123';

describe('Entra ID: client credentials', () => {
  it('discovers the authority, then gets a token for the environment host', async () => {
    const origin = world.front.origin;
    const url = (path: string) =>
      regex(
        new RegExp(`^https://[^/]+/[0-9a-f-]{36}/${path.replace(/[.?]/g, '\\$&')}$`),
        `${origin}/${TENANT}/${path}`,
      );
    pact
      .given('the tenant has the app registration')
      .uponReceiving('the OpenID configuration of the tenant (v2.0)')
      .withRequest({ method: 'GET', path: `/${TENANT}/v2.0/.well-known/openid-configuration` })
      .willRespondWith({
        status: 200,
        body: {
          token_endpoint: url(`oauth2/v2.0/token`),
          token_endpoint_auth_methods_supported: [
            'client_secret_post',
            'private_key_jwt',
            'client_secret_basic',
          ],
          jwks_uri: url(`discovery/v2.0/keys`),
          response_modes_supported: ['query', 'fragment', 'form_post'],
          issuer: regex(/^https:\/\/[^/]+\/[0-9a-f-]{36}\/v2\.0$/, `${origin}/${TENANT}/v2.0`),
          authorization_endpoint: url(`oauth2/v2.0/authorize`),
          end_session_endpoint: url(`oauth2/v2.0/logout`),
        },
      });
    pact
      .given('the tenant has the app registration')
      .uponReceiving('a client-credentials token request for the environment host')
      .withRequest({
        method: 'POST',
        path: `/${TENANT}/oauth2/v2.0/token`,
        headers: {
          'Content-Type': regex(
            /^application\/x-www-form-urlencoded(;.*)?$/,
            'application/x-www-form-urlencoded;charset=utf-8',
          ),
        },
        query: { 'client-request-id': uuid('06245304-94c8-497a-9c5e-228ad57274e6') },
        body: {
          client_id: uuid(CLIENT_ID),
          scope: regex(/^https:\/\/[^/]+\/\.default$/, `${origin}/.default`),
          grant_type: 'client_credentials',
          'x-client-SKU': 'msal.js.node',
          'x-client-VER': regex(/^\d+\.\d+\.\d+$/, '7.2.3'),
          'x-client-OS': string('linux'),
          'x-client-CPU': string('x64'),
          'x-ms-lib-capability': 'retry-after, h429',
          'x-client-current-telemetry': string('5|771,2,,,|,'),
          'x-client-last-telemetry': string('5|0|||0,0'),
          'client-request-id': uuid('06245304-94c8-497a-9c5e-228ad57274e6'),
          client_secret: string(SECRET),
        },
      })
      .willRespondWith({
        status: 200,
        body: {
          token_type: 'Bearer',
          expires_in: integer(3599),
          ext_expires_in: integer(3599),
          access_token: string(
            'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2NvbnRvc28uY3JtLmR5bmFtaWNzLmNvbSJ9.c2ln',
          ),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const tokens = createTokenProvider({
        authorityHost: origin,
        tenantId: TENANT,
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        sandbox: { caPem: world.caPem },
      });
      const token = await tokens.getToken(origin);
      expect(token.token).toMatch(/^eyJ/);
    });
  });
});
