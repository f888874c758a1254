import type pg from 'pg';

/**
 * Runs `work` while holding a session-level Postgres advisory lock, so processes that start together
 * (several workers on one database) do one-time set-up one after the other instead of racing.
 */
export async function withAdvisoryLock<T>(pool: pg.Pool, key: bigint, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [key.toString()]);
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [key.toString()]);
    }
  } finally {
    client.release();
  }
}
