import { createRecordsRepository } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import { createAccount, createOrder, fnoOrdersOf, orderNumberOf } from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface CountersBody {
  requests: { method: string; entitySet: string | null; count: number }[];
}

/** F&O requests by `METHOD entity set` (every client: nothing but the worker calls F&O meanwhile). */
async function fnoCalls(h: SyncHarness): Promise<Record<string, number>> {
  const { body } = await h.control<CountersBody>('fno', 'GET', '/_sandbox/counters');
  const calls: Record<string, number> = {};
  for (const r of body.requests) {
    const key = `${r.method} ${r.entitySet ?? '$batch'}`;
    calls[key] = (calls[key] ?? 0) + r.count;
  }
  return calls;
}

function diff(after: Record<string, number>, before: Record<string, number>) {
  return Object.fromEntries(
    Object.entries(after)
      .map(([key, value]) => [key, value - (before[key] ?? 0)] as const)
      .filter(([, value]) => value !== 0),
  );
}

describe('calls per order once the customer is linked', () => {
  dbTest(
    'a new order of a linked customer costs F&O its header and its lines; a replay reads the customer again',
    async ({ database }) => {
      const h = await startSyncHarness(database.url);
      harness = h;
      const accountId = await createAccount(h, {
        name: `Cedar Hydraulics ${Date.now()}`,
        address1_city: 'Omaha',
        address1_country: 'United States',
      });
      const customer = { table: 'accounts' as const, id: accountId };
      // The first order creates and links the customer (and reads its products as released).
      const first = await createOrder(h, customer, [
        { product: 'IE-10001', quantity: 1 },
        { product: 'IE-10002', quantity: 1 },
      ]);
      await h.waitForRecord(first);

      const before = await fnoCalls(h);
      const second = await createOrder(h, customer, [
        { product: 'IE-10001', quantity: 2 },
        { product: 'IE-10002', quantity: 3 },
      ]);
      const record = await h.waitForRecord(second);
      const calls = diff(await fnoCalls(h), before);
      // No customer read (the key map links it) and no look-up by reference (a new order's first
      // run): the header, then its lines in one changeset.
      expect(calls).toEqual({ 'POST SalesOrderHeadersV2': 1, 'POST $batch': 1 });
      const events = await createRecordsRepository(h.db.db).events(record.id);
      expect(events.find((event) => event.step === 'align-customer')?.output).toMatchObject({
        outcome: 'linked',
      });
      expect(events.find((event) => event.step === 'write-order')?.output).toMatchObject({
        outcome: 'created',
        lookedUpFirst: false,
      });

      // A replay trusts no link: the customer is read again (the order is unchanged: not written).
      const replayed = await fnoCalls(h);
      expect(await h.worker.control.replay(record.id)).toBe(true);
      await h.waitForRecord(second, ['synced']);
      await expect
        .poll(async () => diff(await fnoCalls(h), replayed)['GET CustomersV3'] ?? 0, { timeout: 20_000 })
        .toBe(1);
      const orders = await fnoOrdersOf(h, await orderNumberOf(h, second));
      expect(orders).toHaveLength(1);
      expect(orders[0]?.['SalesOrderNumber']).toBe(record.targetKey);
    },
    60_000,
  );
});
