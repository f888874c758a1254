import { createRecordsRepository } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import {
  createAccount,
  createWonOpportunity,
  eventually,
  fnoCustomer,
  fnoOrdersOf,
  linesOf,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('Sales → F&O', () => {
  dbTest(
    'a won opportunity becomes an F&O customer and one order with all its lines, within seconds of the webhook',
    async ({ database }) => {
      const h = await startSyncHarness(database.url);
      harness = h;
      const accountId = await createAccount(h, {
        name: 'Harbor Valves LLC',
        address1_city: 'Tulsa',
        address1_country: 'United States',
      });
      const opportunityId = await createWonOpportunity(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10001', quantity: 3 },
        { product: 'IE-10002', quantity: 1 },
      ]);
      const record = await h.waitForRecord(opportunityId);
      expect(record).toMatchObject({
        status: 'synced',
        targetDataAreaId: 'usmf',
        dealKey: `OPP-${opportunityId}`,
      });
      const orders = await fnoOrdersOf(h, `OPP-${opportunityId}`);
      expect(orders).toHaveLength(1);
      const order = orders[0] ?? {};
      expect(order['dataAreaId']).toBe('usmf');
      expect(order['SalesOrderNumber']).toBe(record.targetKey);
      expect(linesOf(order)).toEqual([
        ['IE-10001', 3],
        ['IE-10002', 1],
      ]);
      // The Win webhook names the opportunity in OpportunityClose (PrimaryEntityId is the empty
      // GUID): it runs this record, not a record of the empty GUID.
      await eventually('a run triggered by the Win webhook', async () => {
        const events = await createRecordsRepository(h.db.db).events(record.id);
        return events.some((event) => (event.input as { message?: string } | null)?.message === 'Win')
          ? true
          : undefined;
      });
      expect((await h.records()).map((row) => row.sourceId)).not.toContain(
        '00000000-0000-0000-0000-000000000000',
      );
      // The customer was created in usmf and the account got its F&O customer account back.
      const customer = await fnoCustomer(h, 'usmf', String(order['OrderingCustomerAccountNumber']));
      expect(customer['OrganizationName']).toBe('Harbor Valves LLC');
    },
    60_000,
  );
});
