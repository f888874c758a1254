import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import {
  createAccount,
  createContact,
  createOrder,
  fnoCustomer,
  fnoOrdersOf,
  linesOf,
  orderNumberOf,
  type Row,
} from './sales-helpers';
import { type SyncHarness, startSyncHarness } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('CRM sales orders → F&O', () => {
  dbTest(
    "an active order of a contact becomes an F&O person customer and one order with all its lines; an account in Germany's order goes to demf",
    async ({ database }) => {
      const h = await startSyncHarness(database.url);
      harness = h;

      // A contact (a person) in the United States: the default legal entity, usmf.
      const contactId = await createContact(h, {
        firstname: 'Maren',
        lastname: 'Okafor-Lindqvist',
        emailaddress1: 'maren.okafor@example.com',
        address1_line1: '410 Quarry Road',
        address1_city: 'Boise',
        address1_country: 'United States',
      });
      const contactOrderId = await createOrder(h, { table: 'contacts', id: contactId }, [
        { product: 'IE-10001', quantity: 2 },
        { product: 'IE-10003', quantity: 5 },
        { product: 'IE-10004', quantity: 1 },
      ]);
      // An account in Germany: the routing rule address1_country = Germany → demf.
      const germanName = `Rheinwerk Pumpen GmbH ${Date.now()}`;
      const accountId = await createAccount(h, {
        name: germanName,
        address1_line1: 'Hafenstraße 12',
        address1_city: 'Köln',
        address1_country: 'Germany',
      });
      const germanOrderId = await createOrder(
        h,
        { table: 'accounts', id: accountId },
        [
          { product: 'IE-10001', quantity: 4 },
          { product: 'IE-10002', quantity: 2 },
        ],
        { currency: 'EUR' },
      );

      // The contact's order.
      const orderNumber = await orderNumberOf(h, contactOrderId);
      const record = await h.waitForRecord(contactOrderId);
      expect(record).toMatchObject({
        status: 'synced',
        entity: 'salesorder',
        targetDataAreaId: 'usmf',
        dealKey: orderNumber,
        label: orderNumber,
      });
      const orders = await fnoOrdersOf(h, orderNumber);
      expect(orders).toHaveLength(1);
      const order = orders[0] as Row;
      expect(order).toMatchObject({ dataAreaId: 'usmf', SalesOrderNumber: record.targetKey });
      expect(linesOf(order)).toEqual([
        ['IE-10001', 2],
        ['IE-10003', 5],
        ['IE-10004', 1],
      ]);
      const person = await fnoCustomer(h, 'usmf', String(order['OrderingCustomerAccountNumber']));
      expect(person).toMatchObject({
        PartyType: 'Person',
        PersonFirstName: 'Maren',
        PersonLastName: 'Okafor-Lindqvist',
        SalesCurrencyCode: 'USD',
        CustomerGroupId: '10',
      });

      // The German account's order.
      const germanNumber = await orderNumberOf(h, germanOrderId);
      const germanRecord = await h.waitForRecord(germanOrderId);
      expect(germanRecord).toMatchObject({ status: 'synced', targetDataAreaId: 'demf' });
      const germanOrders = await fnoOrdersOf(h, germanNumber);
      expect(germanOrders).toHaveLength(1);
      const germanOrder = germanOrders[0] as Row;
      expect(germanOrder).toMatchObject({ dataAreaId: 'demf', SalesOrderNumber: germanRecord.targetKey });
      expect(linesOf(germanOrder)).toEqual([
        ['IE-10001', 4],
        ['IE-10002', 2],
      ]);
      const company = await fnoCustomer(h, 'demf', String(germanOrder['OrderingCustomerAccountNumber']));
      expect(company).toMatchObject({
        PartyType: 'Organization',
        OrganizationName: germanName,
        SalesCurrencyCode: 'EUR',
      });
      // Nothing of it in usmf (the default company of these reads).
      const { body } = await h.fno<{ value: Row[] }>(
        'GET',
        `CustomersV3?$filter=OrganizationName eq '${germanName}'&$select=dataAreaId,CustomerAccount`,
      );
      expect(body.value).toEqual([]);
    },
    60_000,
  );
});
