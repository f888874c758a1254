import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import {
  createAccount,
  createWonOpportunity,
  fnoOrdersOf,
  fnoRequestCount,
  linesOf,
  type Row,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function generateOrder(h: SyncHarness, opportunityId: string): Promise<string> {
  const response = await h.dv<Row>('POST', 'GenerateSalesOrderFromOpportunity', {
    OpportunityId: opportunityId,
    ColumnSet: { Columns: ['name', 'opportunityid'] },
  });
  expect(response.status).toBe(200);
  return String(response.body['salesorderid']).toLowerCase();
}

describe('a won opportunity and the CRM order generated from it', () => {
  dbTest(
    'are one deal: one F&O order, both records pointing at it (order generated after the sync, and right after the win)',
    async ({ database }) => {
      const h = await startSyncHarness(database.url);
      harness = h;
      const accountId = await createAccount(h, {
        name: `Bluestem Compressors ${Date.now()}`,
        address1_city: 'Wichita',
        address1_country: 'United States',
      });
      const customer = { table: 'accounts' as const, id: accountId };
      const lines = [
        { product: 'IE-10005', quantity: 2 },
        { product: 'IE-10006', quantity: 7 },
      ];

      // 1. The order is generated once the won opportunity is in F&O.
      const first = await createWonOpportunity(h, customer, lines);
      const opportunity = await h.waitForRecord(first);
      const orderId = await generateOrder(h, first);
      const order = await h.waitForRecord(orderId);
      expect(order).toMatchObject({ dealKey: `OPP-${first}`, targetDataAreaId: 'usmf' });
      expect(order.targetKey).toBe(opportunity.targetKey);

      // 2. The order is generated right after the win: both runs race for the same deal.
      const second = await createWonOpportunity(h, customer, [{ product: 'IE-10009', quantity: 3 }]);
      const secondOrderId = await generateOrder(h, second);
      const [secondOpportunity, secondOrder] = await Promise.all([
        h.waitForRecord(second),
        h.waitForRecord(secondOrderId),
      ]);
      expect(secondOrder.targetKey).toBe(secondOpportunity.targetKey);
      expect(secondOrder.targetKey).not.toBe(order.targetKey);

      for (const [deal, record] of [
        [first, order],
        [second, secondOrder],
      ] as const) {
        const orders = await fnoOrdersOf(h, `OPP-${deal}`);
        expect(orders).toHaveLength(1);
        expect(orders[0]).toMatchObject({ dataAreaId: 'usmf', SalesOrderNumber: record.targetKey });
      }
      expect(linesOf((await fnoOrdersOf(h, `OPP-${first}`))[0] as Row)).toEqual([
        ['IE-10005', 2],
        ['IE-10006', 7],
      ]);
      // Two deals, two order headers POSTed to F&O; one customer for both.
      expect(await fnoRequestCount(h, 'POST', 'SalesOrderHeadersV2')).toBe(2);
      expect(await fnoRequestCount(h, 'POST', 'CustomersV3')).toBe(1);
    },
    60_000,
  );
});
