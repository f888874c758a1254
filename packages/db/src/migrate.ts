import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@mlc/logger';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/** Arbitrary constant shared by every process of the product: "mlc migrate" as a 64-bit key. */
export const MIGRATION_LOCK_KEY = 0x6d6c636d6967n;

const JOURNAL = path.join('meta', '_journal.json');

/**
 * The committed SQL migrations. Found next to this module; when a bundler moved the module (the
 * portal's server build), found by walking up from the working directory to `packages/db/drizzle`.
 */
export function migrationsFolder(): string {
  // Built from the module's path rather than `new URL('../drizzle', import.meta.url)`, which
  // bundlers take for an asset to include.
  const beside = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'drizzle');
  if (existsSync(path.join(beside, JOURNAL))) return beside;
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'packages', 'db', 'drizzle');
    if (existsSync(path.join(candidate, JOURNAL))) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`SQL migrations not found (looked in ${beside} and above ${process.cwd()})`);
}

export interface MigrateResult {
  /** Migrations this call applied (0 when the database was already current). */
  applied: number;
  /** Migrations recorded in the database after the call. */
  total: number;
  durationMs: number;
}

/**
 * Applies the committed migrations. Safe to call from every process at start-up: a session-level
 * advisory lock serialises concurrent callers, and already-applied migrations are skipped.
 */
export async function migrateDatabase(url: string, logger?: Logger): Promise<MigrateResult> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url, application_name: 'ml-connector-migrate' });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      const before = await countApplied(client);
      await migrate(drizzle({ client }), { migrationsFolder: migrationsFolder() });
      const total = await countApplied(client);
      const result = { applied: total - before, total, durationMs: Math.round(performance.now() - started) };
      logger?.info(result, result.applied > 0 ? 'database migrated' : 'database schema is current');
      return result;
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    await client.end();
  }
}

async function countApplied(client: pg.Client): Promise<number> {
  const exists = await client.query<{ present: boolean }>(
    "select to_regclass('drizzle.__drizzle_migrations') is not null as present",
  );
  if (!exists.rows[0]?.present) return 0;
  const rows = await client.query<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations');
  return Number(rows.rows[0]?.n ?? 0);
}
