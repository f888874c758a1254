import type { IncomingMessage } from 'node:http';
import type { FaultStore, ServiceName } from '../host/faults';
import type { AppRegistry, EntraApp } from './apps';
import { type AadError, aad } from './errors';
import type { SigningKey } from './keys';
import { resourceOfScope } from './scope';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, issueAccessToken } from './token';

export interface TokenEndpointDeps {
  apps: AppRegistry;
  key: SigningKey;
  faults: FaultStore;
  /**
   * The resource a URL designates, with the simulator behind it (whose fault settings apply to its
   * tokens); undefined for an unknown resource (AADSTS500011).
   */
  resolveResource: (resource: string) => { service: ServiceName | undefined } | undefined;
  now: () => number;
}

export type TokenOutcome =
  | { ok: true; app: EntraApp; body: TokenResponse }
  | { ok: false; error: AadError; app?: EntraApp };

export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

const MULTI_TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);

/**
 * `POST /{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`: client secret in the
 * form or in HTTP Basic, one `<resource>/.default` scope. Checks run in this order: tenant, grant
 * type, client id, app, secret, scope, resource.
 */
export async function exchangeClientCredentials(
  tenant: string,
  req: IncomingMessage,
  body: Buffer,
  deps: TokenEndpointDeps,
): Promise<TokenOutcome> {
  const { apps } = deps;
  const form = readForm(req, body);
  const basic = basicCredentials(req);
  const tenantIsOurs = tenant.toLowerCase() === apps.tenantId.toLowerCase();
  const multiTenantAlias = MULTI_TENANT_ALIASES.has(tenant.toLowerCase());
  if (!tenantIsOurs && !multiTenantAlias) return { ok: false, error: aad.tenantNotFound(tenant) };

  const grantType = form.get('grant_type');
  if (!grantType) return { ok: false, error: aad.missingParameter('grant_type') };
  if (grantType !== 'client_credentials') return { ok: false, error: aad.unsupportedGrantType(grantType) };

  const clientId = basic?.clientId ?? form.get('client_id');
  if (!clientId) return { ok: false, error: aad.missingParameter('client_id') };
  const app = apps.find(clientId);
  if (!app) return { ok: false, error: aad.applicationNotFound(clientId, apps.tenantDisplayName) };
  if (multiTenantAlias) return { ok: false, error: aad.notMultiTenant(app.clientId, app.displayName), app };

  const secret = basic?.clientSecret ?? form.get('client_secret');
  if (!secret) return { ok: false, error: aad.missingClientCredential(), app };
  if (secret !== app.clientSecret) return { ok: false, error: aad.invalidClientSecret(app.clientId), app };

  const scope = resourceOfScope(form.get('scope'));
  if ('error' in scope) return { ok: false, error: scope.error, app };
  const resolved = deps.resolveResource(scope.resource);
  if (!resolved)
    return { ok: false, error: aad.resourceNotFound(scope.resource, apps.tenantDisplayName), app };

  const token = await issueAccessToken({
    key: deps.key,
    tenantId: apps.tenantId,
    app,
    audience: scope.resource,
    lifetimeSeconds: deps.faults.tokenLifetimeSeconds(resolved.service) ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    nowMs: deps.now(),
    cutoffMs: deps.faults.tokenCutoffMs(resolved.service),
  });
  return {
    ok: true,
    app,
    body: {
      token_type: 'Bearer',
      expires_in: token.expiresIn,
      ext_expires_in: token.expiresIn,
      access_token: token.accessToken,
    },
  };
}

function readForm(req: IncomingMessage, body: Buffer): URLSearchParams {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams(body.toString('utf8'));
}

/** RFC 6749 §2.3.1: `Basic base64(urlencode(client_id):urlencode(client_secret))`. */
function basicCredentials(req: IncomingMessage): { clientId: string; clientSecret: string } | undefined {
  const encoded = /^Basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    clientId: formDecode(decoded.slice(0, colon)),
    clientSecret: formDecode(decoded.slice(colon + 1)),
  };
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
