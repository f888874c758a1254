import {
  dataverseConnector,
  readCatalogRefs,
  readOpportunityWithProducts,
  readOrderWithLines,
  readStream,
  writeStream,
} from '@mlc/connectors';
import type { PactV3 } from '@pact-foundation/pact';
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
  number,
  odataJson,
  pactWith,
  regex,
  string,
  uuid,
} from '../support/pact';

/**
 * The other change-tracking sources, the catalog look-ups, the UpsertMultiple sinks of products,
 * contacts and units, and an opportunity read by id.
 */
const pact = pactWith('dataverse');
let world: ConsumerWorld;
beforeAll(async () => {
  world = await startConsumerWorld();
});
afterAll(async () => {
  await world?.close();
});

const trackChanges = (pageSize: number) =>
  `odata.track-changes,odata.maxpagesize=${pageSize},odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"`;
const DELTATOKEN = '919042!08/22/2017 08:10:44';
const rowState = {
  '@odata.etag': regex(/^W\/"\d+"$/, 'W/"1204"'),
  statecode: integer(0),
  statuscode: integer(1),
  modifiedon: regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, '2025-06-01T08:00:00Z'),
};

/** The `$select` of each source (the columns of `tables.ts`), and the columns every row has. */
const SOURCES = [
  {
    stream: 'contacts',
    set: 'contacts',
    select:
      'contactid,fullname,firstname,lastname,jobtitle,emailaddress1,telephone1,mobilephone,address1_line1,address1_city,address1_stateorprovince,address1_postalcode,address1_country,_parentcustomerid_value,_transactioncurrencyid_value,statecode,statuscode,modifiedon',
    row: {
      contactid: uuid('5b2f7a43-0c2d-4e7f-9a3b-1c2d3e4f5a61'),
      fullname: string('Renée Okafor'),
      lastname: string('Okafor'),
    },
  },
  {
    stream: 'opportunities',
    set: 'opportunities',
    select:
      'opportunityid,name,_customerid_value,_parentaccountid_value,_parentcontactid_value,_pricelevelid_value,_transactioncurrencyid_value,estimatedvalue,actualvalue,estimatedclosedate,actualclosedate,statecode,statuscode,modifiedon',
    row: {
      opportunityid: uuid('8e5cad76-3f5a-4bac-8d6e-4f5a6b7c8d94'),
      name: string('Pumps for the Tacoma plant'),
    },
  },
  {
    stream: 'salesOrders',
    set: 'salesorders',
    select:
      'salesorderid,name,ordernumber,_customerid_value,_pricelevelid_value,_opportunityid_value,_quoteid_value,_transactioncurrencyid_value,requestdeliveryby,paymenttermscode,shipto_line1,shipto_city,shipto_postalcode,shipto_country,billto_line1,billto_city,billto_country,totallineitemamount,discountamount,freightamount,totaltax,totalamount,statecode,statuscode,modifiedon',
    row: {
      salesorderid: uuid('b18fd0a9-6c8d-4edf-9091-7c8d9eafb0c7'),
      name: string('Pumps for the Tacoma plant'),
      ordernumber: string('ORD-01001-K7Q2M9'),
    },
  },
  {
    stream: 'products',
    set: 'products',
    select:
      'productid,productnumber,name,description,_defaultuomscheduleid_value,_defaultuomid_value,_pricelevelid_value,_transactioncurrencyid_value,price,standardcost,currentcost,quantitydecimal,producttypecode,productstructure,statecode,statuscode,modifiedon',
    row: {
      productid: uuid('d3a1f2cb-8eaf-4f01-9b23-9eafb0c1d2e9'),
      productnumber: string('IE-10001'),
      name: string('Centrifugal pump CP-40'),
    },
  },
] as const;

