import { createDbClient, type DbClient, ensureDatabase, migrateDatabase } from '@mlc/db';
import { env } from '../env';
import { logger } from './logger';

/**
 * Kept on `globalThis`, not in module scope: Next loads this module once per bundle
 * (instrumentation, each route) and again on every dev hot reload, and all of them must share
 * one pool.
 */
const store = globalThis as typeof globalThis & { __mlcPortalDb?: Promise<DbClient> | undefined };

/**
 * The process-wide database client, created on first use: resolves the database
 * (`DATABASE_URL`, else the embedded PostgreSQL), applies pending migrations once, then opens the
 * pool. A failure is not cached, so the next call (e.g. the next health check) tries again.
 */
export function getDb(): Promise<DbClient> {
  store.__mlcPortalDb ??= connect().catch((error: unknown) => {
    store.__mlcPortalDb = undefined;
    throw error;
  });
  return store.__mlcPortalDb;
}

/** Closes the pool if one was opened; the next `getDb()` opens a new one. */
export async function closeDb(): Promise<void> {
  const pending = store.__mlcPortalDb;
  store.__mlcPortalDb = undefined;
  if (!pending) return;
  const client = await pending.catch(() => undefined);
  await client?.close();
}

async function connect(): Promise<DbClient> {
  const database = await ensureDatabase({ databaseUrl: env.DATABASE_URL, logger });
  await migrateDatabase(database.url, logger);
  return createDbClient(database.url, { applicationName: 'ml-connector-portal' });
}
