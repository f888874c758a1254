import type { TRPCRouterRecord } from '@trpc/server';
import { checkHealth } from '../../health';
import { publicProcedure } from '../trpc';

export const systemRouter = {
  /** The same report as `GET /api/health`. */
  health: publicProcedure.query(({ ctx }) => checkHealth(ctx.getDb)),
} satisfies TRPCRouterRecord;
