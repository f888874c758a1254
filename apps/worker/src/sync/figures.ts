import type { DbClient } from '@mlc/db';

/**
 * The figures the portal's dashboard shows for a connection, computed from the sync records, their
 * audit trails and the queue:
 * - lag from the CRM change (the source row's `modifiedon`, as read) to the F&O commit (when the
 *   record was marked synced), p50/p95/max over the window, Sales → F&O only;
 * - throughput: records synced per minute over the window, per direction;
 * - queue depth: jobs of the connection waiting or running; records pending; failures.
 */
export interface ConnectionFigures {
  windowMinutes: number;
  lagSeconds: { p50: number | null; p95: number | null; max: number | null; samples: number };
  syncedPerMinute: { salesToFno: number; fnoToSales: number };
  records: { pending: number; running: number; synced: number; failed: number; skipped: number };
  queue: { waiting: number; active: number };
}

export async function connectionFigures(
  db: DbClient,
  connectionId: string,
  windowMinutes = 60,
): Promise<ConnectionFigures> {
  const lag = await db.pool.query<{
    p50: number | null;
    p95: number | null;
    max: number | null;
    samples: number;
  }>(
    `with runs as (
       select extract(epoch from (r.synced_at - (e.output->>'modifiedon')::timestamptz)) as lag
         from sync_records r
         join lateral (
           select output from record_events e
            where e.record_id = r.id and e.stage = 'read' and e.outcome = 'ok' and e.output ? 'modifiedon'
            order by e.seq desc limit 1) e on true
        where r.connection_id = $1 and r.direction = 'sales_to_fno' and r.status = 'synced'
          and r.synced_at > now() - make_interval(mins => $2))
     select percentile_cont(0.5) within group (order by lag) as p50,
            percentile_cont(0.95) within group (order by lag) as p95,
            max(lag) as max, count(*)::int as samples
       from runs where lag >= 0`,
    [connectionId, windowMinutes],
  );
  const throughput = await db.pool.query<{ direction: string; n: number }>(
    `select direction, count(*)::int as n from sync_records
      where connection_id = $1 and status = 'synced' and synced_at > now() - make_interval(mins => $2)
      group by direction`,
    [connectionId, windowMinutes],
  );
  const statuses = await db.pool.query<{ status: string; n: number }>(
    'select status, count(*)::int as n from sync_records where connection_id = $1 group by status',
    [connectionId],
  );
  const queue = await db.pool.query<{ waiting: number; active: number }>(
    `select count(*) filter (where state in ('created', 'retry'))::int as waiting,
            count(*) filter (where state = 'active')::int as active
       from pgboss.job where data->>'connectionId' = $1`,
    [connectionId],
  );
  const per = (direction: string) =>
    (throughput.rows.find((row) => row.direction === direction)?.n ?? 0) / windowMinutes;
  const count = (status: string) => statuses.rows.find((row) => row.status === status)?.n ?? 0;
  const round = (value: number | null) => (value === null ? null : Math.round(Number(value) * 1000) / 1000);
  const row = lag.rows[0];
  return {
    windowMinutes,
    lagSeconds: {
      p50: round(row?.p50 ?? null),
      p95: round(row?.p95 ?? null),
      max: round(row?.max ?? null),
      samples: row?.samples ?? 0,
    },
    syncedPerMinute: { salesToFno: per('sales_to_fno'), fnoToSales: per('fno_to_sales') },
    records: {
      pending: count('pending'),
      running: count('running'),
      synced: count('synced'),
      failed: count('failed'),
      skipped: count('skipped'),
    },
    queue: { waiting: queue.rows[0]?.waiting ?? 0, active: queue.rows[0]?.active ?? 0 },
  };
}
