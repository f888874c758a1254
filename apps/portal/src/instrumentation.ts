/**
 * Runs once when a Next.js server starts, before it answers requests: connects to the database and
 * applies pending migrations. A database that is down does not stop the server: `/api/health`
 * reports it and the next request that needs the database tries again.
 */
export async function register(): Promise<void> {
  // biome-ignore lint/style/noProcessEnv: Next replaces this exact expression per runtime at build time, which keeps the database code out of the edge bundle; a helper in env.ts would not.
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const [{ getDb }, { logger }] = await Promise.all([import('./server/db'), import('./server/logger')]);
  try {
    await getDb();
    logger.info('database ready');
  } catch (error) {
    logger.error({ err: error }, 'database unavailable at start-up; /api/health reports it until it is back');
  }
}
