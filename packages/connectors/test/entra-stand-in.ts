import { randomUUID } from 'node:crypto';
import { json, startServer, type TestServer } from './helpers';

/**
 * A tiny Entra ID for the auth tests, over HTTPS with the test CA: OpenID configuration and the
 * client-credentials token endpoint, with Entra's error bodies for a wrong secret, an unknown app
 * and an unknown tenant (shapes from ../shared/reference/entra.md and the recorded samples).
 */
export interface EntraStandIn {
  server: TestServer;
  origin: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Token requests received, per scope. */
  tokenRequests: Map<string, number>;
  /** Lifetime of issued tokens, seconds. */
  expiresIn: number;
  close(): Promise<void>;
}

export async function startEntraStandIn(): Promise<EntraStandIn> {
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const clientSecret = `secret~${randomUUID()}`;
  const tokenRequests = new Map<string, number>();
  const state = { expiresIn: 3599 };

  const entraError = (error: string, code: number, description: string) => ({
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  });

  const server = await startServer((req, res, received) => {
    const url = new URL(req.url ?? '/', 'https://entra.invalid');
    const [, tenant, ...rest] = url.pathname.split('/');
    const tail = rest.join('/');
    const origin = `https://${req.headers.host}`;
    if (tenant !== tenantId) {
      json(res, 400, entraError('invalid_request', 90002, `Tenant '${tenant}' not found.`));
      return;
    }
    if (req.method === 'GET' && tail === 'v2.0/.well-known/openid-configuration') {
      json(res, 200, {
        token_endpoint: `${origin}/${tenantId}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${origin}/${tenantId}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${origin}/${tenantId}/v2.0`,
        authorization_endpoint: `${origin}/${tenantId}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${origin}/${tenantId}/oauth2/v2.0/logout`,
        tenant_region_scope: 'WW',
        cloud_instance_name: 'microsoftonline.com',
      });
      return;
    }
    if (req.method === 'POST' && tail === 'oauth2/v2.0/token') {
      const form = new URLSearchParams(received.body);
      if (form.get('grant_type') !== 'client_credentials') {
        json(res, 400, entraError('unsupported_grant_type', 70003, 'The grant type is not supported.'));
        return;
      }
      if (form.get('client_id') !== clientId) {
        json(
          res,
          400,
          entraError(
            'unauthorized_client',
            700016,
            `Application with identifier '${form.get('client_id')}' was not found in the directory '${tenantId}'.`,
          ),
        );
        return;
      }
      if (form.get('client_secret') !== clientSecret) {
        json(
          res,
          401,
          entraError(
            'invalid_client',
            7000215,
            'Invalid client secret provided. Ensure the secret being sent is correct.',
          ),
        );
        return;
      }
      const scope = form.get('scope') ?? '';
      if (!scope.endsWith('/.default')) {
        json(
          res,
          400,
          entraError('invalid_scope', 1002012, `The provided value for scope ${scope} is not valid.`),
        );
        return;
      }
      tokenRequests.set(scope, (tokenRequests.get(scope) ?? 0) + 1);
      json(res, 200, {
        token_type: 'Bearer',
        expires_in: state.expiresIn,
        ext_expires_in: state.expiresIn,
        access_token: `token-for-${scope}-${tokenRequests.get(scope)}`,
      });
      return;
    }
    json(res, 404, { error: 'not_found' });
  });

  return {
    server,
    origin: server.origin,
    tenantId,
    clientId,
    clientSecret,
    tokenRequests,
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(value: number) {
      state.expiresIn = value;
    },
    close: () => server.close(),
  };
}