describe('Dataverse: the other change-tracking sources', () => {
  for (const source of SOURCES) {
    it(`${source.stream}: the first read, one page with the delta link`, async () => {
      pact
        .given(`${source.set} exist and change tracking is enabled for them`)
        .uponReceiving(`an initial change-tracking read of ${source.set}`)
        .withRequest({
          method: 'GET',
          path: `/api/data/v9.2/${source.set}`,
          query: { $select: source.select },
          headers: { ...dataverseRequestHeaders, Prefer: trackChanges(1000) },
        })
        .willRespondWith({
          status: 200,
          headers: { 'Content-Type': odataJson },
          body: {
            value: eachLike({ ...source.row, ...rowState }, 1),
            '@odata.deltaLink': dataverseLink(
              `${source.set}?$select=${source.select}&$deltatoken=${encodeURIComponent(DELTATOKEN)}`,
              `${source.set}\\?(?:\\$|%24)select=[^&]+&(?:\\$|%24)deltatoken=.+`,
            ),
          },
        });
      await pact.executeTest(async (mock) => {
        world.front.retarget(mock.url);
        const { ctx, config } = world.dataverse();
        const pages = [];
        for await (const page of readStream(dataverseConnector, source.stream, ctx, config, null))
          pages.push(page);
        expect(pages).toHaveLength(1);
        expect(pages[0]?.records[0]).toMatchObject({ op: 'upsert' });
        expect(pages[0]?.checkpoint).toMatchObject({ deltaLink: expect.stringContaining('$deltatoken=') });
      });
    });
  }
});

const UNIT_GROUP_ID = 'e4b203dc-9fb0-4012-8c34-afb0c1d2e3fa';
const UNIT_ID = 'f5c314ed-a0c1-4123-9d45-b0c1d2e3f40b';
const PRICE_LIST_ID = '9f6dbe87-4a6b-4cbd-9e7f-5a6b7c8d9ea5';
const CATALOG =
  'the unit group Default Unit with the unit Each and the price list Standard Price List (USD) exist';

describe('Dataverse: catalog look-ups (readCatalogRefs)', () => {
  it('the unit group by name, its units, the price lists by name', async () => {
    pact
      .given(CATALOG)
      .uponReceiving('a unit group by name')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/uomschedules',
        query: { $select: 'uomscheduleid,name', $filter: "name eq 'Default Unit'" },
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: { value: eachLike({ uomscheduleid: uuid(UNIT_GROUP_ID), name: 'Default Unit' }, 1) },
      });
    pact
      .given(CATALOG)
      .uponReceiving('the units of a unit group')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/uoms',
        query: {
          $select: 'uomid,name,isschedulebaseuom',
          $filter: fromProviderState(
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
            '_uomscheduleid_value eq ${unitGroupId}',
            `_uomscheduleid_value eq ${UNIT_GROUP_ID}`,
          ),
        },
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: eachLike(
            { uomid: uuid(UNIT_ID), name: string('Each'), isschedulebaseuom: boolean(true) },
            1,
          ),
        },
      });
    pact
      .given(CATALOG)
      .uponReceiving('a price list by name')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/pricelevels',
        query: { $select: 'pricelevelid,name', $filter: "name eq 'Standard Price List (USD)'" },
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: eachLike({ pricelevelid: uuid(PRICE_LIST_ID), name: 'Standard Price List (USD)' }, 1),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const refs = await readCatalogRefs(ctx, config, {
        unitGroup: 'Default Unit',
        priceLists: ['Standard Price List (USD)'],
      });
      expect(refs).toMatchObject({ unitGroupId: UNIT_GROUP_ID, baseUnitId: UNIT_ID });
      expect(refs.unitIdByName.get('each')).toBe(UNIT_ID);
      expect(refs.priceListIdByName.get('Standard Price List (USD)')).toBe(PRICE_LIST_ID);
    });
  });
});

/** Key look-ups of the sinks' references (`Microsoft.Dynamics.CRM.In` on one column). */
function addNameLookups(p: PactV3): void {
  p.given(CATALOG)
    .uponReceiving('unit groups by name (a reference of a record)')
    .withRequest({
      method: 'GET',
      path: '/api/data/v9.2/uomschedules',
      query: {
        $select: 'uomscheduleid,name',
        $filter: "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['Default Unit'])",
      },
      headers: { ...dataverseRequestHeaders, Prefer: 'odata.maxpagesize=5000' },
    })
    .willRespondWith({
      status: 200,
      headers: { 'Content-Type': odataJson },
      body: { value: eachLike({ uomscheduleid: uuid(UNIT_GROUP_ID), name: 'Default Unit' }, 1) },
    });
  p.given(CATALOG)
    .uponReceiving('units by name (a reference of a record)')
    .withRequest({
      method: 'GET',
      path: '/api/data/v9.2/uoms',
      query: {
        $select: 'uomid,name',
        $filter: "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['Each'])",
      },
      headers: { ...dataverseRequestHeaders, Prefer: 'odata.maxpagesize=5000' },
    })
    .willRespondWith({
      status: 200,
      headers: { 'Content-Type': odataJson },
      body: { value: eachLike({ uomid: uuid(UNIT_ID), name: 'Each' }, 1) },
    });
}

