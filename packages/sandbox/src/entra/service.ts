import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONWebKeySet } from 'jose';
import type { RequestContext, SimulatorService } from '../core/contracts';
import type { ServiceDirectory } from '../host/directory';
import { FaultStore } from '../host/faults';
import { sandboxError, sendJson } from '../host/http';
import { AppRegistry, type EntraApp } from './apps';
import { instanceDiscovery, jsonWebKeySet, openIdConfiguration } from './discovery';
import { type AadError, aad, aadErrorBody, NO_STORE_HEADERS } from './errors';
import { loadOrCreateSigningKey } from './keys';
import { exchangeClientCredentials } from './token-endpoint';

export interface EntraService extends SimulatorService {
  readonly name: 'entra';
  readonly tenantId: string;
  /** Every app registration, the misconfigured one included. */
  apps(): readonly EntraApp[];
  /** The app the product uses (`ml-connector`). */
  mainApp(): EntraApp;
  findApp(clientId: string): EntraApp | undefined;
  /** Public signing keys, for `createTokenVerifier`. */
  jwks(): JSONWebKeySet;
}

export interface EntraServiceOptions {
  stateDir: string;
  /** The host's fault store: token lifetime and token-expiry faults. */
  faults?: FaultStore;
  /**
   * The host's service directory: tokens are issued only for the simulators it lists (as Entra
   * refuses unknown resources). Without it any https resource is accepted.
   */
  directory?: ServiceDirectory;
  now?: () => number;
}

const MULTI_TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);

