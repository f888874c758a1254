import { connectionsRouter } from './routers/connections';
import { recordsRouter } from './routers/records';
import { systemRouter } from './routers/system';
import { createTRPCRouter, workspaceProcedure } from './trpc';

/** The portal's API: one router per domain (see CONTRACT.md). */
export const appRouter = createTRPCRouter({
  system: systemRouter,
  /** The signed-in user and their workspace. */
  me: workspaceProcedure.query(({ ctx }) => ({
    user: { id: ctx.user.id, email: ctx.user.email, name: ctx.user.name },
    workspace: { id: ctx.workspace.id, name: ctx.workspace.name, role: ctx.workspace.role },
  })),
  connections: createTRPCRouter(connectionsRouter),
  records: createTRPCRouter(recordsRouter),
});

export type AppRouter = typeof appRouter;
