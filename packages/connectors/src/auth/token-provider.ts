import { createHash } from 'node:crypto';
import { ConfidentialClientApplication, type Configuration, LogLevel } from '@azure/msal-node';
import type { Logger } from '@mlc/logger';
import { type Clock, systemClock } from '../core/clock';
import { ConnectorError } from '../core/errors';
import type { AccessTokenSource, TokenRequestOptions } from '../http/client';
import { createHostGuard, type HostGuard } from '../http/guard';
import { authErrorFromMsal } from './errors';
import { createSandboxNetworkClient, type SandboxNetworkClient } from './network-client';
import { resourceScope } from './scope';

/**
 * Access tokens for the environments, from Entra ID with the client-credentials flow, through
 * `@azure/msal-node`.
 *
 * - One `ConfidentialClientApplication` per (authority, tenant, client id, secret), shared by every
 *   provider created with the same values: its token cache is shared too.
 * - One token per environment host (`https://{host}/.default`); reused until less than
 *   `refreshMarginMs` (5 minutes) is left, then renewed (`skipCache`). Concurrent callers of the
 *   same scope share one request, so there is at most one token request per host per lifetime. A
 *   caller whose token was refused (`forceRefresh`) shares only a request begun since the refusal:
 *   one begun before might bring a token issued before the host stopped accepting them.
 * - Sandbox: the authority is an https origin on 127.0.0.1 with its port listed in
 *   `knownAuthorities` (no instance discovery) and msal's network module on undici, trusting the
 *   sandbox CA for the sandbox origin only. Production: msal's own network client, system CAs.
 * - Tokens and secrets are never logged; msal errors become `auth_failed` (AADSTS code kept).
 */
export interface TokenProviderOptions {
  /** `https://login.microsoftonline.com` (or a sovereign login host), or the sandbox's Entra origin. */
  authorityHost: string;
  /** Directory (tenant) ID, or a verified domain of the tenant. */
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Sandbox mode: the authority is the sandbox's Entra, trusted with this CA. */
  sandbox?: { caPem: string };
  /** Checks the authority; default: production rules, plus the sandbox authority in sandbox mode. */
  guard?: HostGuard;
  logger?: Logger;
  clock?: Clock;
  /** Renew a token when less than this is left; default 5 minutes. */
  refreshMarginMs?: number;
}

export interface AccessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresOn: number;
  scope: string;
}

export interface TokenProvider extends AccessTokenSource {
  getToken(resource: string, options?: TokenRequestOptions): Promise<AccessToken>;
  /** Token requests this provider's application has sent to Entra ID (for tests and diagnostics). */
  readonly tokenRequests: number;
}

interface SharedApplication {
  app: ConfidentialClientApplication;
  /** Per scope, the newest token and when the request that brought it began. */
  tokens: Map<string, AccessToken & { requestedAt: number }>;
  /** Per scope, the token request under way and when it began (epoch ms). */
  inflight: Map<string, { promise: Promise<AccessToken>; startedAt: number }>;
  network: SandboxNetworkClient | undefined;
  requests: number;
}

const applications = new Map<string, SharedApplication>();

