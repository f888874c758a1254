import type { Logger } from '@mlc/logger';
import { createTokenProvider } from '../auth/token-provider';
import type { Clock } from '../core/clock';
import { ConnectorError } from '../core/errors';
import type { BudgetRegistry } from './budget';
import { createHttpClient, type HttpClient, type HttpClientOptions, type HttpTimeouts } from './client';
import { createHostGuard } from './guard';
import type { RetryPolicy } from './retry';

/** What every Microsoft environment connection has: its URL and the Entra app that calls it. */
export interface EnvironmentConnection {
  url: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Sandbox mode: the environment and the authority are trusted with this CA, and only they. */
  sandbox?: { caPem: string } | undefined;
}

export interface ConnectionHttpOptions {
  logger: Logger;
  clock?: Clock;
  /** Share one registry between the clients of a connection to share its host budget. */
  budgets?: BudgetRegistry;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<HttpTimeouts>;
  /** See `HttpClientOptions.onRequest`. */
  onRequest?: HttpClientOptions['onRequest'];
}

/**
 * The HTTP client for one environment (`ctx.http`): the host guard (production Microsoft hosts
 * only, or the two exact sandbox origins trusted with the sandbox CA), msal-node tokens for the
 * environment host, and the shared retry/budget/cold-start behaviour of `createHttpClient`.
 */
export function createConnectionHttpClient(
  connection: EnvironmentConnection,
  options: ConnectionHttpOptions,
): HttpClient {
  const guard = createHostGuard(
    connection.sandbox
      ? {
          sandbox: {
            origins: [connection.url, originOf(connection.authorityHost)],
            caPem: connection.sandbox.caPem,
          },
        }
      : {},
  );
  const tokens = createTokenProvider({
    authorityHost: connection.authorityHost,
    tenantId: connection.tenantId,
    clientId: connection.clientId,
    clientSecret: connection.clientSecret,
    guard,
    logger: options.logger,
    ...(connection.sandbox ? { sandbox: { caPem: connection.sandbox.caPem } } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return createHttpClient({
    guard,
    logger: options.logger,
    tokens,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.budgets ? { budgets: options.budgets } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch (error) {
    throw new ConnectorError('invalid_config', `"${url}" is not a URL.`, { cause: error });
  }
}
