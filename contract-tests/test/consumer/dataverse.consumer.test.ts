import { dataverseConnector, readOrderWithLines, readStream, runPing, writeStream } from '@mlc/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerWorld, startConsumerWorld } from '../support/consumer-world';
import {
  boolean,
  dataverseLink,
  dataverseRequestHeaders,
  eachLike,
  fromProviderState,
  integer,
  jsonContent,
  odataJson,
  pactWith,
  regex,
  string,
  uuid,
} from '../support/pact';

const pact = pactWith('dataverse');
let world: ConsumerWorld;

beforeAll(async () => {
  world = await startConsumerWorld();
});
afterAll(async () => {
  await world?.close();
});

const USER_ID = '7d1b6b2a-3d1f-ef11-840a-000d3a5a1c2b';

describe('Dataverse: WhoAmI and the application user', () => {
  it('ping: WhoAmI, then the application user, which is disabled', async () => {
    pact
      .given('the app is an application user')
      .uponReceiving('WhoAmI')
      .withRequest({ method: 'GET', path: '/api/data/v9.2/WhoAmI', headers: dataverseRequestHeaders })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          '@odata.context': regex(
            /^https:\/\/[^/]+\/api\/data\/v9\.2\/\$metadata#Microsoft\.Dynamics\.CRM\.WhoAmIResponse$/,
            'https://contoso.api.crm.dynamics.com/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse',
          ),
          BusinessUnitId: uuid('4e2d3f9a-1b2c-ef11-840a-000d3a5a1c2b'),
          UserId: uuid(USER_ID),
          OrganizationId: uuid('a1b2c3d4-0000-4000-8000-000000000001'),
        },
      });
    pact
      .given('the app is an application user')
      .uponReceiving('the application user, by its id')
      .withRequest({
        method: 'GET',
        path: fromProviderState(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
          '/api/data/v9.2/systemusers(${userId})',
          `/api/data/v9.2/systemusers(${USER_ID})`,
        ),
        query: { $select: 'fullname,applicationid,isdisabled' },
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          fullname: regex(/^.*$/, '# ml-connector'),
          applicationid: uuid('51f81489-12ee-4a9e-aaae-a2591f45987d'),
          isdisabled: boolean(false),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const checks = await runPing(dataverseConnector, ctx, config);
      // The example user belongs to another app: the ping stops there (no further calls).
      expect(checks.map((c) => [c.name, c.ok])).toEqual([
        ['token', true],
        ['whoami', true],
        ['application user', false],
      ]);
    });
  });
});

const ACCOUNT_SELECT =
  'accountid,name,accountnumber,telephone1,emailaddress1,websiteurl,address1_line1,address1_city,' +
  'address1_stateorprovince,address1_postalcode,address1_country,paymenttermscode,creditlimit,creditonhold,' +
  '_primarycontactid_value,_parentaccountid_value,_transactioncurrencyid_value,statecode,statuscode,modifiedon';
const SKIPTOKEN =
  '<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%2520trackingversion%253d%25222279%2522%253e%253caccountid%2520last%253d%2522%257b02E041A5-01DE-4305-8044-3A88B6377709%257d%2522%2520first%253d%2522%257b0013614C-2570-4F61-B61F-878C2DAE5F21%257d%2522%2520%252f%253e%253c%252fcookie%253e" istracking="True" />';
const DELTATOKEN = '919042!08/22/2017 08:10:44';
const trackChanges = (pageSize: number) =>
  `odata.track-changes,odata.maxpagesize=${pageSize},odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"`;

/** The columns of an account row the connector always gets (never null in Dataverse). */
const accountRow = {
  '@odata.etag': regex(/^W\/"\d+"$/, 'W/"838"'),
  accountid: uuid('0013614c-2570-4f61-b61f-878c2dae5f21'),
  name: string('Summit Machining LLC'),
  statecode: integer(0),
  statuscode: integer(1),
  modifiedon: regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, '2024-02-20T20:58:34Z'),
};

