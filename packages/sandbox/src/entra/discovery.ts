import type { SigningKey } from './keys';

/**
 * Entra's discovery documents, in the shape of the real ones (see `shared/samples/entra-id/`), with
 * every endpoint on the sandbox's origin.
 */

/**
 * `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...`: the sandbox is its
 * own cloud, known under the loopback names on its port.
 */
export function instanceDiscovery(origin: string, tenant: string): unknown {
  const host = new URL(origin).host;
  const port = new URL(origin).port;
  const aliases = [...new Set([host, `127.0.0.1:${port}`, `localhost:${port}`])];
  return {
    tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases }],
  };
}

/**
 * `GET /{tenant}/v2.0/.well-known/openid-configuration`. `pathTenant` is the tenant as the endpoints
 * should carry it (the tenant id, or `common`/`organizations`); the issuer names the tenant id, or
 * the `{tenantid}` template for the multi-tenant aliases, as Entra's does.
 */
export function openIdConfiguration(origin: string, pathTenant: string, issuerTenant: string): unknown {
  const base = `${origin}/${pathTenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${origin}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'WW',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

/** `GET /{tenant}/discovery/v2.0/keys`: the signing key, with Entra's extra `issuer` member. */
export function jsonWebKeySet(key: SigningKey, origin: string, issuerTenant: string): unknown {
  return { keys: [{ ...key.publicJwk, issuer: `${origin}/${issuerTenant}/v2.0` }] };
}
