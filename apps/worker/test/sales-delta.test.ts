import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import { createAccount, createOrder, fnoOrdersOf, linesOf, orderNumberOf } from './sales-helpers';
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
});
