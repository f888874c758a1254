import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index';

export type Database = NodePgDatabase<typeof schema>;

export interface DbClient {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface CreateDbClientOptions {
  /** Connections kept open; defaults to 10. */
  max?: number;
  /** Shown in pg_stat_activity so an admin can tell our processes apart. */
  applicationName?: string;
}

export function createDbClient(url: string, options: CreateDbClientOptions = {}): DbClient {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'ml-connector',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server (restart, failover) must not crash the process;
  // the next query gets a fresh connection.
  pool.on('error', () => undefined);
  // A checked-out client (a run's lock session, a transaction) that loses its server emits 'error'
  // on itself; without a listener that ends the process. Its pending query rejects anyway.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = drizzle({ client: pool, schema });
  return {
    db,
    pool,
    close: () => pool.end(),
  };
}

export interface DatabaseHealth {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** A `select 1` round trip with a short timeout, for health endpoints. Never throws. */
export async function pingDatabase(pool: pg.Pool, timeoutMs = 3_000): Promise<DatabaseHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pool.query('select 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: describeError(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** pg reports a refused connection as an AggregateError with an empty message: name the causes. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeError).join('; ');
  }
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