/** The Entra ID simulator: discovery, JWKS and the client-credentials token endpoint. */
export async function createEntraService(options: EntraServiceOptions): Promise<EntraService> {
  const apps = await AppRegistry.open(options.stateDir);
  const key = await loadOrCreateSigningKey(options.stateDir);
  const faults = options.faults ?? new FaultStore();
  const now = options.now ?? Date.now;
  const { directory } = options;

  const resolveResource = (resource: string) => {
    if (!directory) return resource.startsWith('https://') ? { service: undefined } : undefined;
    const service = directory.serviceAt(resource);
    return service && service !== 'entra' ? { service } : undefined;
  };

  /** `{ pathTenant, issuerTenant }` for a tenant segment, or undefined when it is not ours. */
  const tenantOf = (segment: string) => {
    if (segment.toLowerCase() === apps.tenantId.toLowerCase()) {
      return { pathTenant: apps.tenantId, issuerTenant: apps.tenantId };
    }
    if (MULTI_TENANT_ALIASES.has(segment.toLowerCase())) {
      return { pathTenant: segment.toLowerCase(), issuerTenant: '{tenantid}' };
    }
    return undefined;
  };

  const sendAadError = (res: ServerResponse, ctx: RequestContext, req: IncomingMessage, error: AadError) => {
    const body = aadErrorBody(error, { origin: ctx.origin, correlationId: correlationIdOf(req) });
    sendJson(res, error.status, body, { ...NO_STORE_HEADERS, ...echoHeaders(req, body.trace_id) });
  };

  return {
    name: 'entra',
    tenantId: apps.tenantId,
    apps: () => apps.list(),
    mainApp: () => apps.main(),
    findApp: (clientId) => apps.find(clientId),
    jwks: () => ({ keys: [key.publicJwk] }),

    async handle(req, body, res, ctx) {
      const url = new URL(req.url ?? '/', ctx.origin);
      const segments = url.pathname.split('/').filter((segment) => segment.length > 0);
      const method = req.method ?? 'GET';
      const [first = '', ...rest] = segments;
      const route = rest.join('/');

      if (first === 'common' && route === 'discovery/instance' && method === 'GET') {
        ctx.entitySet = 'instance-discovery';
        const tenant = tenantInAuthorizationEndpoint(
          url.searchParams.get('authorization_endpoint'),
          ctx.origin,
        );
        if (!tenant) return sendAadError(res, ctx, req, aad.unknownInstance());
        return sendJson(res, 200, instanceDiscovery(ctx.origin, tenant), NO_STORE_HEADERS);
      }

      if (route === 'v2.0/.well-known/openid-configuration' && method === 'GET') {
        ctx.entitySet = 'openid-configuration';
        const tenant = tenantOf(first);
        if (!tenant) return sendAadError(res, ctx, req, aad.tenantNotFound(first, 'invalid_tenant'));
        return sendJson(res, 200, openIdConfiguration(ctx.origin, tenant.pathTenant, tenant.issuerTenant));
      }

      if ((route === 'discovery/v2.0/keys' || route === 'discovery/keys') && method === 'GET') {
        ctx.entitySet = 'keys';
        const tenant = tenantOf(first);
        if (!tenant) return sendAadError(res, ctx, req, aad.tenantNotFound(first, 'invalid_tenant'));
        return sendJson(res, 200, jsonWebKeySet(key, ctx.origin, tenant.issuerTenant));
      }

      if (route === 'oauth2/v2.0/token') {
        ctx.entitySet = 'token';
        if (method !== 'POST') return sendAadError(res, ctx, req, aad.postOnly(method));
        const outcome = await exchangeClientCredentials(first, req, body, {
          apps,
          key,
          faults,
          resolveResource,
          now,
        });
        if (outcome.app) ctx.clientId = outcome.app.clientId;
        if (!outcome.ok) {
          ctx.logger.info(
            { clientId: ctx.clientId, error: outcome.error.error, aadsts: outcome.error.code },
            'token request refused',
          );
          return sendAadError(res, ctx, req, outcome.error);
        }
        ctx.logger.debug({ clientId: ctx.clientId }, 'token issued');
        return sendJson(res, 200, outcome.body, {
          ...NO_STORE_HEADERS,
          ...echoHeaders(req, randomUUID()),
        });
      }

      if (first === 'error' && rest.length === 0 && method === 'GET') {
        const code = url.searchParams.get('code') ?? '';
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(
          `AADSTS${code.replace(/\D/g, '')}: an error of the ml-connector sandbox's Entra ID simulator; the real description is at https://login.microsoftonline.com/error?code=${encodeURIComponent(code)}\n`,
        );
        return;
      }

      sendJson(
        res,
        404,
        sandboxError('not_found', `the Entra ID simulator has no ${method} ${url.pathname}`),
      );
    },

    async control(path, req, _body, res) {
      if (path !== '/_sandbox/apps') return false;
      if (req.method !== 'GET') {
        sendJson(res, 405, sandboxError('method_not_allowed', `${req.method ?? ''} ${path}: use GET`), {
          Allow: 'GET',
        });
        return true;
      }
      sendJson(res, 200, {
        tenantId: apps.tenantId,
        tenantDisplayName: apps.tenantDisplayName,
        apps: apps.list(),
      });
      return true;
    },

    // App registrations and the signing key are identity, not data: they survive a reset.
    async reset() {},
    async flush() {},
    async close() {},
  };
}

/** The tenant segment of `https://<sandbox host>/<tenant>/oauth2/v2.0/authorize`, if it is ours. */
function tenantInAuthorizationEndpoint(value: string | null, origin: string): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' || url.host.toLowerCase() !== new URL(origin).host.toLowerCase())
      return undefined;
    return url.pathname.split('/').find((segment) => segment.length > 0);
  } catch {
    return undefined;
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** msal sends `client-request-id` (query and header); Entra echoes it as the correlation id. */
function correlationIdOf(req: IncomingMessage): string | undefined {
  const fromQuery = new URL(req.url ?? '/', 'https://sandbox.invalid').searchParams.get('client-request-id');
  const fromHeader = req.headers['client-request-id'];
  const value = fromQuery ?? (typeof fromHeader === 'string' ? fromHeader : undefined);
  return value && GUID.test(value) ? value : undefined;
}

function echoHeaders(req: IncomingMessage, traceId: string): Record<string, string> {
  const correlationId = correlationIdOf(req);
  return { 'x-ms-request-id': traceId, ...(correlationId ? { 'client-request-id': correlationId } : {}) };
}
