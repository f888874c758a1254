import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { env } from '../../../../env';
import { appRouter } from '../../../../server/api/root';
import { createTRPCContext } from '../../../../server/api/trpc';
import { CORRELATION_HEADER } from '../../../../server/correlation';
import { checkMutationRequest } from '../../../../server/csrf';
import { getDb } from '../../../../server/db';
import { logger } from '../../../../server/logger';
import { getServices } from '../../../../server/services';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

function handler(request: Request): Promise<Response> {
  const refused = checkMutationRequest(request, env.PUBLIC_URL);
  if (refused) return Promise.resolve(refused);
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: request.headers, getDb, logger, getServices }),
    responseMeta: ({ ctx }) =>
      ctx
        ? { headers: new Headers({ [CORRELATION_HEADER]: ctx.correlationId, 'cache-control': 'no-store' }) }
        : {},
    onError: ({ error, path, ctx }) => {
      if (error.code !== 'INTERNAL_SERVER_ERROR') return;
      (ctx?.logger ?? logger).error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
    },
  });
}

export { handler as GET, handler as POST };