/** `/<set>(<id>)`, the id from the provider state's `key`. */
const bind = (set: string, key: string, example: string) =>
  fromProviderState(`/${set}(\${${key}})`, `/${set}(${example})`);

describe('Dataverse: UpsertMultiple sinks', () => {
  it('products by product number (references resolved by name), then the ones still in Draft', async () => {
    addNameLookups(pact);
    pact
      .given(`${CATALOG}, and the product number is an active alternate key`)
      .uponReceiving('UpsertMultiple of products by product number')
      .withRequest({
        method: 'POST',
        path: '/api/data/v9.2/products/Microsoft.Dynamics.CRM.UpsertMultiple',
        headers: { ...dataverseRequestHeaders, 'Content-Type': jsonContent },
        body: {
          Targets: [
            {
              '@odata.type': 'Microsoft.Dynamics.CRM.product',
              '@odata.id': regex(/^products\(productnumber='[^']+'\)$/, "products(productnumber='IE-20001')"),
              productnumber: string('IE-20001'),
              name: string('Gear motor GM-7'),
              price: integer(480),
              quantitydecimal: integer(0),
              'defaultuomscheduleid@odata.bind': bind('uomschedules', 'unitGroupId', UNIT_GROUP_ID),
              'defaultuomid@odata.bind': bind('uoms', 'unitId', UNIT_ID),
            },
          ],
        },
      })
      .willRespondWith({ status: 204 });
    pact
      .given('no product IE-20001 is in Draft')
      .uponReceiving('the written products still in Draft')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/products',
        query: {
          $select: 'productid,productnumber',
          $filter:
            "statecode eq 2 and Microsoft.Dynamics.CRM.In(PropertyName='productnumber',PropertyValues=['IE-20001'])",
        },
        headers: dataverseRequestHeaders,
      })
      .willRespondWith({ status: 200, headers: { 'Content-Type': odataJson }, body: { value: [] } });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const record = dataverseConnector.sinks.products.fixtures.records[0];
      const outcomes = await writeStream(dataverseConnector, 'products', ctx, config, [record]);
      expect(outcomes).toEqual([expect.objectContaining({ ok: true, key: 'IE-20001' })]);
    });
  });

  it('contacts by the id the worker chose, with the parent account bound', async () => {
    pact
      .given('an account exists')
      .uponReceiving('UpsertMultiple of contacts by id')
      .withRequest({
        method: 'POST',
        path: '/api/data/v9.2/contacts/Microsoft.Dynamics.CRM.UpsertMultiple',
        headers: { ...dataverseRequestHeaders, 'Content-Type': jsonContent },
        body: {
          Targets: [
            {
              '@odata.type': 'Microsoft.Dynamics.CRM.contact',
              '@odata.id': regex(
                /^contacts\([0-9a-f-]{36}\)$/,
                'contacts(17e536af-c2e3-4345-9f67-d2e3f405162d)',
              ),
              contactid: uuid('17e536af-c2e3-4345-9f67-d2e3f405162d'),
              firstname: string('Jonas'),
              lastname: string('Brenner'),
              emailaddress1: string('jonas.brenner@example.de'),
              'parentcustomerid_account@odata.bind': bind(
                'accounts',
                'accountId',
                '6a1f3c52-8e0b-4d7a-9b3e-2f4c5d6e7f80',
              ),
            },
          ],
        },
      })
      .willRespondWith({ status: 204 });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const outcomes = await writeStream(dataverseConnector, 'contacts', ctx, config, [
        {
          contactid: '17e536af-c2e3-4345-9f67-d2e3f405162d',
          firstname: 'Jonas',
          lastname: 'Brenner',
          emailaddress1: 'jonas.brenner@example.de',
          parentcustomerid: { table: 'account', ref: { id: '6a1f3c52-8e0b-4d7a-9b3e-2f4c5d6e7f80' } },
        },
      ]);
      expect(outcomes).toEqual([expect.objectContaining({ ok: true })]);
    });
  });

  it('units: the existing unit of the group with that name, else a name-based id', async () => {
    addNameLookups(pact);
    pact
      .given(`${CATALOG}, and the group has no unit Box of 6`)
      .uponReceiving('a unit of a unit group by name')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/uoms',
        query: {
          $select: 'uomid,_uomscheduleid_value,name',
          $filter: fromProviderState(
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
            "(_uomscheduleid_value eq ${unitGroupId} and name eq 'Box of 6')",
            `(_uomscheduleid_value eq ${UNIT_GROUP_ID} and name eq 'Box of 6')`,
          ),
        },
        headers: { ...dataverseRequestHeaders, Prefer: 'odata.maxpagesize=5000' },
      })
      .willRespondWith({ status: 200, headers: { 'Content-Type': odataJson }, body: { value: [] } });
    pact
      .given(`${CATALOG}, and the group has no unit Box of 6`)
      .uponReceiving('UpsertMultiple of units by id')
      .withRequest({
        method: 'POST',
        path: '/api/data/v9.2/uoms/Microsoft.Dynamics.CRM.UpsertMultiple',
        headers: { ...dataverseRequestHeaders, 'Content-Type': jsonContent },
        body: {
          Targets: [
            {
              '@odata.type': 'Microsoft.Dynamics.CRM.uom',
              '@odata.id': regex(/^uoms\([0-9a-f-]{36}\)$/, 'uoms(2b9d0c4e-6f1a-5b3c-8d2e-4f6a8b0c2d4e)'),
              name: string('Box of 6'),
              quantity: integer(6),
              'uomscheduleid@odata.bind': bind('uomschedules', 'unitGroupId', UNIT_GROUP_ID),
              'baseuom@odata.bind': bind('uoms', 'unitId', UNIT_ID),
            },
          ],
        },
      })
      .willRespondWith({ status: 204 });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const record = dataverseConnector.sinks.units.fixtures.records[0];
      const outcomes = await writeStream(dataverseConnector, 'units', ctx, config, [record]);
      expect(outcomes).toEqual([expect.objectContaining({ ok: true })]);
    });
  });
});

