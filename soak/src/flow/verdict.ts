/**
 * The end of every order scenario: wait for the sync to settle, compare both sides, and turn the
 * result into figures (with the audit trail of any order found missing, duplicated or incomplete).
 */
import type { SoakFigure } from '../scenario';
import type { OrderBed } from './bed';
import { type Comparison, type CrmOrder, compareSides, comparisonFigures } from './compare';
import { progress } from './env';
import { evidenceFor, type RecordEvidence, reportEvidence } from './evidence';
import { mustBe } from './figures';
import { type Settled, waitForSettled } from './settle';

export interface Verdict {
  figures: SoakFigure[];
  comparison: Comparison;
  crm: CrmOrder[];
  settled: Settled;
  evidence: RecordEvidence[];
}

export async function settleAndCompare(
  bed: OrderBed,
  ids: readonly string[],
  timeoutMs: number,
): Promise<Verdict> {
  progress(`waiting for ${ids.length} orders to settle (at most ${Math.round(timeoutMs / 1000)} s)`);
  const settled = await waitForSettled(bed.h, ids, timeoutMs);
  progress(
    `settled: ${settled.settled} after ${Math.round(settled.waitedMs / 1000)} s, records ${JSON.stringify(settled.statuses)}`,
  );
  const { crm, ...comparison } = await compareSides(bed);
  const problems = Object.values(comparison.examples)
    .flat()
    .map((example) => example.split(' ')[0] as string);
  const failedIds = await bed.h.db.pool.query<{ source_id: string }>(
    `select source_id from sync_records where connection_id = $1 and entity = 'salesorder'
      and status in ('failed', 'skipped') and source_id = any($2) limit 5`,
    [bed.h.connectionId, ids],
  );
  const numbers = new Map(crm.map((order) => [order.id, order.orderNumber]));
  for (const row of failedIds.rows) problems.push(numbers.get(row.source_id) ?? row.source_id);
  if (Object.keys(comparison.examples).length > 0) {
    progress(`comparison problems (examples): ${JSON.stringify(comparison.examples)}`);
  }
  const evidence = await evidenceFor(bed.h, [...new Set(problems)]);
  reportEvidence('orders with a problem, and their audit trail', evidence);
  const failed = (settled.statuses['failed'] ?? 0) + (settled.statuses['skipped'] ?? 0);
  const figures: SoakFigure[] = [
    ...comparisonFigures(comparison, ids.length),
    mustBe('records failed or skipped', failed, 0),
    mustBe('orders without a record', settled.withoutRecord, 0),
    {
      name: 'settled before the deadline',
      value: `${settled.settled ? 'yes' : 'no'} (${Math.round(settled.waitedMs / 1000)} s)`,
      expect: 'yes',
      ok: settled.settled,
    },
  ];
  return { figures, comparison, crm, settled, evidence };
}
