/**
 * tRPC set-up of the portal: the request context, the procedure builders and the error shape.
 * Routers live in `routers/<domain>.ts` and are assembled in `root.ts`.
 */
import { asc, type DbClient, eq, schema } from '@mlc/db';
import { type Logger, withContext } from '@mlc/logger';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError, z } from 'zod';
import { correlationIdFrom } from '../correlation';
import type { PortalServices } from '../services';
import { findNul, nulMessage } from '../unstorable';

export interface CreateContextOptions {
  headers: Headers;
  /** Resolves the database; called by the procedures that need it, so a database outage fails
   *  only those (the health procedure reports it instead). */
  getDb: () => Promise<DbClient>;
  logger: Logger;
  /** Auth, vault, sync client; the route passes the process's services, tests their own. */
  getServices?: () => Promise<PortalServices>;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

export function createTRPCContext(options: CreateContextOptions) {
  const correlationId = correlationIdFrom(options.headers);
  const getServices =
    options.getServices ?? (() => Promise.reject(new Error('the portal services are not configured')));
  let session: Promise<SessionUser | null> | undefined;
  return {
    headers: options.headers,
    getDb: options.getDb,
    getServices,
    correlationId,
    logger: withContext(options.logger, { correlationId }),
    /** The signed-in user from the session cookie, resolved once per request. */
    session(): Promise<SessionUser | null> {
      session ??= getServices()
        .then((services) => services.auth.api.getSession({ headers: options.headers }))
        .then((found) =>
          found ? { id: found.user.id, email: found.user.email, name: found.user.name ?? '' } : null,
        );
      return session;
    },
  };
}

export type TRPCContext = ReturnType<typeof createTRPCContext>;

/** Zod issues in words, one per field: `settings.legalEntities.default: expected string`. */
function describeIssues(error: ZodError): string {
  const lines = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return `Invalid input: ${lines.join('; ')}${more}.`;
}

const t = initTRPC.context<TRPCContext>().create({
  // Input validation errors carry their field errors, so forms can show them next to the field.
  // Unexpected errors answer a generic message (the cause is logged with the correlation id):
  // a driver's message may quote row values. No stack traces leave the server.
  errorFormatter: ({ shape, error }) => {
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      message:
        error.code === 'INTERNAL_SERVER_ERROR'
          ? 'Something went wrong on our side; the log has the details (see x-correlation-id).'
          : error.cause instanceof ZodError
            ? describeIssues(error.cause)
            : shape.message,
      data: {
        ...data,
        zodError: error.cause instanceof ZodError ? z.flattenError(error.cause) : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;

/**
 * A procedure anyone may call. Inputs carrying U+0000 are refused before validation, naming the
 * field: PostgreSQL cannot store it, and the query would fail with a 500.
 */
export const publicProcedure = t.procedure.use(async ({ getRawInput, next }) => {
  const nul = findNul(await getRawInput().catch(() => undefined));
  if (nul) throw new TRPCError({ code: 'BAD_REQUEST', message: nulMessage(nul) });
  return next();
});

export interface WorkspaceContext {
  id: string;
  name: string;
  role: 'owner' | 'member';
}

/**
 * A procedure for the signed-in user inside their workspace: the one place that resolves the
 * session and the membership. Procedures scope every query by `ctx.workspace.id`; an id of another
 * workspace answers NOT_FOUND (see `scope.ts`).
 */
export const workspaceProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const user = await ctx.session();
  if (!user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  const services = await ctx.getServices();
  const [membership] = await services.db.db
    .select({
      id: schema.workspaces.id,
      name: schema.workspaces.name,
      role: schema.workspaceMembers.role,
    })
    .from(schema.workspaceMembers)
    .innerJoin(schema.workspaces, eq(schema.workspaces.id, schema.workspaceMembers.workspaceId))
    .where(eq(schema.workspaceMembers.userId, user.id))
    .orderBy(asc(schema.workspaceMembers.createdAt), asc(schema.workspaces.id))
    .limit(1);
  if (!membership) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Your account belongs to no workspace.' });
  }
  const workspace: WorkspaceContext = membership;
  return next({
    ctx: {
      services,
      user,
      workspace,
      logger: withContext(ctx.logger, { userId: user.id, workspaceId: workspace.id }),
    },
  });
});

export type WorkspaceProcedureContext = TRPCContext & {
  services: PortalServices;
  user: SessionUser;
  workspace: WorkspaceContext;
};
