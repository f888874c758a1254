import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import {
  createAccount,
  createOrder,
  eventually,
  fnoOrdersOf,
  orderNumberOf,
  type Row,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** `sync.record` jobs queued for one CRM record since `since` (webhooks' and delta reads'). */
async function jobsFor(h: SyncHarness, sourceId: string, since: Date): Promise<Row[]> {
  const { rows } = await h.db.pool.query<Row>(
    `select data->>'message' as message from pgboss.job
      where name = 'sync.record' and data->>'sourceId' = $1 and created_on > $2`,
    [sourceId, since],
  );
  return rows;
}

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

describe('No echo: our own writes to Sales trigger nothing', () => {
  dbTest(
    'a change made by our application user queues no run (echo); the same kind of change by a sales rep does',
    async ({ database }) => {
      const h = await startSyncHarness(database.url);
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

      // A change our application user makes (as the worker's own writes are made)…
      const before = new Date();
      await h.dvAsOurApp('PATCH', `salesorders(${orderId})`, { shipto_city: 'Nowhere' });
      const ours = await eventually('our change’s webhook processed', async () => {
        const hook = (await webhooksAbout(h, orderId)).find(
          (w) => w.message === 'Update' && w.initiatingUser !== rep && w.body.includes('Nowhere'),
        );
        return hook?.status === 'processed' ? hook : undefined;
      });
      expect(ours.initiatingUser).not.toBe(rep);
      // …is an echo: its webhook queued no run of the order.
      expect((await jobsFor(h, orderId, before)).filter((job) => job['message'] === 'Update')).toEqual([]);

      // A change by the sales rep is a real change: it runs the order and reaches F&O.
      const repChange = new Date();
      await h.dv('PATCH', `salesorders(${orderId})`, { shipto_city: 'Echo Springs' });
      await eventually('the rep’s change queued a run', async () => {
        const jobs = await jobsFor(h, orderId, repChange);
        return jobs.some((job) => job['message'] === 'Update') ? true : undefined;
      });
      const updated = await eventually('the F&O order updated', async () => {
        const [fno] = await fnoOrdersOf(h, reference);
        return fno?.['DeliveryAddressCity'] === 'Echo Springs' ? fno : undefined;
      });
      expect(updated['SalesOrderNumber']).toBe(record.targetKey);
    },
    120_000,
  );
});
