import type { DbClient } from '@mlc/db';
import type { Logger } from '@mlc/logger';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { CORRELATION_HEADER } from '../correlation';
import { checkMutationRequest } from '../csrf';
import type { PortalServices } from '../services';
import { appRouter } from './root';
import { createTRPCContext } from './trpc';

/** What `/api/trpc` needs: the route passes the process's, tests and the soak their own. */
export interface TrpcHttpDeps {
  publicUrl: string;
  getDb: () => Promise<DbClient>;
  getServices: () => Promise<PortalServices>;
  logger: Logger;
}

/** `/api/trpc/*` over the Fetch API: CSRF check, then tRPC's fetch adapter. */
export function handleTrpcRequest(request: Request, deps: TrpcHttpDeps): Promise<Response> {
  const refused = checkMutationRequest(request, deps.publicUrl);
  if (refused) return Promise.resolve(refused);
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: appRouter,
    createContext: () =>
      createTRPCContext({
        headers: request.headers,
        getDb: deps.getDb,
        logger: deps.logger,
        getServices: deps.getServices,
      }),
    responseMeta: ({ ctx }) =>
      ctx
        ? { headers: new Headers({ [CORRELATION_HEADER]: ctx.correlationId, 'cache-control': 'no-store' }) }
        : {},
    onError: ({ error, path, ctx }) => {
      if (error.code !== 'INTERNAL_SERVER_ERROR') return;
      (ctx?.logger ?? deps.logger).error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
    },
  });
}
