/**
 * duplicates: every Dataverse webhook and F&O business event arrives two or three times, some
 * behind newer ones (the intake's stored messages posted again, and the sandbox's own at-least-once
 * delivery of business events), and PostgreSQL "restarts" once in the middle (every backend of
 * the scenario's database terminated). Orders flow Sales → F&O and F&O customers edited as a user
 * flow F&O → Sales; both sides are compared, and no F&O → Sales record may be written twice.
 */
import { type BenchEnv, sleep } from '@mlc/bench';
import { startOrderBed } from '../flow/bed';
import { sandboxControl } from '../flow/control';
import { progress, withSoakDatabase } from '../flow/env';
import { evidenceFor, reportEvidence } from '../flow/evidence';
import { info, intFlag, mustBe } from '../flow/figures';
import {
  customersLoaded,
  editableCustomers,
  renameCustomer,
  salesAccountName,
  salesWrites,
} from '../flow/fno-to-sales';
import { startEventReceiver, startRedeliverer } from '../flow/intake';
import { createOrders } from '../flow/orders';
import { terminateEveryBackend } from '../flow/postgres';
import { settleAndCompare } from '../flow/verdict';
import { startWorkerPool } from '../flow/workers';
import type { Flags, SoakOutcome } from '../scenario';

export interface DuplicatesOptions {
  orders: number;
  perSecond: number;
  /** F&O customers renamed once each during the run. */
  customerEdits: number;
  deltaSeconds: number;
  settleTimeoutMs: number;
}

export function duplicatesOptions(flags: Flags): DuplicatesOptions {
  const orders = intFlag(flags, 'orders', 1000);
  return {
    orders,
    perSecond: intFlag(flags, 'rate', 2),
    customerEdits: intFlag(flags, 'customer-edits', 10),
    deltaSeconds: intFlag(flags, 'delta-seconds', 60),
    settleTimeoutMs: intFlag(flags, 'settle-seconds', 180 + orders) * 1000,
  };
}

export async function duplicatesScenario(env: BenchEnv, options: DuplicatesOptions): Promise<SoakOutcome> {
  const since = Date.now();
  const bed = await startOrderBed(env, {
    deltaSeconds: options.deltaSeconds,
    flows: { customers: true },
  });
  const { h } = bed;
  try {
    const pool = await startWorkerPool(h, 1);
    await customersLoaded(h, since, 90_000);
    const baseline = await salesWrites(h);
    const edited = await editableCustomers(h, options.customerEdits);
    const receiver = await startEventReceiver(h, ['CustomerChangedBusinessEvent']);
    await sandboxControl(h, 'fno', 'PUT', '/_sandbox/business-events/faults', {
      duplicateRate: 1,
      reorderRate: 0.5,
    });
    const redeliverer = startRedeliverer(h);
    progress(
      `duplicates: ${options.orders} orders at ${options.perSecond}/s, ${edited.length} F&O customers edited`,
    );

    const stamp = Date.now() % 100_000;
    const names = new Map(edited.map((account, i) => [account, `Soak renamed ${stamp} ${i + 1}`]));
    const half = Math.ceil(options.orders / 2);
    let terminated = 0;
    let workersLost = 0;
    const edits = (async () => {
      for (const [account, name] of names) {
        await renameCustomer(h, account, name);
        await sleep((1000 * options.orders) / options.perSecond / Math.max(1, names.size) / 2);
      }
    })();
    const first = await createOrders(bed, { count: half, perSecond: options.perSecond });
    terminated = await terminateEveryBackend(h);
    progress(`duplicates: PostgreSQL "restarted" (${terminated} backends terminated)`);
    await sleep(2_000);
    workersLost = await pool.replaceDead();
    const second = await createOrders(bed, {
      count: options.orders - half,
      perSecond: options.perSecond,
      offset: half,
    });
    await edits;
    const ids = [...first, ...second];
    // The last redeliveries go out once every message is stored, then the sync settles.
    await sleep(3_000);
    await redeliverer.stop();
    const verdict = await settleAndCompare(bed, ids, options.settleTimeoutMs);
    workersLost += await pool.replaceDead();

    const after = await salesWrites(h);
    let writtenTwice = 0;
    const twice: string[] = [];
    for (const [key, writes] of after) {
      const account = key.split('/')[1] ?? '';
      const allowed = names.has(account) && key.startsWith('usmf/') ? 1 : 0;
      if (writes - (baseline.get(key) ?? 0) > allowed) {
        writtenTwice += 1;
        if (twice.length < 5) twice.push(`${key}: ${baseline.get(key) ?? 0} → ${writes}`);
      }
    }
    if (twice.length > 0) {
      progress(`F&O → Sales writes beyond one per change: ${twice.join('; ')}`);
      const keys = twice.map((entry) => entry.split(':')[0] as string);
      reportEvidence('their records and audit trail', await evidenceFor(h, keys));
    }
    let editsMissing = 0;
    for (const [account, name] of names) if ((await salesAccountName(h, account)) !== name) editsMissing += 1;
    await receiver.close();
    return {
      parameters: { ...options, workers: 1, businessEventFaults: { duplicateRate: 1, reorderRate: 0.5 } },
      figures: [
        ...verdict.figures,
        mustBe('F&O → Sales writes beyond one per F&O change', writtenTwice, 0),
        mustBe('F&O customer edits missing in Sales', editsMissing, 0),
        info('F&O customers edited', names.size),
        info('business events received (sandbox deliveries)', receiver.received),
        info('messages posted again (of them late)', `${redeliverer.reposted} (${redeliverer.late})`),
        mustBe('redeliveries taken as new messages', redeliverer.reposted - redeliverer.duplicates, 0),
        info('PostgreSQL backends terminated (the "restart")', terminated),
        info('worker processes lost at the restart (replaced)', workersLost),
      ],
      details: {
        records: verdict.settled.statuses,
        examples: verdict.comparison.examples,
        writtenTwice: twice,
        redeliveryErrors: redeliverer.errors,
        evidence: verdict.evidence,
      },
    };
  } finally {
    await h.close();
  }
}

export async function runDuplicates(flags: Flags): Promise<SoakOutcome> {
  return withSoakDatabase((env) => duplicatesScenario(env, duplicatesOptions(flags)));
}