describe('Dataverse: change tracking (delta reads, paging, delta links)', () => {
  it('reads accounts page by page, then only the changes with the delta link', async () => {
    pact
      .given('accounts exist and change tracking is enabled for account')
      .uponReceiving('the first page of an initial change-tracking read of accounts')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/accounts',
        query: { $select: ACCOUNT_SELECT },
        headers: { ...dataverseRequestHeaders, Prefer: trackChanges(2) },
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: eachLike(accountRow, 2),
          '@odata.nextLink': dataverseLink(
            `accounts?$select=${ACCOUNT_SELECT}&$skiptoken=${encodeURIComponent(SKIPTOKEN)}`,
            'accounts\\?(?:\\$|%24)select=[^&]+&(?:\\$|%24)skiptoken=.+',
          ),
        },
      });
    pact
      .given('accounts exist and change tracking is enabled for account')
      .uponReceiving('the next page of an initial change-tracking read of accounts (its nextLink)')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/accounts',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
        query: { $select: ACCOUNT_SELECT, $skiptoken: fromProviderState('${skiptoken}', SKIPTOKEN) },
        headers: { ...dataverseRequestHeaders, Prefer: trackChanges(2) },
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: eachLike(accountRow, 1),
          '@odata.nextLink': dataverseLink(
            `accounts?$select=${ACCOUNT_SELECT}&$skiptoken=${encodeURIComponent(SKIPTOKEN)}`,
            'accounts\\?(?:\\$|%24)select=[^&]+&(?:\\$|%24)skiptoken=.+',
          ),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse({ pageSize: 2 });
      const pages = readStream(dataverseConnector, 'accounts', ctx, config, null)[Symbol.asyncIterator]();
      const first = await pages.next();
      const second = await pages.next();
      expect(first.done).toBe(false);
      expect(second.done).toBe(false);
      await pages.return?.(undefined);
    });
  });

  it('an incremental read with the stored delta link: changes and deletions, and a new delta link', async () => {
    pact
      .given('accounts exist and change tracking is enabled for account')
      .uponReceiving('a change-tracking read of accounts with a delta token')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/accounts',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
        query: { $select: 'accountid,name', $deltatoken: fromProviderState('${deltatoken}', DELTATOKEN) },
        headers: { ...dataverseRequestHeaders, Prefer: trackChanges(1000) },
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: eachLike(
            {
              '@odata.context': dataverseLink(
                '$metadata#accounts/$deletedEntity',
                '\\$metadata#accounts/\\$deletedEntity',
              ),
              id: uuid('6c3a8b54-1d3e-4f8a-8b4c-2d3e4f5a6b72'),
              reason: string('deleted'),
            },
            1,
          ),
          '@odata.deltaLink': dataverseLink(
            `accounts?$select=accountid,name&$deltatoken=${encodeURIComponent(DELTATOKEN)}`,
            'accounts\\?(?:\\$|%24)select=[^&]+&(?:\\$|%24)deltatoken=.+',
          ),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const checkpoint = {
        deltaLink: `${world.front.origin}/api/data/v9.2/accounts?$select=accountid,name&$deltatoken=${encodeURIComponent(DELTATOKEN)}`,
      };
      const pages = [];
      for await (const page of readStream(dataverseConnector, 'accounts', ctx, config, checkpoint))
        pages.push(page);
      expect(pages.at(-1)?.records).toContainEqual(expect.objectContaining({ op: 'delete' }));
    });
  });
});

const ORDER_ID = 'b18fd0a9-6c8d-4edf-9091-7c8d9eafb0c7';

describe('Dataverse: detail reads and the error envelope', () => {
  it('a sales order that does not exist: 404 with the Web API error body', async () => {
    pact
      .given('no sales order has the id', { id: ORDER_ID })
      .uponReceiving('a sales order with its lines, by an id that does not exist')
      .withRequest({
        method: 'GET',
        path: `/api/data/v9.2/salesorders(${ORDER_ID})`,
        query: {
          $select: regex(/^salesorderid,name,ordernumber,.+$/, 'salesorderid,name,ordernumber'),
          $expand: regex(/^order_details\(.+$/, 'order_details($select=salesorderdetailid)'),
        },
        headers: {
          ...dataverseRequestHeaders,
          'If-None-Match': 'null',
          Prefer:
            'odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname"',
        },
      })
      .willRespondWith({
        status: 404,
        headers: { 'Content-Type': odataJson },
        body: {
          error: {
            code: regex(/^0x[0-9a-f]{8}$/, '0x80040217'),
            message: string(`Entity 'salesorder' With Id = ${ORDER_ID} Does Not Exist`),
          },
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const error = await readOrderWithLines(ctx, config, ORDER_ID).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'not_found', upstream: { status: 404, code: '0x80040217' } });
    });
  });
});

