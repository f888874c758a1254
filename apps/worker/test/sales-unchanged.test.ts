import { createRecordsRepository } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import {
  createContact,
  createOrder,
  eventually,
  fnoOrdersOf,
  fnoWrites,
  orderNumberOf,
} from './sales-helpers';
import { type SyncHarness, sleep, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('a change that does not change what F&O gets', () => {
  dbTest(
    'writes nothing to F&O again: the record stays synced and its trail says unchanged',
    async ({ database }) => {
      const h = await startSyncHarness(database.url);
      harness = h;
      const records = createRecordsRepository(h.db.db);
      const contactId = await createContact(h, {
        firstname: 'Ilse',
        lastname: 'Marrow',
        address1_country: 'United States',
      });
      const orderId = await createOrder(h, { table: 'contacts', id: contactId }, [
        { product: 'IE-10001', quantity: 2 },
        { product: 'IE-10002', quantity: 1 },
      ]);
      const synced = await h.waitForRecord(orderId);
      const writeOrders = async () =>
        (await records.events(synced.id)).filter((event) => event.step === 'write-order');
      // The worker's own write-back of the ERP order number is a change of the CRM order too; let
      // whatever it triggers settle before counting.
      await sleep(1_500);
      const before = await fnoWrites(h);
      const runsBefore = (await writeOrders()).length;

      const unchangedRun = async (what: string, timeoutMs: number) =>
        eventually(
          what,
          async () => {
            const runs = await writeOrders();
            const last = runs.at(-1);
            return runs.length > runsBefore && (last?.output as { outcome?: string })?.outcome === 'unchanged'
              ? runs
              : undefined;
          },
          timeoutMs,
        );

      // The rep renames the order and adds a note: neither goes to F&O.
      const patch = await h.dv('PATCH', `salesorders(${orderId})`, {
        name: 'Renamed by sales rep',
        description: 'Call before delivery',
      });
      expect(patch.status).toBe(204);
      await unchangedRun('a run after the change', 20_000);

      const after = await h.waitForRecord(orderId);
      expect(after).toMatchObject({
        status: 'synced',
        targetKey: synced.targetKey,
        contentHash: synced.contentHash,
      });
      const runs = (await writeOrders()).slice(runsBefore);
      expect(runs.length).toBeGreaterThanOrEqual(1);
      for (const run of runs)
        expect(run.output).toMatchObject({ outcome: 'unchanged', salesOrderNumber: synced.targetKey });
      expect(await fnoWrites(h)).toEqual(before);
      expect(await fnoOrdersOf(h, await orderNumberOf(h, orderId))).toHaveLength(1);
    },
    60_000,
  );
});
