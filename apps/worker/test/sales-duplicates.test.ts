import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import {
  createAccount,
  createOrder,
  eventually,
  fnoOrdersOf,
  fnoRequestCount,
  linesOf,
  orderNumberOf,
  type Row,
  unfinishedJobs,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('duplicated and reordered triggers', () => {
  dbTest(
    'redelivered webhooks (out of order, during a run) and concurrent extra jobs never create a second F&O order',
    async ({ database }) => {
      const h = await startSyncHarness(database.url);
      harness = h;
      // A slower F&O (every answer 80–160 ms late) keeps runs in progress while triggers pile up.
      const faults = await h.control('fno', 'PUT', '/_sandbox/faults', {
        latencyMs: 80,
        latencyJitterMs: 80,
      });
      expect(faults.status).toBe(200);

      const accountId = await createAccount(h, {
        name: `Prairie Gearworks ${Date.now()}`,
        accountnumber: `ACC-DUP-${Date.now() % 100000}`,
        address1_country: 'United States',
      });
      const customer = { table: 'accounts' as const, id: accountId };
      const orderIds = [
        await createOrder(h, customer, [{ product: 'IE-10001', quantity: 1 }]),
        await createOrder(h, customer, [
          { product: 'IE-10002', quantity: 2 },
          { product: 'IE-10003', quantity: 3 },
        ]),
        await createOrder(h, customer, [{ product: 'IE-10004', quantity: 4 }]),
      ];

      const storm = async () => {
        const bodies = [...h.webhooks.bodies].reverse();
        const extraJobs = orderIds.flatMap((sourceId) =>
          ['Create', 'Update', 'delta', 'Update'].map((message) =>
            h.worker.jobs.enqueue('sync.record', {
              connectionId: h.connectionId,
              direction: 'sales_to_fno',
              entity: 'salesorder',
              sourceId,
              message,
            }),
          ),
        );
        const redeliveries = [bodies, bodies.slice(1), [...bodies].reverse()].flatMap((round) =>
          round.map((body) => h.redeliver(body)),
        );
        const statuses = await Promise.all(redeliveries);
        await Promise.all(extraJobs);
        expect(statuses.every((status) => status === 202)).toBe(true);
      };

      // While a run is in progress: the webhooks again (newest first), and more jobs for each order.
      await eventually('a run in progress', async () =>
        (await h.records()).some((record) => record.status === 'running') ? true : undefined,
      );
      expect(h.webhooks.bodies.length).toBeGreaterThanOrEqual(orderIds.length);
      await storm();
      const records = await Promise.all(orderIds.map((id) => h.waitForRecord(id, ['synced'], 45_000)));
      // Once everything is synced: all of it once more.
      await storm();
      await eventually('the queue to drain', async () =>
        (await unfinishedJobs(h)) === 0 ? true : undefined,
      );
      // A moment when every record is synced (a trigger arriving late may still re-run one).
      const final = await eventually('every record synced', async () => {
        const rows = (await h.records()).filter((row) => orderIds.includes(row.sourceId ?? ''));
        return rows.length === orderIds.length && rows.every((row) => row.status === 'synced')
          ? rows
          : undefined;
      });

      expect(h.webhooks.duplicates).toBeGreaterThan(0);
      const numbers = new Set<string>();
      for (const [index, orderId] of orderIds.entries()) {
        const record = final.find((row) => row.sourceId === orderId);
        expect(record).toMatchObject({ status: 'synced', targetKey: records[index]?.targetKey });
        const orders = await fnoOrdersOf(h, await orderNumberOf(h, orderId));
        expect(orders).toHaveLength(1);
        expect((orders[0] as Row)['SalesOrderNumber']).toBe(record?.targetKey);
        numbers.add(String(record?.targetKey));
      }
      expect(numbers.size).toBe(orderIds.length);
      expect(
        linesOf((await fnoOrdersOf(h, await orderNumberOf(h, orderIds[1] as string)))[0] as Row),
      ).toEqual([
        ['IE-10002', 2],
        ['IE-10003', 3],
      ]);
      // F&O saw one header POST per CRM order, never a second one.
      expect(await fnoRequestCount(h, 'POST', 'SalesOrderHeadersV2')).toBe(orderIds.length);
    },
    90_000,
  );
});
