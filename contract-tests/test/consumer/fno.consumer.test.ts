import { fnoConnector, readSalesOrder, writeStream } from '@mlc/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerWorld, startConsumerWorld } from '../support/consumer-world';
import { bearer, eachLike, jsonContent, pactWith, regex, string } from '../support/pact';

const pact = pactWith('fno');
let world: ConsumerWorld;
beforeAll(async () => {
  world = await startConsumerWorld();
});
afterAll(async () => {
  await world?.close();
});

const headers = { Authorization: bearer, 'OData-Version': '4.0' };
const fnoJson = regex(/^application\/json(;.*)?$/, 'application/json; odata.metadata=minimal; charset=utf-8');
/** F&O's OData error envelope (fno.md §6). */
const fnoError = (message: string) => ({
  error: { code: string(''), message: string(message) },
});

describe('F&O: customers by full key, created when missing', () => {
  it('looks the customer up by dataAreaId + CustomerAccount (404), then creates it in its legal entity', async () => {
    pact
      .given('no customer has the account', { dataAreaId: 'usmf', customerAccount: 'US-CT-0001' })
      .uponReceiving('a customer by its full key, cross-company, that does not exist')
      .withRequest({
        method: 'GET',
        path: "/data/CustomersV3(dataAreaId='usmf',CustomerAccount='US-CT-0001')",
        query: { $select: 'dataAreaId,CustomerAccount', 'cross-company': 'true' },
        headers,
      })
      .willRespondWith({
        status: 404,
        headers: { 'Content-Type': fnoJson },
        body: fnoError("Resource not found for the segment 'CustomersV3'."),
      });
    pact
      .given('no customer has the account', { dataAreaId: 'usmf', customerAccount: 'US-CT-0001' })
      .uponReceiving('a new customer in usmf with a manual account number')
      .withRequest({
        method: 'POST',
        path: '/data/CustomersV3',
        headers: { ...headers, 'Content-Type': jsonContent },
        body: {
          dataAreaId: 'usmf',
          CustomerAccount: string('US-CT-0001'),
          PartyType: 'Organization',
          OrganizationName: string('Kestrel Pumps Inc.'),
          CustomerGroupId: string('10'),
          SalesCurrencyCode: string('USD'),
          AddressStreet: string('1 Main St'),
          AddressCity: string('Springfield'),
          AddressZipCode: string('62701'),
          AddressState: string('IL'),
          AddressCountryRegionId: string('USA'),
        },
      })
      .willRespondWith({
        status: 201,
        headers: { 'Content-Type': fnoJson },
        body: { dataAreaId: 'usmf', CustomerAccount: string('US-CT-0001') },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno();
      const record = {
        ...(fnoConnector.sinks.customers.fixtures.records[0] as Record<string, unknown>),
        accountNumber: 'US-CT-0001',
      };
      const outcomes = await writeStream(fnoConnector, 'customers', ctx, config, [record]);
      expect(outcomes).toEqual([expect.objectContaining({ ok: true, key: 'US-CT-0001' })]);
    });
  });
});

describe('F&O: sales orders', () => {
  it('an order read back by its full key: 404 when F&O has no such order', async () => {
    pact
      .given('no sales order has the number', { dataAreaId: 'usmf', salesOrderNumber: 'NOPE-0001' })
      .uponReceiving('a sales order with its lines by full key, that does not exist')
      .withRequest({
        method: 'GET',
        path: "/data/SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='NOPE-0001')",
        query: {
          $select: regex(
            /^dataAreaId,SalesOrderNumber,.+$/,
            'dataAreaId,SalesOrderNumber,CustomersOrderReference',
          ),
          $expand: regex(/^SalesOrderLines\(.+\)$/, 'SalesOrderLines($select=InventoryLotId)'),
          'cross-company': 'true',
        },
        headers,
      })
      .willRespondWith({
        status: 404,
        headers: { 'Content-Type': fnoJson },
        body: fnoError("Resource not found for the segment 'SalesOrderHeadersV2'."),
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno();
      expect(
        await readSalesOrder(ctx, config, { legalEntity: 'usmf', salesOrderNumber: 'NOPE-0001' }),
      ).toBeUndefined();
    });
  });

  it('the exactly-once look-up by CustomersOrderReference finds the order: nothing is written', async () => {
    pact
      .given('a sales order with the customer reference exists', { reference: 'ORD-CT-0001' })
      .uponReceiving('sales orders of a legal entity by customer reference, with their lines')
      .withRequest({
        method: 'GET',
        path: '/data/SalesOrderHeadersV2',
        query: {
          $filter: "dataAreaId eq 'usmf' and CustomersOrderReference eq 'ORD-CT-0001'",
          $select: 'dataAreaId,SalesOrderNumber,CustomersOrderReference',
          $expand: 'SalesOrderLines($select=InventoryLotId,ItemNumber)',
          'cross-company': 'true',
        },
        headers,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: {
          value: eachLike(
            {
              dataAreaId: 'usmf',
              SalesOrderNumber: string('ORD-CT-0001'),
              CustomersOrderReference: 'ORD-CT-0001',
              SalesOrderLines: eachLike(
                { InventoryLotId: string('000166'), ItemNumber: string('IE-10001') },
                1,
              ),
            },
            1,
          ),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno();
      const record = {
        ...(fnoConnector.sinks.salesOrders.fixtures.records[0] as Record<string, unknown>),
        crmOrderNumber: 'ORD-CT-0001',
      };
      const outcomes = await writeStream(fnoConnector, 'salesOrders', ctx, config, [record]);
      expect(outcomes).toEqual([expect.objectContaining({ ok: true })]);
    });
  });
});
