import type { DbClient } from '@mlc/db';

type Pool = DbClient['pool'];

/**
 * Session advisory locks on one dedicated connection for the length of a run. Postgres releases
 * them when the connection ends, so a worker killed mid-run (SIGKILL) never leaves a lock behind:
 * that is what lets another worker take the record over at once. Keys are texts hashed by
 * Postgres (`hashtextextended`); a collision only serialises two unrelated runs.
 */
export interface RunLocks {
  /** Waits until the lock of `key` is free, then holds it until `unlock` or `release`. */
  lock(key: string): Promise<void>;
  /** Takes the lock of `key` only when it is free at once; `false` when another session holds it. */
  tryLock(key: string): Promise<boolean>;
  /** Gives one lock back before the run ends (no-op when not held). */
  unlock(key: string): Promise<void>;
  release(): Promise<void>;
}

export async function openRunLocks(pool: Pool): Promise<RunLocks> {
  const client = await pool.connect();
  const held = new Set<string>();
  let released = false;
  return {
    async lock(key) {
      if (held.has(key)) return;
      await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [key]);
      held.add(key);
    },
    async tryLock(key) {
      if (held.has(key)) return true;
      const { rows } = await client.query<{ got: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as got',
        [key],
      );
      if (rows[0]?.got !== true) return false;
      held.add(key);
      return true;
    },
    async unlock(key) {
      if (!held.has(key)) return;
      await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      held.delete(key);
    },
    async release() {
      if (released) return;
      released = true;
      try {
        if (held.size > 0) await client.query('select pg_advisory_unlock_all()');
        client.release();
      } catch (error) {
        client.release(error instanceof Error ? error : true);
      }
    },
  };
}

/** True when no session holds the lock of `key` (its holder finished, or died with its connection). */
export async function isUnlocked(pool: Pool, key: string): Promise<boolean> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ got: boolean }>(
      'select pg_try_advisory_lock(hashtextextended($1, 0)) as got',
      [key],
    );
    if (rows[0]?.got) await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]);
    return rows[0]?.got === true;
  } finally {
    client.release();
  }
}
