import { createRecordsRepository } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import {
  createAccount,
  createOrder,
  eventually,
  fnoOrdersOf,
  orderNumberOf,
  type Row,
  settled,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The Dataverse webhooks about one record, with the user that initiated each change. */
async function webhooksAbout(h: SyncHarness, recordId: string) {
  const { rows } = await h.db.pool.query<{ body: string; status: string }>(
    `select body, status from inbox_events where source = 'dataverse_webhook' and body like $1`,
    [`%${recordId}%`],
  );
  return rows.map((row) => {
    const body = JSON.parse(row.body) as Row;
    return {
      message: String(body['MessageName']),
      initiatingUser: String(body['InitiatingUserId']).toLowerCase(),
      status: row.status,
      body: row.body,
    };
  });
}

/**
 * What a change did, as the product shows it: the runs of the order its audit trail holds since
 * the change (each begins with a `trigger` event), and what each run's write to F&O did. (Which
 * message a run is labelled with is not the point: triggers of one record coalesce, and a run
 * queued as the order's Create that a later Update joined reads and applies that Update too.)
 */
async function runsSince(h: SyncHarness, recordId: string, afterSeq: number) {
  const events = (await createRecordsRepository(h.db.db).events(recordId)).filter(
    (event) => event.seq > afterSeq,
  );
  return {
    runs: events.filter((event) => event.stage === 'trigger').length,
    writes: events.filter((event) => event.step === 'write-order').map((event) => event.output as Row),
  };
}

async function lastSeq(h: SyncHarness, recordId: string): Promise<number> {
  const events = await createRecordsRepository(h.db.db).events(recordId);
  return Math.max(0, ...events.map((event) => event.seq));
}

describe('No echo: our own writes to Sales trigger nothing', () => {
  dbTest(
    'a change made by our application user runs nothing and never reaches F&O (echo); the same kind of change by a sales rep runs the order and reaches F&O',
    async ({ database }) => {
      // Only webhooks trigger runs here: the change-tracking delta read (the safety net, which
      // reads every change, ours included) reads once at the start, then not for an hour.
      const h = await startSyncHarness(database.url, { settings: { cadences: { salesDeltaSeconds: 3600 } } });
      harness = h;
      const accountId = await createAccount(h, {
        name: 'Echo Valley Supply',
        address1_country: 'United States',
      });
      const orderId = await createOrder(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10001', quantity: 3 },
      ]);
      const record = await h.waitForRecord(orderId);
      const reference = await orderNumberOf(h, orderId);
      const order = await h.dv<Row>('GET', `salesorders(${orderId})?$select=_createdby_value`);
      const rep = String(order.body['_createdby_value']).toLowerCase();
      // The order's Create, its lines' Updates and the worker's write-backs are all dealt with.
      await settled(h);
      const [synced] = await fnoOrdersOf(h, reference);
      expect(synced?.['SalesOrderNumber']).toBe(record.targetKey);
      const beforeOurs = await lastSeq(h, record.id);

      // A change our application user makes (as the worker's own writes are made)…
      const patched = await h.dvAsOurApp('PATCH', `salesorders(${orderId})`, { shipto_city: 'Nowhere' });
      expect(patched.status).toBe(204);
      const ours = await eventually('our change’s webhook processed', async () => {
        const hook = (await webhooksAbout(h, orderId)).find(
          (w) => w.message === 'Update' && w.initiatingUser !== rep && w.body.includes('Nowhere'),
        );
        return hook?.status === 'processed' ? hook : undefined;
      });
      expect(ours.initiatingUser).not.toBe(rep);
      // Had its webhook queued a run, that run would be queued by now and `settled` waits for it.
      await settled(h);
      // …is an echo: the order did not run again, and F&O never got the change.
      expect(await runsSince(h, record.id, beforeOurs)).toEqual({ runs: 0, writes: [] });
      const [afterOurs] = await fnoOrdersOf(h, reference);
      expect(afterOurs?.['DeliveryAddressCity']).not.toBe('Nowhere');
      const beforeRep = await lastSeq(h, record.id);

      // The same kind of change by the sales rep is a real change: it runs the order and reaches F&O.
      const changed = await h.dv('PATCH', `salesorders(${orderId})`, { shipto_city: 'Echo Springs' });
      expect(changed.status).toBe(204);
      const updated = await eventually('the F&O order updated', async () => {
        const [fno] = await fnoOrdersOf(h, reference);
        return fno?.['DeliveryAddressCity'] === 'Echo Springs' ? fno : undefined;
      });
      expect(updated['SalesOrderNumber']).toBe(record.targetKey);
      await settled(h);
      // The order's audit trail shows the run: it updated the same F&O order with the rep's change.
      const afterRep = await runsSince(h, record.id, beforeRep);
      expect(afterRep.runs).toBeGreaterThanOrEqual(1);
      expect(afterRep.writes).toContainEqual(
        expect.objectContaining({
          outcome: 'updated',
          salesOrderNumber: record.targetKey,
          changes: expect.objectContaining({ header: ['DeliveryAddressCity'] }),
        }),
      );
      expect((await h.waitForRecord(orderId)).targetKey).toBe(record.targetKey);
    },
    120_000,
  );
});