const OPPORTUNITY_ID = 'a07ecf98-5b7c-4dce-8f80-6b7c8d9eafb6';

describe('Dataverse: an opportunity with its products', () => {
  it('an opportunity that does not exist: 404 with the Web API error body', async () => {
    pact
      .given('no opportunity has the id', { id: OPPORTUNITY_ID })
      .uponReceiving('an opportunity with its products, by an id that does not exist')
      .withRequest({
        method: 'GET',
        path: `/api/data/v9.2/opportunities(${OPPORTUNITY_ID})`,
        query: {
          $select: regex(/^opportunityid,name,.+$/, 'opportunityid,name'),
          $expand: regex(
            /^product_opportunities\(.+;\$expand=productid\(\$select=productnumber\)\),.+$/,
            'product_opportunities($select=opportunityproductid;$expand=productid($select=productnumber)),transactioncurrencyid($select=isocurrencycode)',
          ),
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
            message: string(`Entity 'opportunity' With Id = ${OPPORTUNITY_ID} Does Not Exist`),
          },
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const error = await readOpportunityWithProducts(ctx, config, OPPORTUNITY_ID).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'not_found', upstream: { status: 404 } });
    });
  });
});

const ORDER_ID = 'b18fd0a9-6c8d-4edf-9091-7c8d9eafb0c7';
const ACCOUNT_ID = '4a1e6f32-9b1c-4d6e-8f2a-0b1c2d3e4f50';
const ORDER_SELECT = SOURCES[2].select;
const LINE_SELECT =
  'salesorderdetailid,lineitemnumber,_productid_value,productdescription,isproductoverridden,quantity,_uomid_value,priceperunit,baseamount,manualdiscountamount,tax,extendedamount,description,productnumber,requestdeliveryby';
const CUSTOMER_ACCOUNT_SELECT =
  'accountid,name,accountnumber,emailaddress1,telephone1,address1_line1,address1_city,address1_stateorprovince,address1_postalcode,address1_country,paymenttermscode,_transactioncurrencyid_value';
const CUSTOMER_CONTACT_SELECT =
  'contactid,fullname,firstname,lastname,emailaddress1,telephone1,address1_line1,address1_city,address1_stateorprovince,address1_postalcode,address1_country,_parentcustomerid_value,_transactioncurrencyid_value';

