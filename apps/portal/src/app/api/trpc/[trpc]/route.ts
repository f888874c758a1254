import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '../../../../server/api/root';
import { createTRPCContext } from '../../../../server/api/trpc';
import { CORRELATION_HEADER } from '../../../../server/correlation';
import { getDb } from '../../../../server/db';
import { logger } from '../../../../server/logger';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

function handler(request: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: request.headers, getDb, logger }),
    responseMeta: ({ ctx }) =>
      ctx ? { headers: new Headers({ [CORRELATION_HEADER]: ctx.correlationId }) } : {},
    onError: ({ error, path, ctx }) => {
      if (error.code !== 'INTERNAL_SERVER_ERROR') return;
      (ctx?.logger ?? logger).error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
    },
  });
}

export { handler as GET, handler as POST };
