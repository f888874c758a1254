/**
 * What to look at when the comparison finds a problem: the records of the orders concerned and
 * their audit trail (every step with its outcome and error), read from the records tables.
 */
import type { BenchHarness } from '@mlc/bench';
import { progress } from './env';

export interface TrailEvent {
  seq: number;
  step: string;
  outcome: string;
  startedAt: string;
  correlationId: string;
  error: string | null;
}

export interface RecordEvidence {
  naturalKey: string;
  sourceId: string | null;
  status: string;
  targetKey: string | null;
  attempts: number;
  trail: TrailEvent[];
}

/** The sales-order records whose natural key, label or deal key is one of `orderNumbers`. */
export async function evidenceFor(
  h: BenchHarness,
  orderNumbers: readonly string[],
): Promise<RecordEvidence[]> {
  if (orderNumbers.length === 0) return [];
  const records = await h.db.pool.query<{
    id: string;
    natural_key: string;
    source_id: string | null;
    status: string;
    target_key: string | null;
    attempts: number;
  }>(
    `select id, natural_key, source_id, status::text, target_key, attempts from sync_records
      where connection_id = $1 and (natural_key = any($2) or label = any($2) or deal_key = any($2))`,
    [h.connectionId, orderNumbers],
  );
  const out: RecordEvidence[] = [];
  for (const record of records.rows) {
    const events = await h.db.pool.query<{
      seq: number;
      step: string;
      outcome: string;
      started_at: Date;
      correlation_id: string;
      error: { message?: string } | null;
    }>(
      `select seq, step, outcome::text, started_at, correlation_id, error from record_events
        where record_id = $1 order by seq`,
      [record.id],
    );
    out.push({
      naturalKey: record.natural_key,
      sourceId: record.source_id,
      status: record.status,
      targetKey: record.target_key,
      attempts: record.attempts,
      trail: events.rows.map((event) => ({
        seq: event.seq,
        step: event.step,
        outcome: event.outcome,
        startedAt: event.started_at.toISOString(),
        correlationId: event.correlation_id,
        error: event.error?.message ?? null,
      })),
    });
  }
  return out;
}

/** Prints the evidence (stderr) so a failed run explains itself. */
export function reportEvidence(title: string, evidence: readonly RecordEvidence[]): void {
  if (evidence.length === 0) return;
  progress(`${title}:`);
  for (const record of evidence) {
    progress(
      `  ${record.naturalKey} (${record.sourceId}) ${record.status} → ${record.targetKey} after ${record.attempts} attempts`,
    );
    for (const event of record.trail) {
      progress(
        `    #${event.seq} ${event.startedAt} ${event.step}: ${event.outcome}${event.error ? ` (${event.error})` : ''} [${event.correlationId}]`,
      );
    }
  }
}