describe('Dataverse: service protection', () => {
  it('429 with Retry-After and the service-protection error body', async () => {
    pact
      .given('the service protection limit is exceeded', { retryAfterSeconds: 7 })
      .uponReceiving('WhoAmI while throttled')
      .withRequest({ method: 'GET', path: '/api/data/v9.2/WhoAmI', headers: dataverseRequestHeaders })
      .willRespondWith({
        status: 429,
        headers: { 'Retry-After': regex(/^\d+$/, '7') },
        body: {
          error: {
            code: '0x80072322',
            message: string('Number of requests exceeded the limit of 6000 over time window of 300 seconds.'),
          },
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse({}, { retry: { maxThrottleRetries: 0 } });
      const checks = await runPing(dataverseConnector, ctx, config);
      expect(checks.map((c) => [c.name, c.ok])).toEqual([
        ['token', true],
        ['whoami', false],
      ]);
      expect(checks[1]?.detail).toMatch(/6000/);
    });
  });
});

describe('Dataverse: writes', () => {
  it('UpsertMultiple of accounts by alternate key, after resolving the currency by its ISO code', async () => {
    pact
      .given('the currency USD exists')
      .uponReceiving('transaction currencies by ISO code')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/transactioncurrencies',
        query: {
          $select: 'transactioncurrencyid,isocurrencycode',
          $filter: "Microsoft.Dynamics.CRM.In(PropertyName='isocurrencycode',PropertyValues=['USD'])",
        },
        headers: { ...dataverseRequestHeaders, Prefer: 'odata.maxpagesize=5000' },
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: [
            { transactioncurrencyid: uuid('9452f753-179b-5f33-b001-b5fe11348b11'), isocurrencycode: 'USD' },
          ],
        },
      });
    pact
      .given('the account number is an active alternate key and the currency USD exists')
      .uponReceiving('UpsertMultiple of accounts by account number')
      .withRequest({
        method: 'POST',
        path: '/api/data/v9.2/accounts/Microsoft.Dynamics.CRM.UpsertMultiple',
        headers: { ...dataverseRequestHeaders, 'Content-Type': jsonContent },
        body: {
          Targets: eachLike(
            {
              '@odata.type': 'Microsoft.Dynamics.CRM.account',
              '@odata.id': regex(/^accounts\(accountnumber='[^']+'\)$/, "accounts(accountnumber='US-00042')"),
              accountnumber: string('US-00042'),
              name: string('Northwind Traders'),
              address1_city: string('Seattle'),
              address1_country: string('US'),
              'transactioncurrencyid@odata.bind': regex(
                /^\/transactioncurrencies\([0-9a-f-]{36}\)$/,
                '/transactioncurrencies(9452f753-179b-5f33-b001-b5fe11348b11)',
              ),
            },
            1,
          ),
        },
      })
      .willRespondWith({ status: 204 });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const record = dataverseConnector.sinks.accounts.fixtures.records[0];
      const outcomes = await writeStream(dataverseConnector, 'accounts', ctx, config, [record]);
      expect(outcomes).toEqual([expect.objectContaining({ ok: true })]);
    });
  });

  it('the ERP order number and the account number written back with If-Match: * (update only)', async () => {
    pact
      .given('a sales order exists')
      .uponReceiving('the ERP order number written back to a sales order')
      .withRequest({
        method: 'PATCH',
        path: fromProviderState(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
          '/api/data/v9.2/salesorders(${orderId})',
          `/api/data/v9.2/salesorders(${ORDER_ID})`,
        ),
        headers: {
          ...dataverseRequestHeaders,
          'If-Match': '*',
          'Content-Type': jsonContent,
        },
        body: { mlc_erpordernumber: string('000061') },
      })
      .willRespondWith({ status: 204 });
    pact
      .given('an account exists')
      .uponReceiving('the F&O customer account written back as the account number')
      .withRequest({
        method: 'PATCH',
        path: fromProviderState(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
          '/api/data/v9.2/accounts(${accountId})',
          '/api/data/v9.2/accounts(6a1f3c52-8e0b-4d7a-9b3e-2f4c5d6e7f80)',
        ),
        headers: {
          ...dataverseRequestHeaders,
          'If-Match': '*',
          'Content-Type': jsonContent,
        },
        body: { accountnumber: string('US-00042') },
      })
      .willRespondWith({ status: 204 });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const erp = await writeStream(dataverseConnector, 'orderErpNumbers', ctx, config, [
        { salesorderid: ORDER_ID, erpOrderNumber: '000061' },
      ]);
      const numbers = await writeStream(dataverseConnector, 'accountNumbers', ctx, config, [
        { accountid: '6a1f3c52-8e0b-4d7a-9b3e-2f4c5d6e7f80', accountnumber: 'US-00042' },
      ]);
      expect([...erp, ...numbers]).toEqual([
        expect.objectContaining({ ok: true }),
        expect.objectContaining({ ok: true }),
      ]);
    });
  });
});
