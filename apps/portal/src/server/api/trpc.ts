/**
 * tRPC set-up of the portal: the request context, the procedure builders and the error shape.
 * Routers live in `routers/<domain>.ts` and are assembled in `root.ts`.
 */
import type { DbClient } from '@mlc/db';
import { type Logger, withContext } from '@mlc/logger';
import { initTRPC } from '@trpc/server';
import { ZodError, z } from 'zod';
import { correlationIdFrom } from '../correlation';

export interface CreateContextOptions {
  headers: Headers;
  /** Resolves the database; called by the procedures that need it, so a database outage fails
   *  only those (the health procedure reports it instead). */
  getDb: () => Promise<DbClient>;
  logger: Logger;
}

export function createTRPCContext(options: CreateContextOptions) {
  const correlationId = correlationIdFrom(options.headers);
  return {
    headers: options.headers,
    getDb: options.getDb,
    correlationId,
    logger: withContext(options.logger, { correlationId }),
  };
}

export type TRPCContext = ReturnType<typeof createTRPCContext>;

const t = initTRPC.context<TRPCContext>().create({
  // Input validation errors carry their field errors, so forms can show them next to the field.
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    data: {
      ...shape.data,
      zodError: error.cause instanceof ZodError ? z.flattenError(error.cause) : null,
    },
  }),
});

export const createTRPCRouter = t.router;

/** A procedure anyone may call. */
export const publicProcedure = t.procedure;
