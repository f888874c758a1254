import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import { createAccount, createOrder, fnoOrdersOf, linesOf, orderNumberOf } from './sales-helpers';
import { type SyncHarness, sleep, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('pause and resume', () => {
  dbTest(
    'changes arriving while a connection is paused wait durably and are all applied after resume',
    async ({ database }) => {
      const h = await startSyncHarness(database.url);
      harness = h;
      await h.worker.control.pause(h.connectionId);
      const accountId = await createAccount(h, {
        name: 'Paused Pumps Ltd',
        address1_country: 'United States',
      });
      const orders: string[] = [];
      for (let i = 1; i <= 3; i += 1) {
        orders.push(
          await createOrder(h, { table: 'accounts', id: accountId }, [{ product: 'IE-10001', quantity: i }]),
        );
      }
      for (const orderId of orders) await h.waitForRecord(orderId, ['pending'], 20_000);
      await sleep(2_000);
      for (const orderId of orders) expect(await fnoOrdersOf(h, await orderNumberOf(h, orderId))).toEqual([]);

      // A restart while paused loses nothing: the waiting changes are rows, not memory.
      await h.restartWorker();
      expect(await h.worker.control.resume(h.connectionId)).toBe(3);
      for (const [index, orderId] of orders.entries()) {
        await h.waitForRecord(orderId, ['synced'], 30_000);
        const found = await fnoOrdersOf(h, await orderNumberOf(h, orderId));
        expect(found.map(linesOf)).toEqual([[['IE-10001', index + 1]]]);
      }
    },
    120_000,
  );
});
