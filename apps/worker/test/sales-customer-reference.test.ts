import { Writable } from 'node:stream';
import type { EnsureCustomerRecord } from '@mlc/connectors';
import { createCursorsRepository, createVault, loadKeyring } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { createLogger } from '@mlc/logger';
import { afterEach, describe, expect } from 'vitest';
import { noteCreateIntent } from '../src/flows/customer-create-intent';
import { RuntimeCache } from '../src/sync/runtimes';
import { createAccount, createOrder, fnoOrdersOf, orderNumberOf, type Row } from './sales-helpers';
import { type SyncHarness, startSyncHarness, testSettings } from './sync-harness';

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The test legal entities, with usmf's customer accounts numbered by F&O's sequence. */
function numberedByFno() {
  const base = testSettings('').legalEntities;
  return {
    ...base,
    settings: {
      ...base?.settings,
      usmf: { customerGroupId: '10', currencyCode: 'USD', customerAccounts: 'sequence' as const },
    },
  };
}

describe('Customers numbered by F&O: the reference field', () => {
  dbTest(
    'a customer our lost attempt created (found by the CRM id in the reference field) is linked, never created twice',
    async ({ database }) => {
      const h = await startSyncHarness(database.url, {
        settings: { legalEntities: numberedByFno(), customers: { referenceField: 'KnownAs' } },
      });
      harness = h;
      const name = `Lost Response Traders ${Date.now()}`;
      const accountId = await createAccount(h, { name, address1_country: 'United States' });
      // What a worker killed after F&O created the customer, before the link was stored, leaves
      // behind: a customer numbered by F&O that carries the CRM id in the reference field.
      const lost = await h.fno<Row>('POST', 'CustomersV3', {
        dataAreaId: 'usmf',
        OrganizationName: name,
        CustomerGroupId: '10',
        SalesCurrencyCode: 'USD',
        KnownAs: accountId,
      });
      expect(lost.status).toBe(201);
      const lostAccount = String(lost.body['CustomerAccount']);

      const orderId = await createOrder(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10001', quantity: 1 },
      ]);
      await h.waitForRecord(orderId);
      const [order] = await fnoOrdersOf(h, await orderNumberOf(h, orderId));
      expect(order?.['OrderingCustomerAccountNumber']).toBe(lostAccount);
      const customers = await h.fno<{ value: Row[] }>(
        'GET',
        `CustomersV3?cross-company=true&$filter=dataAreaId eq 'usmf' and OrganizationName eq '${name}'&$select=CustomerAccount`,
      );
      expect(customers.body.value.map((c) => c['CustomerAccount'])).toEqual([lostAccount]);
      // The account number written back to the CRM account is that customer's.
      const account = await h.dv<Row>('GET', `accounts(${accountId})?$select=accountnumber`);
      expect(account.body['accountnumber']).toBe(lostAccount);
    },
    120_000,
  );

  dbTest(
    'without a reference field, a run after a crash between F&O’s create and the link finds the customer by name instead of creating it again',
    async ({ database }) => {
      const h = await startSyncHarness(database.url, { settings: { legalEntities: numberedByFno() } });
      harness = h;
      const name = `Crash Window Supply ${Date.now()}`;
      const accountId = await createAccount(h, { name, address1_country: 'United States' });
      // What a worker killed right after F&O created the customer leaves behind: the create intent
      // it stored before sending, and the customer F&O numbered, linked to nothing.
      await createCursorsRepository(h.db.db).save(
        h.connectionId,
        'fno',
        `customer-create/usmf/${accountId}`,
        {
          at: new Date().toISOString(),
          name,
          account: null,
        },
      );
      const lost = await h.fno<Row>('POST', 'CustomersV3', {
        dataAreaId: 'usmf',
        OrganizationName: name,
        CustomerGroupId: '10',
        SalesCurrencyCode: 'USD',
      });
      const lostAccount = String(lost.body['CustomerAccount']);

      const orderId = await createOrder(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10001', quantity: 2 },
      ]);
      await h.waitForRecord(orderId);
      const [order] = await fnoOrdersOf(h, await orderNumberOf(h, orderId));
      expect(order?.['OrderingCustomerAccountNumber']).toBe(lostAccount);
      const customers = await h.fno<{ value: Row[] }>(
        'GET',
        `CustomersV3?cross-company=true&$filter=dataAreaId eq 'usmf' and OrganizationName eq '${name}'&$select=CustomerAccount`,
      );
      expect(customers.body.value.map((c) => c['CustomerAccount'])).toEqual([lostAccount]);
      // The intent is done.
      expect(
        await createCursorsRepository(h.db.db).list(
          h.connectionId,
          'fno',
          `customer-create/usmf/${accountId}`,
        ),
      ).toEqual(new Map());
    },
    120_000,
  );

  dbTest(
    'the recovery after a crash never takes a customer that already had the name before the create',
    async ({ database }) => {
      const h = await startSyncHarness(database.url, { settings: { legalEntities: numberedByFno() } });
      harness = h;
      const name = `Twin Name Traders ${Date.now()}`;
      const customer = (body: Record<string, unknown> = {}) =>
        h.fno<Row>('POST', 'CustomersV3', {
          dataAreaId: 'usmf',
          OrganizationName: name,
          CustomerGroupId: '10',
          SalesCurrencyCode: 'USD',
          ...body,
        });
      // Someone else's customer of the same name, in F&O before ours, linked to no CRM record.
      const older = String((await customer()).body['CustomerAccount']);
      const accountId = await createAccount(h, { name, address1_country: 'United States' });
      // The run notes its intent (as ensureOnce does before the create), then a worker killed right
      // after F&O created the customer leaves the intent and an unlinked customer behind.
      const controller = new AbortController();
      const runtimes = new RuntimeCache({
        db: h.db,
        vault: createVault(loadKeyring({ encryptionKey: h.encryptionKey, production: false, devKeyDir: '' })),
        logger: createLogger({
          name: 'test',
          destination: new Writable({ write: (_c, _e, done) => done() }),
        }),
        signal: controller.signal,
      });
      try {
        const record: EnsureCustomerRecord = {
          legalEntity: 'usmf',
          partyType: 'Organization',
          organizationName: name,
          crmReference: accountId,
        };
        await noteCreateIntent(await runtimes.get(h.connectionId), 'usmf', accountId, record);
      } finally {
        controller.abort();
        await runtimes.close();
      }
      const intent = await createCursorsRepository(h.db.db).list(
        h.connectionId,
        'fno',
        `customer-create/usmf/${accountId}`,
      );
      expect([...intent.values()][0]).toMatchObject({ name, existing: [older] });
      const lost = String((await customer()).body['CustomerAccount']);

      const orderId = await createOrder(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10001', quantity: 1 },
      ]);
      const synced = await h.waitForRecord(orderId);
      expect(synced.status).toBe('synced');
      const [order] = await fnoOrdersOf(h, await orderNumberOf(h, orderId));
      expect(order?.['OrderingCustomerAccountNumber']).toBe(lost);
    },
    120_000,
  );
});