describe('Dataverse: a sales order with its lines (200)', () => {
  it('header, lines, currency and the account customer in one request', async () => {
    pact
      .given('a sales order with lines exists, its customer an account')
      .uponReceiving('a sales order with its lines, currency and customer, by id')
      .withRequest({
        method: 'GET',
        path: fromProviderState(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
          '/api/data/v9.2/salesorders(${orderId})',
          `/api/data/v9.2/salesorders(${ORDER_ID})`,
        ),
        query: {
          $select: ORDER_SELECT,
          $expand: [
            `order_details($select=${LINE_SELECT})`,
            'transactioncurrencyid($select=isocurrencycode)',
            `customerid_account($select=${CUSTOMER_ACCOUNT_SELECT})`,
            `customerid_contact($select=${CUSTOMER_CONTACT_SELECT})`,
          ].join(','),
        },
        headers: {
          ...dataverseRequestHeaders,
          'If-None-Match': 'null',
          Prefer:
            'odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname"',
        },
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          ...rowState,
          salesorderid: uuid(ORDER_ID),
          name: string('Pumps for the Tacoma plant'),
          ordernumber: string('ORD-01001-K7Q2M9'),
          _customerid_value: uuid(ACCOUNT_ID),
          '_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
          transactioncurrencyid: { isocurrencycode: string('USD') },
          customerid_account: { accountid: uuid(ACCOUNT_ID), name: string('Cascade Pump & Valve') },
          order_details: eachLike(
            { salesorderdetailid: uuid('c29ae1ba-7d9e-4f0a-a1b2-8d9eafb0c1d8'), quantity: number(2) },
            1,
          ),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const read = await readOrderWithLines(ctx, config, ORDER_ID);
      expect(read).toMatchObject({ currencyCode: 'USD', customer: { table: 'account', id: ACCOUNT_ID } });
      expect(read.lines).toHaveLength(1);
    });
  });
});

const OPPORTUNITY_LINE_SELECT =
  'opportunityproductid,lineitemnumber,_productid_value,productdescription,isproductoverridden,quantity,_uomid_value,priceperunit,baseamount,manualdiscountamount,tax,extendedamount,description';

describe('Dataverse: an opportunity with its products (200)', () => {
  it('header, products with their product numbers (nested expansion), currency and customer in one request', async () => {
    pact
      .given('an opportunity with catalog products exists, its customer an account')
      .uponReceiving('an opportunity with its products, currency and customer, by id')
      .withRequest({
        method: 'GET',
        path: fromProviderState(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
          '/api/data/v9.2/opportunities(${opportunityId})',
          `/api/data/v9.2/opportunities(${OPPORTUNITY_ID})`,
        ),
        query: {
          $select: SOURCES[1].select,
          $expand: [
            `product_opportunities($select=${OPPORTUNITY_LINE_SELECT};$expand=productid($select=productnumber))`,
            'transactioncurrencyid($select=isocurrencycode)',
            `customerid_account($select=${CUSTOMER_ACCOUNT_SELECT})`,
            `customerid_contact($select=${CUSTOMER_CONTACT_SELECT})`,
          ].join(','),
        },
        headers: {
          ...dataverseRequestHeaders,
          'If-None-Match': 'null',
          Prefer:
            'odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname"',
        },
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          ...rowState,
          opportunityid: uuid(OPPORTUNITY_ID),
          name: string('Pumps for the Tacoma plant'),
          _customerid_value: uuid(ACCOUNT_ID),
          '_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
          transactioncurrencyid: { isocurrencycode: string('USD') },
          customerid_account: { accountid: uuid(ACCOUNT_ID), name: string('Cascade Pump & Valve') },
          product_opportunities: eachLike(
            {
              opportunityproductid: uuid('e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b'),
              quantity: number(2),
              productid: { productnumber: string('IE-10001') },
            },
            1,
          ),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const read = await readOpportunityWithProducts(ctx, config, OPPORTUNITY_ID);
      expect(read).toMatchObject({ currencyCode: 'USD', customer: { table: 'account', id: ACCOUNT_ID } });
      expect(read.products).toEqual([expect.objectContaining({ productnumber: 'IE-10001' })]);
    });
  });
});
