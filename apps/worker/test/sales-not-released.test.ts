import { createRecordsRepository } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { FNO_SEED_FACTS as SEED_FACTS } from '@mlc/sandbox';
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
  trail,
  unfinishedJobs,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('an order with a product not released in the legal entity', () => {
  dbTest(
    'fails with the product, the legal entity and a remedy, writes nothing to F&O, and syncs on replay once the product is released',
    async ({ database }) => {
      // No periodic change-tracking read during the test: the replay is the only run after the release.
      const h = await startSyncHarness(database.url, {
        settings: { cadences: { salesDeltaSeconds: 86_400 } },
      });
      harness = h;
      const item = SEED_FACTS.demfOnlyItem;
      const released = async (dataAreaId: string) =>
        (
          await h.fno<{ value: Row[] }>(
            'GET',
            `ReleasedProductsV2?cross-company=true&$filter=dataAreaId eq '${dataAreaId}' and ItemNumber eq '${item}'`,
          )
        ).body.value[0];
      expect(await released('usmf')).toBeUndefined();

      const customerName = `Cedar Ridge Hydraulics ${Date.now()}`;
      const accountId = await createAccount(h, {
        name: customerName,
        address1_city: 'Omaha',
        address1_country: 'United States',
      });
      const orderId = await createOrder(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10001', quantity: 1 },
        { product: item, quantity: 6 },
      ]);
      const orderNumber = await orderNumberOf(h, orderId);

      const failed = await h.waitForRecord(orderId, ['failed']);
      expect(failed.targetDataAreaId).toBe('usmf');
      expect(failed.lastError).toMatchObject({ code: 'product_not_released' });
      const error = failed.lastError as { message: string; remedy?: string };
      expect(error.message).toContain(item);
      expect(error.message).toContain('usmf');
      expect(error.remedy).toMatch(new RegExp(`Release ${item} to legal entity usmf in F&O.*replay`));

      // Nothing in F&O: no order, no customer, no write at all.
      expect(await fnoOrdersOf(h, orderNumber)).toEqual([]);
      const customers = await h.fno<{ value: Row[] }>(
        'GET',
        `CustomersV3?cross-company=true&$filter=OrganizationName eq '${customerName}'&$select=dataAreaId,CustomerAccount`,
      );
      expect(customers.body.value).toEqual([]);
      expect(await fnoRequestCount(h, 'POST', 'SalesOrderHeadersV2')).toBe(0);
      expect(await fnoRequestCount(h, 'POST', 'CustomersV3')).toBe(0);

      await eventually('the queue to drain', async () =>
        (await unfinishedJobs(h)) === 0 ? true : undefined,
      );
      expect((await h.waitForRecord(orderId, ['failed'])).status).toBe('failed');

      // Someone releases the product in usmf (as demf has it), then replays the order.
      const demf = (await released('demf')) as Row;
      const release = await h.fno('POST', 'ReleasedProductsV2', {
        dataAreaId: 'usmf',
        ItemNumber: item,
        ProductNumber: demf['ProductNumber'],
        InventoryUnitSymbol: demf['InventoryUnitSymbol'],
        SalesUnitSymbol: demf['SalesUnitSymbol'],
        PurchaseUnitSymbol: demf['PurchaseUnitSymbol'],
        SalesPrice: demf['SalesPrice'],
      });
      expect(release.status).toBe(201);
      expect(await released('usmf')).toMatchObject({ dataAreaId: 'usmf', ItemNumber: item });

      expect(await h.worker.control.replay(failed.id)).toBe(true);
      const synced = await h.waitForRecord(orderId, ['synced']);
      expect(synced.lastError).toBeNull();
      const orders = await fnoOrdersOf(h, orderNumber);
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ dataAreaId: 'usmf', SalesOrderNumber: synced.targetKey });
      expect(linesOf(orders[0] as Row)).toEqual([
        ['IE-10001', 1],
        [item, 6],
      ]);

      // The audit trail: the failed run (why), then the replay that synced it.
      const events = await createRecordsRepository(h.db.db).events(synced.id);
      const steps = trail(events);
      const failedAt = steps.lastIndexOf('check-products-released:failed');
      const replayAt = steps.lastIndexOf('replay:ok');
      expect(failedAt).toBeGreaterThan(-1);
      expect(replayAt).toBeGreaterThan(failedAt);
      expect(steps.slice(replayAt, replayAt + 10)).toEqual([
        'replay:ok',
        'read-salesorder:ok',
        'check-trigger:ok',
        'route-legal-entity:ok',
        'check-products-released:ok',
        'map-order:ok',
        'align-customer:ok',
        'write-order:ok',
        'write-back-account-number:ok',
        'write-back-order-number:ok',
      ]);
      const failure = events[failedAt];
      expect(failure?.error).toMatchObject({ code: 'product_not_released' });
      expect(events[steps.indexOf('write-order:ok', replayAt)]?.output).toMatchObject({
        salesOrderNumber: synced.targetKey,
        outcome: 'created',
      });
    },
    60_000,
  );
});
