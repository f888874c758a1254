import { createDbClient, type DbClient, ensureDatabase, migrateDatabase } from '@mlc/db';
import { env } from '../env';
import { logger } from './logger';

/**
 * Kept on `globalThis`, not in module scope: Next loads this module once per bundle
 * (instrumentation, each route) and again on every dev hot reload, and all of them must share
 * one pool.
 */
const store = globalThis as typeof globalThis & { __mlcPortalDb?: Promise<PortalDb> | undefined };

/** The pool and the URL it was opened with (the sync client's queue uses the same database). */
export type PortalDb = DbClient & { url: string };

/**
 * The process-wide database client, created on first use: resolves the database
 * (`DATABASE_URL`, else the embedded PostgreSQL), applies pending migrations once, then opens the
 * pool. A failure is not cached, so the next call (e.g. the next health check) tries again.
 */
export function getDb(): Promise<PortalDb> {
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

async function connect(): Promise<PortalDb> {
  const database = await ensureDatabase({ databaseUrl: env.DATABASE_URL, logger });
  await migrateDatabase(database.url, logger);
  return { ...createDbClient(database.url, { applicationName: 'ml-connector-portal' }), url: database.url };
}
