/**
 * "Postgres restarted", without stopping the shared server: every backend of the scenario's
 * scratch database is terminated at once (`pg_terminate_backend`), but the one asking. Every
 * process loses every connection, as when the server restarts; the server itself keeps running.
 */
import type { BenchHarness } from '@mlc/bench';

export async function terminateEveryBackend(h: BenchHarness): Promise<number> {
  const { rows } = await h.db.pool.query<{ terminated: number }>(
    `select count(*) filter (where pg_terminate_backend(pid))::int as terminated
       from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
  );
  return rows[0]?.terminated ?? 0;
}