const TENANT =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)$/i;

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const clock = options.clock ?? systemClock;
  const refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
  if (!TENANT.test(options.tenantId)) {
    throw new ConnectorError('invalid_config', `"${options.tenantId}" is not a tenant id.`, {
      remedy: 'Use the Directory (tenant) ID shown in Entra ID > App registrations > your app > Overview.',
    });
  }
  if (!options.clientId || !options.clientSecret) {
    throw new ConnectorError('invalid_config', 'The client id and the client secret are both required.', {
      remedy: 'Copy the Application (client) ID and a client secret value from Entra ID > App registrations.',
    });
  }
  const authorityOrigin = authorityOriginOf(options.authorityHost);
  const guard =
    options.guard ??
    createHostGuard(
      options.sandbox ? { sandbox: { origins: [authorityOrigin], caPem: options.sandbox.caPem } } : {},
    );
  guard.check(options.authorityHost.includes('://') ? options.authorityHost : authorityOrigin, 'authority');
  const authority = guard.check(`${authorityOrigin}/${options.tenantId}`, 'authority');
  const sandbox = guard.isSandboxOrigin(authority.origin);
  if (sandbox && !options.sandbox) {
    throw new ConnectorError(
      'invalid_config',
      `The sandbox authority ${authority.origin} needs the sandbox CA.`,
      {
        remedy: 'Pass sandbox: { caPem } with the CA certificate the sandbox wrote.',
      },
    );
  }

  const key = [
    authority.href.toLowerCase(),
    options.clientId.toLowerCase(),
    createHash('sha256').update(options.clientSecret).digest('hex'),
    sandbox
      ? createHash('sha256')
          .update(options.sandbox?.caPem ?? '')
          .digest('hex')
      : 'system-ca',
  ].join('|');
  let shared = applications.get(key);
  if (!shared) {
    const network =
      sandbox && options.sandbox
        ? createSandboxNetworkClient({ caPem: options.sandbox.caPem, allowedOrigins: [authority.origin] })
        : undefined;
    const logger = options.logger;
    const configuration: Configuration = {
      auth: {
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        authority: authority.href,
        ...(sandbox ? { knownAuthorities: [authority.host] } : {}),
      },
      system: {
        ...(network ? { networkClient: network } : {}),
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (_level, message) => logger?.debug({ component: 'msal' }, message),
        },
      },
    };
    shared = {
      app: new ConfidentialClientApplication(configuration),
      tokens: new Map(),
      inflight: new Map(),
      network,
      requests: 0,
    };
    applications.set(key, shared);
  }
  const app = shared;
  const facts = { tenantId: options.tenantId, clientId: options.clientId };

  async function acquire(scope: string, skipCache: boolean, requestedAt: number): Promise<AccessToken> {
    app.requests++;
    let result: Awaited<ReturnType<ConfidentialClientApplication['acquireTokenByClientCredential']>>;
    try {
      result = await app.app.acquireTokenByClientCredential({ scopes: [scope], skipCache });
    } catch (error) {
      throw authErrorFromMsal(error, { ...facts, scope });
    }
    if (!result?.accessToken) {
      throw new ConnectorError('auth_failed', `Entra ID returned no access token for ${scope}.`);
    }
    const token: AccessToken = {
      token: result.accessToken,
      expiresOn: result.expiresOn ? result.expiresOn.getTime() : clock.now(),
      scope,
    };
    // A request begun earlier that ends later does not replace a newer token.
    const stored = app.tokens.get(scope);
    if (!stored || stored.requestedAt <= requestedAt) app.tokens.set(scope, { ...token, requestedAt });
    options.logger?.debug(
      { component: 'auth', scope, expiresOn: new Date(token.expiresOn).toISOString() },
      'access token acquired',
    );
    return token;
  }

  return {
    async getToken(resource, getOptions = {}) {
      const scope = resourceScope(resource);
      const cached = app.tokens.get(scope);
      const fresh = cached !== undefined && cached.expiresOn - clock.now() > refreshMarginMs;
      if (fresh && !getOptions.forceRefresh)
        return { token: cached.token, expiresOn: cached.expiresOn, scope };
      const now = clock.now();
      const pending = app.inflight.get(scope);
      const since = getOptions.forceRefresh ? (getOptions.rejectedAt ?? now) : undefined;
      if (pending && (since === undefined || pending.startedAt >= since)) return pending.promise;
      const entry: { promise: Promise<AccessToken>; startedAt: number } = {
        startedAt: now,
        promise: acquire(scope, getOptions.forceRefresh === true || cached !== undefined, now).finally(() => {
          if (app.inflight.get(scope) === entry) app.inflight.delete(scope);
        }),
      };
      app.inflight.set(scope, entry);
      return entry.promise;
    },
    get tokenRequests() {
      return app.requests;
    },
  };
}

function authorityOriginOf(authorityHost: string): string {
  try {
    const url = new URL(authorityHost.includes('://') ? authorityHost : `https://${authorityHost}`);
    return url.origin;
  } catch {
    throw new ConnectorError('invalid_config', `"${authorityHost}" is not an authority host.`, {
      remedy: 'Use https://login.microsoftonline.com (or the login host of your sovereign cloud).',
    });
  }
}
