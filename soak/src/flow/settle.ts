/**
 * Waiting for the sync to finish: every CRM order has a record in a final state (synced, failed,
 * skipped), no record of the connection is running or waiting, and no sync job is queued or
 * retrying, for a few seconds in a row. Jobs left "active" by a killed worker are not waited for
 * (the queue expires them later; the sweeper has already re-run their records).
 */
import { type BenchHarness, sleep } from '@mlc/bench';

export interface Settled {
  settled: boolean;
  waitedMs: number;
  /** Records of the orders by status. */
  statuses: Record<string, number>;
  /** Orders with no record at all. */
  withoutRecord: number;
  /** Jobs still marked active (a killed worker's, until the queue expires them). */
  orphanedActiveJobs: number;
}

async function snapshot(h: BenchHarness, ids: readonly string[]) {
  const records = await h.db.pool.query<{ status: string; n: number }>(
    `select status, count(*)::int as n from sync_records
      where connection_id = $1 and entity = 'salesorder' and source_id = any($2) group by status`,
    [h.connectionId, ids],
  );
  const busy = await h.db.pool.query<{ n: number }>(
    `select count(*)::int as n from sync_records where connection_id = $1 and status in ('running', 'pending')`,
    [h.connectionId],
  );
  const jobs = await h.db.pool.query<{ state: string; n: number }>(
    `select state::text, count(*)::int as n from pgboss.job
      where name in ('sync.record', 'inbox.process') and state in ('created', 'retry', 'active') group by state`,
  );
  const statuses = Object.fromEntries(records.rows.map((row) => [row.status, row.n]));
  const withRecord = records.rows.reduce((sum, row) => sum + row.n, 0);
  const job = (state: string) => jobs.rows.find((row) => row.state === state)?.n ?? 0;
  const final = (statuses['synced'] ?? 0) + (statuses['failed'] ?? 0) + (statuses['skipped'] ?? 0);
  return {
    statuses,
    withoutRecord: ids.length - withRecord,
    quiet: final === ids.length && (busy.rows[0]?.n ?? 0) === 0 && job('created') + job('retry') === 0,
    active: job('active'),
  };
}

export async function waitForSettled(
  h: BenchHarness,
  ids: readonly string[],
  timeoutMs: number,
  quietMs = 3_000,
): Promise<Settled> {
  const started = Date.now();
  let quietSince: number | undefined;
  for (;;) {
    const now = await snapshot(h, ids);
    if (now.quiet) quietSince ??= Date.now();
    else quietSince = undefined;
    const settled = quietSince !== undefined && Date.now() - quietSince >= quietMs;
    if (settled || Date.now() - started > timeoutMs) {
      return {
        settled,
        waitedMs: Date.now() - started,
        statuses: now.statuses,
        withoutRecord: now.withoutRecord,
        orphanedActiveJobs: now.active,
      };
    }
    await sleep(500);
  }
}
