import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import {
  createAccount,
  createOrder,
  eventually,
  fnoOrdersOf,
  linesOf,
  orderNumberOf,
  settled,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('Sales → F&O without webhooks', () => {
  dbTest(
    'an order whose webhook was lost is picked up by the change-tracking delta read',
    async ({ database }) => {
      const h = await startSyncHarness(database.url, { settings: { cadences: { salesDeltaSeconds: 10 } } });
      harness = h;
      h.webhooks.refuse = true;
      const accountId = await createAccount(h, {
        name: 'Quiet Valves Co.',
        address1_country: 'United States',
      });
      const orderId = await createOrder(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10005', quantity: 4 },
      ]);
      const record = await h.waitForRecord(orderId, ['synced'], 30_000).catch(async (error) => {
        const jobs = await h.db.pool.query(
          `select state, retry_count, output, data from pgboss.job where name = 'sync.delta' order by created_on`,
        );
        throw new Error(`${String(error)} ${JSON.stringify(jobs.rows).slice(0, 3000)}`);
      });
      const events = await h.db.pool.query<{ input: { message: string } }>(
        `select input from record_events where record_id = $1 and stage = 'trigger' order by seq`,
        [record.id],
      );
      expect(events.rows[0]?.input.message).toBe('delta');
      const orders = await fnoOrdersOf(h, await orderNumberOf(h, orderId));
      expect(orders.map(linesOf)).toEqual([[['IE-10005', 4]]]);
    },
    90_000,
  );

  dbTest(
    'an order its webhook synced is not read again when the delta read sees the same change',
    async ({ database }) => {
      // Without the write-back of the F&O order number: that write is a change of the CRM order
      // (a newer row version than the run read), which the next delta read runs once more for.
      const h = await startSyncHarness(database.url, {
        settings: { cadences: { salesDeltaSeconds: 10 }, orders: { erpOrderNumberColumn: null } },
      });
      harness = h;
      const accountId = await createAccount(h, {
        name: 'Prompt Pumps Inc.',
        address1_country: 'United States',
      });
      const orderId = await createOrder(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10005', quantity: 2 },
      ]);
      const record = await h.waitForRecord(orderId, ['synced'], 30_000);
      // The delta read finds the order (a change since sync was enabled) and queues a trigger
      // carrying the row version it saw: the webhook's run read that version already.
      const deltaJob = await eventually(
        'a delta trigger of the order',
        async () => {
          const { rows } = await h.db.pool.query<{ state: string; output: { status?: string } | null }>(
            // A delta trigger that found the webhook's run still going was queued again ('busy').
            `select state, output from pgboss.job
              where name = 'sync.record' and data->>'sourceId' = $1 and data->>'message' = 'delta'
                and state = 'completed' and output->>'status' is distinct from 'busy'`,
            [orderId],
          );
          return rows[0];
        },
        60_000,
      );
      expect(deltaJob.output?.status).toBe('covered');
      await settled(h);
      const triggers = await h.db.pool.query(
        `select seq from record_events where record_id = $1 and stage = 'trigger'`,
        [record.id],
      );
      expect(triggers.rows).toHaveLength(1);
    },
    90_000,
  );
});
