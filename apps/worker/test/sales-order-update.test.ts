import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import { connectionFigures } from '../src/index';
import {
  createAccount,
  createOrder,
  eventually,
  fnoOrdersOf,
  linesOf,
  orderNumberOf,
  productRef,
  type Row,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('Sales → F&O: changes to a synced order', () => {
  dbTest(
    'update the F&O order while F&O has not progressed it; after that the change is not applied and the record says why',
    async ({ database }) => {
      const h = await startSyncHarness(database.url);
      harness = h;
      const accountId = await createAccount(h, {
        name: 'Delta Pumps Inc.',
        address1_country: 'United States',
      });
      const orderId = await createOrder(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10001', quantity: 2 },
        { product: 'IE-10002', quantity: 5 },
      ]);
      const first = await h.waitForRecord(orderId);
      const reference = await orderNumberOf(h, orderId);
      const salesOrderNumber = first.targetKey;
      // The dashboard's figures: the lag from the CRM change to the F&O commit is measured.
      // (A delta read may run the record again meanwhile: wait for it to be synced.)
      const figures = await eventually('figures with the synced order', async () => {
        const now = await connectionFigures(h.db, h.connectionId);
        // (The F&O customer this order created is remembered as a synced F&O → Sales record too.)
        return now.lagSeconds.samples === 1 ? now : undefined;
      });
      expect(figures.records.synced).toBeGreaterThanOrEqual(1);
      expect(figures.records.failed).toBe(0);
      expect(figures.lagSeconds.p50).toBeGreaterThanOrEqual(0);
      expect(figures.lagSeconds.p50).toBeLessThan(30);

      // A rep adds a line and changes a quantity, then saves the order (an Update of the order).
      const product = await productRef(h, 'IE-10004');
      await h.dv('POST', 'salesorderdetails', {
        'salesorderid@odata.bind': `/salesorders(${orderId})`,
        'productid@odata.bind': `/products(${product.id})`,
        'uomid@odata.bind': `/uoms(${product.uom})`,
        quantity: 7,
        ispriceoverridden: true,
        priceperunit: product.price,
      });
      const { body } = await h.dv<{ value: Row[] }>(
        'GET',
        `salesorderdetails?$select=salesorderdetailid,quantity,productnumber&$filter=_salesorderid_value eq ${orderId}`,
      );
      const second = body.value.find((line) => line['productnumber'] === 'IE-10002');
      await h.dv('PATCH', `salesorderdetails(${String(second?.['salesorderdetailid'])})`, { quantity: 6 });
      await h.dv('PATCH', `salesorders(${orderId})`, {
        requestdeliveryby: '2027-03-01',
        shipto_city: 'Tulsa',
      });

      const updated = await eventually('the F&O order updated', async () => {
        const [order] = await fnoOrdersOf(h, reference);
        return order && linesOf(order).length === 3 ? order : undefined;
      });
      expect(updated['SalesOrderNumber']).toBe(salesOrderNumber);
      expect(updated['DeliveryAddressCity']).toBe('Tulsa');
      expect(String(updated['RequestedShippingDate'])).toMatch(/^2027-03-01/);
      expect(linesOf(updated)).toEqual([
        ['IE-10001', 2],
        ['IE-10002', 6],
        ['IE-10004', 7],
      ]);
      expect(await fnoOrdersOf(h, reference)).toHaveLength(1);

      // F&O invoices the order: a later CRM change is not applied, and the record says why.
      await h.control('fno', 'POST', '/_sandbox/fno/invoice', {
        dataAreaId: 'usmf',
        SalesOrderNumber: salesOrderNumber,
      });
      await h.dv('PATCH', `salesorders(${orderId})`, { requestdeliveryby: '2027-04-01' });
      const skipped = await h.waitForRecord(orderId, ['skipped']);
      expect(skipped.lastError?.message).toMatch(/progressed/i);
      const [after] = await fnoOrdersOf(h, reference);
      expect(linesOf(after ?? {})).toEqual(linesOf(updated));
    },
    90_000,
  );
});
