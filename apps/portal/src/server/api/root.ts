import { systemRouter } from './routers/system';
import { createTRPCRouter } from './trpc';

/** The portal's API: one router per domain. */
export const appRouter = createTRPCRouter({
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
