import {
  countStream,
  createSalesOrder,
  fetchFnoRecord,
  fnoConnector,
  readSalesOrder,
  readStream,
  runPing,
} from '@mlc/connectors';
import { FNO_SEED_FACTS } from '@mlc/sandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  addBatchInteraction,
  JSON_STRING,
  literal,
  NON_EMPTY_JSON_STRING,
  property,
} from '../support/batch-response';
import { type ConsumerWorld, startConsumerWorld } from '../support/consumer-world';
import {
  arrayContaining,
  batchPactWith,
  batchRequestContentType,
  bearer,
  eachLike,
  fromProviderState,
  integer,
  jsonContent,
  number,
  pactWith,
  regex,
  string,
} from '../support/pact';

/**
 * The changeset boundary of F&O's `$batch` is a random UUID, and Pact compares the nested
 * changeset's boundary in the part header verbatim (README "`$batch`"): inside the connector's
 * `fno/batch.ts` only, `randomUUID` answers a fixed value so that the pact can pin every part byte
 * for byte. Everything else keeps the real `randomUUID`.
 */
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const randomUUID: typeof crypto.randomUUID = (options) =>
    /[\\/]fno[\\/]batch\.ts/.test(new Error().stack ?? '')
      ? '0c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f'
      : crypto.randomUUID(options);
  return { ...crypto, default: { ...crypto, randomUUID }, randomUUID };
});

const pact = pactWith('fno');
const batchPact = batchPactWith('fno');
let world: ConsumerWorld;
beforeAll(async () => {
  world = await startConsumerWorld();
});
afterAll(async () => {
  await world?.close();
});

const headers = { Authorization: bearer, 'OData-Version': '4.0' };
const fnoJson = regex(/^application\/json(;.*)?$/, 'application/json; odata.metadata=minimal; charset=utf-8');
const ITEM = FNO_SEED_FACTS.commonItem;
const text = (example: string) => string(example);
const date = regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, '2025-05-01T12:00:00Z');
/** F&O writes Edm.Decimal as a JSON number, with or without a fraction (`1066`, `1249.5`). */
/** An F&O next link on the environment (the connector follows it as-is, on its own origin only). */
const nextLink = (entitySet: string, query: string) =>
  regex(
    new RegExp(`^https://[^/]+/data/${entitySet}\\?.*\\$skip=\\d+.*$`),
    `${world.front.origin}/data/${entitySet}?${query}&$skip=2`,
  );

describe('F&O: ping', () => {
  it('warm-up, the legal entities, the customer group of each configured legal entity', async () => {
    pact
      .given('the legal entities usmf and demf exist with customer group 10')
      .uponReceiving('the first call of a connection (warm-up): one legal entity')
      .withRequest({
        method: 'GET',
        path: '/data/LegalEntities',
        query: { $select: 'LegalEntityId', $top: '1' },
        headers: { Authorization: bearer },
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: { value: eachLike({ LegalEntityId: text('USMF') }, 1) },
      });
    pact
      .given('the legal entities usmf and demf exist with customer group 10')
      .uponReceiving('the legal entities the app sees')
      .withRequest({
        method: 'GET',
        path: '/data/LegalEntities',
        query: { $select: 'LegalEntityId,Name' },
        headers,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: {
          value: arrayContaining(
            {
              LegalEntityId: regex(/^[Uu][Ss][Mm][Ff]$/, 'USMF'),
              Name: text('Contoso Entertainment System USA'),
            },
            {
              LegalEntityId: regex(/^[Dd][Ee][Mm][Ff]$/, 'DEMF'),
              Name: text('Contoso Entertainment System Germany'),
            },
          ),
        },
      });
    for (const legalEntity of ['usmf', 'demf']) {
      pact
        .given('the legal entities usmf and demf exist with customer group 10')
        .uponReceiving(`the customer group 10 of ${legalEntity}, by full key`)
        .withRequest({
          method: 'GET',
          path: `/data/CustomerGroups(dataAreaId='${legalEntity}',CustomerGroupId='10')`,
          query: {
            $select: 'dataAreaId,CustomerGroupId,Description,CustomerAccountNumberSequence',
            'cross-company': 'true',
          },
          headers,
        })
        .willRespondWith({
          status: 200,
          headers: { 'Content-Type': fnoJson },
          body: {
            dataAreaId: legalEntity,
            CustomerGroupId: '10',
            Description: text('Wholesales customers'),
            CustomerAccountNumberSequence: text(''),
          },
        });
    }
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno();
      const checks = await runPing(fnoConnector, ctx, config);
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      expect(checks.map((c) => c.name)).toContain('customer-group:demf');
    });
  });
});

const releasedProductRow = {
  dataAreaId: 'usmf',
  ItemNumber: text(ITEM),
  ProductNumber: text(ITEM),
  SearchName: text('CENTRIFUGALPUMP'),
  ProductSearchName: text('CENTRIFUGALPUMP'),
  ProductType: regex(/^(Item|Service)$/, 'Item'),
  ProductSubType: regex(/^(Product|ProductMaster|ProductVariant)$/, 'Product'),
  ProductGroupId: text('PUMPS'),
  ItemModelGroupId: text('FIFO'),
  InventoryUnitSymbol: text('ea'),
  SalesUnitSymbol: text('ea'),
  SalesPrice: number(1249.5),
  SalesPriceQuantity: number(1.0),
  SalesPriceDate: date,
  SalesSalesTaxItemGroupCode: text('FULL'),
  SellStartDate: date,
  SellEndDate: date,
  ProductLifecycleStateId: text(''),
};
const productRow = {
  ProductNumber: text(ITEM),
  ProductName: text('Centrifugal pump 40 mm'),
  ProductSearchName: text('CENTRIFUGALPUMP'),
  ProductDescription: text(''),
  ProductType: regex(/^(Item|Service)$/, 'Item'),
  ProductSubType: regex(/^(Product|ProductMaster|ProductVariant)$/, 'Product'),
};
const RELEASED_SELECT = Object.keys(releasedProductRow).join(',');
const PRODUCT_SELECT = Object.keys(productRow).join(',');

describe('F&O: one record by its full key (fetchOne)', () => {
  it('a released product, a product, a legal entity', async () => {
    pact
      .given('the item is released in usmf', { item: ITEM })
      .uponReceiving('a released product by its full key, cross-company')
      .withRequest({
        method: 'GET',
        path: `/data/ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${ITEM}')`,
        query: { $select: RELEASED_SELECT, 'cross-company': 'true' },
        headers,
      })
      .willRespondWith({ status: 200, headers: { 'Content-Type': fnoJson }, body: releasedProductRow });
    pact
      .given('the item is released in usmf', { item: ITEM })
      .uponReceiving('a product by its number (shared: no cross-company)')
      .withRequest({
        method: 'GET',
        path: `/data/ProductsV2(ProductNumber='${ITEM}')`,
        query: { $select: PRODUCT_SELECT },
        headers,
      })
      .willRespondWith({ status: 200, headers: { 'Content-Type': fnoJson }, body: productRow });
    pact
      .given('the legal entities usmf and demf exist with customer group 10')
      .uponReceiving('a legal entity by its id')
      .withRequest({
        method: 'GET',
        path: "/data/LegalEntities(LegalEntityId='USMF')",
        query: { $select: 'LegalEntityId,Name' },
        headers,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: {
          LegalEntityId: regex(/^[Uu][Ss][Mm][Ff]$/, 'USMF'),
          Name: text('Contoso Entertainment System USA'),
        },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno();
      expect(
        await fetchFnoRecord(ctx, config, 'ReleasedProductsV2', { dataAreaId: 'usmf', ItemNumber: ITEM }),
      ).toMatchObject({ ItemNumber: ITEM });
      expect(await fetchFnoRecord(ctx, config, 'ProductsV2', { ProductNumber: ITEM })).toMatchObject({
        ProductNumber: ITEM,
      });
      expect(await fetchFnoRecord(ctx, config, 'LegalEntities', { LegalEntityId: 'USMF' })).toMatchObject({
        LegalEntityId: 'USMF',
      });
    });
  });
});

const customerRow = {
  dataAreaId: 'usmf',
  CustomerAccount: text('ACC-10001'),
  PartyType: text('Organization'),
  PartyNumber: text('000000001'),
  OrganizationName: text('Cascade Pump & Valve'),
  PersonFirstName: text(''),
  PersonLastName: text(''),
  NameAlias: text('Cascade'),
  CustomerGroupId: text('10'),
  SalesCurrencyCode: text('USD'),
  InvoiceAccount: text(''),
  PaymentTerms: text('Net30'),
  CreditLimit: number(0.0),
  OnHoldStatus: regex(/^(No|Invoice|All|Payment|Requisition|Never|PurchOrder)$/, 'No'),
  DiscountPriceGroupId: text(''),
  LanguageId: text('en-us'),
  AddressStreet: text('1200 Harbor Blvd'),
  AddressCity: text('Tacoma'),
  AddressZipCode: text('98421'),
  AddressState: text('WA'),
  AddressCountryRegionId: text('USA'),
  PrimaryContactEmail: text(''),
  PrimaryContactPhone: text(''),
};
const priceRow = {
  dataAreaId: 'usmf',
  ItemNumber: text(ITEM),
  ProductNumber: text(ITEM),
  SalesPrice: number(1249.5),
  SalesPriceQuantity: number(1.0),
  SalesUnitSymbol: text('ea'),
  SalesPriceDate: date,
};
const agreementRow = {
  dataAreaId: 'usmf',
  RecordId: integer(5637144576),
  ItemNumber: text(ITEM),
  ProductNumber: text(ITEM),
  Price: number(1150.0),
  PriceCurrencyCode: text('USD'),
  QuantityUnitySymbol: text('ea'),
  SalesPriceQuantity: number(1.0),
  FromQuantity: number(10.0),
  ToQuantity: number(0.0),
  PriceApplicableFromDate: date,
  PriceApplicableToDate: date,
  CustomerAccountNumber: text(''),
  PriceCustomerGroupCode: text('20'),
  PriceSiteId: text(''),
  PriceWarehouseId: text(''),
  WillSearchContinue: regex(/^(No|Yes)$/, 'No'),
};
const usmfQuery = (select: string, orderby: string) => ({
  $filter: "dataAreaId eq 'usmf'",
  $select: select,
  $orderby: orderby,
  'cross-company': 'true',
});
const queryText = (query: Record<string, string>) =>
  Object.entries(query)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
const readAll = async (
  stream: string,
  ctx: ReturnType<ConsumerWorld['fno']>['ctx'],
  config: ReturnType<ConsumerWorld['fno']>['config'],
) => {
  const pages = [];
  for await (const page of readStream(fnoConnector, stream, ctx, config, null)) pages.push(page);
  return pages;
};

describe('F&O: full-compare sources', () => {
  it('customers: page by page with the next link as F&O returns it', async () => {
    const select = Object.keys(customerRow).join(',');
    const query = usmfQuery(select, 'dataAreaId,CustomerAccount');
    pact
      .given('more customers exist in usmf than fit on one page')
      .uponReceiving('the first page of the customers of usmf, ordered by key')
      .withRequest({ method: 'GET', path: '/data/CustomersV3', query, headers })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: {
          value: eachLike(customerRow, 2),
          '@odata.nextLink': nextLink('CustomersV3', queryText(query)),
        },
      });
    pact
      .given('more customers exist in usmf than fit on one page')
      .uponReceiving('the next page of the customers of usmf ($skip of the next link)')
      .withRequest({ method: 'GET', path: '/data/CustomersV3', query: { ...query, $skip: '2' }, headers })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: { value: eachLike(customerRow, 1) },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno({ readScope: ['usmf'] });
      const pages = await readAll('customers', ctx, config);
      expect(pages).toHaveLength(2);
      expect(pages[1]?.checkpoint).toMatchObject({ complete: true });
    });
  });

  it('released products and product names', async () => {
    pact
      .given('the item is released in usmf', { item: ITEM })
      .uponReceiving('the released products of usmf, ordered by key')
      .withRequest({
        method: 'GET',
        path: '/data/ReleasedProductsV2',
        query: usmfQuery(RELEASED_SELECT, 'dataAreaId,ItemNumber'),
        headers,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: { value: eachLike(releasedProductRow, 1) },
      });
    pact
      .given('the item is released in usmf', { item: ITEM })
      .uponReceiving('the products (shared), ordered by number')
      .withRequest({
        method: 'GET',
        path: '/data/ProductsV2',
        query: { $select: PRODUCT_SELECT, $orderby: 'ProductNumber' },
        headers,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: { value: eachLike(productRow, 1) },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno({ readScope: ['usmf'] });
      expect((await readAll('releasedProducts', ctx, config))[0]?.records).toHaveLength(1);
      expect((await readAll('products', ctx, config))[0]?.records).toHaveLength(1);
    });
  });

  it('the count of a full read (the initial load total): $count=true with $top=0, same filter', async () => {
    pact
      .given('the item is released in usmf', { item: ITEM })
      .uponReceiving('the count of the released products of usmf')
      .withRequest({
        method: 'GET',
        path: '/data/ReleasedProductsV2',
        query: {
          $filter: "dataAreaId eq 'usmf'",
          $count: 'true',
          $top: '0',
          'cross-company': 'true',
        },
        headers,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: { '@odata.count': integer(2000), value: [] },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno({ readScope: ['usmf'] });
      expect(await countStream(fnoConnector, 'releasedProducts', ctx, config)).toBe(2000);
    });
  });

  it('prices: base prices of released products, then the trade agreements', async () => {
    pact
      .given('the item is released in usmf and has a trade agreement', { item: ITEM })
      .uponReceiving('the base sales prices of the released products of usmf')
      .withRequest({
        method: 'GET',
        path: '/data/ReleasedProductsV2',
        query: usmfQuery(Object.keys(priceRow).join(','), 'dataAreaId,ItemNumber'),
        headers,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: { value: eachLike(priceRow, 1) },
      });
    pact
      .given('the item is released in usmf and has a trade agreement', { item: ITEM })
      .uponReceiving('the sales price agreements of usmf, ordered by key')
      .withRequest({
        method: 'GET',
        path: '/data/SalesPriceAgreements',
        query: usmfQuery(Object.keys(agreementRow).join(','), 'dataAreaId,RecordId'),
        headers,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: { value: eachLike(agreementRow, 1) },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno({ readScope: ['usmf'] });
      const pages = await readAll('prices', ctx, config);
      expect(pages.flatMap((p) => p.records).map((r) => (r as { entitySet: string }).entitySet)).toEqual([
        'ReleasedProductsV2',
        'SalesPriceAgreements',
      ]);
    });
  });
});

const REFERENCE = 'ORD-CT-SEQ-0001';
const ORDER_NUMBER = 'CT-SEQ-0001';
const CHANGESET = 'changeset_0c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f';
const BATCH = 'batch_0c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f';
const batchPath = /^\/data\/\$batch/;

/** A changeset of POSTs as fno.md §5 describes it (CRLF, Content-IDs from 1, absolute URLs). */
function changeset(origin: string, operations: { entitySet: string; body: unknown }[]): string {
  return [
    `--${BATCH}`,
    `Content-Type: multipart/mixed; boundary=${CHANGESET}`,
    '',
    ...operations.flatMap(({ entitySet, body }, index) => [
      `--${CHANGESET}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      `Content-ID: ${index + 1}`,
      '',
      `POST ${origin}/data/${entitySet} HTTP/1.1`,
      'OData-Version: 4.0',
      'OData-MaxVersion: 4.0',
      'Accept: application/json;odata.metadata=minimal',
      'Content-Type: application/json;odata.metadata=minimal',
      '',
      JSON.stringify(body),
    ]),
    `--${CHANGESET}--`,
    `--${BATCH}--`,
    '',
  ].join('\r\n');
}

const batchHeaders = {
  Authorization: bearer,
  'OData-Version': '4.0',
  Accept: 'multipart/mixed',
  'Content-Type': batchRequestContentType('batch_[0-9a-f-]{36}', BATCH),
};

/** The look-up by customer reference that finds no order (exactly once: before any create). */
function noOrderWithReference(dataAreaId: string, reference: string): void {
  pact
    .given('no sales order has the customer reference', { dataAreaId, reference })
    .uponReceiving(`sales orders of ${dataAreaId} by customer reference, none`)
    .withRequest({
      method: 'GET',
      path: '/data/SalesOrderHeadersV2',
      query: {
        $filter: `dataAreaId eq '${dataAreaId}' and CustomersOrderReference eq '${reference}'`,
        $select: 'dataAreaId,SalesOrderNumber,CustomersOrderReference',
        $expand: 'SalesOrderLines($select=InventoryLotId,ItemNumber)',
        'cross-company': 'true',
      },
      headers,
    })
    .willRespondWith({ status: 200, headers: { 'Content-Type': fnoJson }, body: { value: [] } });
}

describe('F&O: a sales order numbered by F&O (demf): header, then lines, compensated', () => {
  it('F&O refuses the lines: the error part is read, and the header is deleted again (compensation)', async () => {
    noOrderWithReference('demf', REFERENCE);
    pact
      .given('no sales order has the customer reference', { dataAreaId: 'demf', reference: REFERENCE })
      .uponReceiving('a new sales order header in demf, numbered by F&O')
      .withRequest({
        method: 'POST',
        path: '/data/SalesOrderHeadersV2',
        headers: { ...headers, 'Content-Type': jsonContent },
        body: {
          dataAreaId: 'demf',
          OrderingCustomerAccountNumber: text('ACC-10004'),
          CustomersOrderReference: text(REFERENCE),
        },
      })
      .willRespondWith({
        status: 201,
        headers: { 'Content-Type': fnoJson },
        body: {
          dataAreaId: 'demf',
          SalesOrderNumber: text(ORDER_NUMBER),
          CustomersOrderReference: text(REFERENCE),
        },
      });
    pact
      .given('a sales order header without lines exists in demf')
      .uponReceiving('a sales order header deleted again by its full key')
      .withRequest({
        method: 'DELETE',
        path: fromProviderState(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
          "/data/SalesOrderHeadersV2(dataAreaId='demf',SalesOrderNumber='${salesOrderNumber}')",
          `/data/SalesOrderHeadersV2(dataAreaId='demf',SalesOrderNumber='${ORDER_NUMBER}')`,
        ),
        headers,
      })
      .willRespondWith({ status: 204 });
    // The lines name the example order number, which the verifier replays as is: the state makes
    // sure no such order exists, so F&O refuses the line. The changeset answer is 200 with the one
    // failing part (Content-ID 1), its status (500 in the real capture, fno.md §5; 4xx is read the
    // same way) and F&O's error envelope, whose Infolog the connector reports.
    const refusedLines = addBatchInteraction(batchPact, {
      state: 'no sales order has the number',
      params: { dataAreaId: 'demf', salesOrderNumber: ORDER_NUMBER },
      description: 'the lines of a sales order in one $batch changeset, refused by F&O',
      path: '/data/$batch',
      headers: batchHeaders,
      body: changeset(world.front.origin, [
        {
          entitySet: 'SalesOrderLines',
          body: {
            dataAreaId: 'demf',
            SalesOrderNumber: ORDER_NUMBER,
            ItemNumber: ITEM,
            OrderedSalesQuantity: 1,
          },
        },
      ]),
      response: {
        status: 200,
        changeset: true,
        parts: [
          {
            contentId: 1,
            status: { pattern: '(?:4\\d\\d|500)', example: 500 },
            body: {
              error: {
                code: '',
                message: 'An error has occurred.',
                innererror: {
                  message: `Write failed for table row of type 'SalesOrderLineV2Entity'. Infolog: Warning: The value '${ORDER_NUMBER}' in field 'Sales order' is not found in the related table 'Sales orders'.; Warning: validateField failed on field 'SalesOrderLineV2Entity.SalesOrderNumber'.`,
                  type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
                  stacktrace:
                    '   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor.CreateEntity_Save(…)',
                },
              },
            },
            bodyStart: '\\{"error":\\{',
            requires: [
              property('code', JSON_STRING),
              `"innererror":\\{${property('message', `"${literal('Write failed for table row of type ')}[^"]*${literal('Infolog: ')}(?:Info|Warning|Error): ${NON_EMPTY_JSON_STRING.slice(1)}`)}`,
              `"innererror":\\{[^\\r\\n]*${property('type', `"[^"]*AxODataWriteException"`)}`,
            ],
          },
        ],
      },
    });
    await pact.executeTest(async (mock) =>
      refusedLines.executeTest(async (batchMock) => {
        world.front.retarget(mock.url, [{ path: batchPath, url: batchMock.url }]);
        const { ctx, config } = world.fno();
        const error = await createSalesOrder(ctx, config, {
          legalEntity: 'demf',
          crmOrderNumber: REFERENCE,
          customerAccount: 'ACC-10004',
          lines: [{ itemNumber: ITEM, quantity: 1 }],
        }).catch((e: unknown) => e);
        // The refused part is the record's error, Infolog and all; the header was deleted again.
        expect(error).toMatchObject({
          code: 'validation_failed',
          upstream: {
            status: 500,
            infolog: [
              { level: 'Warning', text: expect.stringContaining(`'${ORDER_NUMBER}' in field 'Sales order'`) },
              { level: 'Warning', text: expect.stringContaining('validateField failed') },
            ],
          },
        });
      }),
    );
  });
});

const MANUAL_REFERENCE = 'ORD-CT-MAN-0001';

describe('F&O: a sales order numbered by us (usmf, manual numbers): header and lines in one changeset', () => {
  it('every part 201 in order; the lines are read from their parts', async () => {
    noOrderWithReference('usmf', MANUAL_REFERENCE);
    // Content-ID 1 the header, 2 the line; the line's part carries the InventoryLotId the
    // connector keeps for later updates.
    const created = addBatchInteraction(batchPact, {
      state: 'no sales order has the customer reference',
      params: { dataAreaId: 'usmf', reference: MANUAL_REFERENCE },
      description: 'a sales order header and its line in one $batch changeset',
      path: '/data/$batch',
      headers: batchHeaders,
      body: changeset(world.front.origin, [
        {
          entitySet: 'SalesOrderHeadersV2',
          body: {
            dataAreaId: 'usmf',
            SalesOrderNumber: MANUAL_REFERENCE,
            OrderingCustomerAccountNumber: 'ACC-10001',
            CustomersOrderReference: MANUAL_REFERENCE,
          },
        },
        {
          entitySet: 'SalesOrderLines',
          body: {
            dataAreaId: 'usmf',
            SalesOrderNumber: MANUAL_REFERENCE,
            ItemNumber: ITEM,
            OrderedSalesQuantity: 2,
          },
        },
      ]),
      response: {
        status: 200,
        changeset: true,
        parts: [
          {
            contentId: 1,
            status: 201,
            body: {
              dataAreaId: 'usmf',
              SalesOrderNumber: MANUAL_REFERENCE,
              CustomersOrderReference: MANUAL_REFERENCE,
            },
          },
          {
            contentId: 2,
            status: 201,
            body: {
              dataAreaId: 'usmf',
              SalesOrderNumber: MANUAL_REFERENCE,
              InventoryLotId: '012345',
              LineNumber: 1,
              ItemNumber: ITEM,
            },
            requires: [
              property('InventoryLotId', NON_EMPTY_JSON_STRING),
              property('ItemNumber', NON_EMPTY_JSON_STRING),
            ],
          },
        ],
      },
    });
    await pact.executeTest(async (mock) =>
      created.executeTest(async (batchMock) => {
        world.front.retarget(mock.url, [{ path: batchPath, url: batchMock.url }]);
        const { ctx, config } = world.fno();
        const order = await createSalesOrder(ctx, config, {
          legalEntity: 'usmf',
          crmOrderNumber: MANUAL_REFERENCE,
          customerAccount: 'ACC-10001',
          lines: [{ itemNumber: ITEM, quantity: 2 }],
        });
        expect(order).toEqual({
          dataAreaId: 'usmf',
          salesOrderNumber: MANUAL_REFERENCE,
          outcome: 'created',
          lines: [{ inventoryLotId: '012345', itemNumber: ITEM }],
        });
      }),
    );
  });
});

describe('F&O: a sales order read back by its full key (200)', () => {
  it('the header and its lines in one request', async () => {
    const header = {
      dataAreaId: 'usmf',
      SalesOrderNumber: text('CT-0001'),
      CustomersOrderReference: text('ORD-CT-0001'),
      SalesOrderStatus: text('Backorder'),
      SalesOrderProcessingStatus: text('None'),
      OrderingCustomerAccountNumber: text('ACC-10001'),
      CurrencyCode: text('USD'),
      RequestedShippingDate: date,
      DeliveryAddressStreet: text('1200 Harbor Blvd'),
      DeliveryAddressCity: text('Tacoma'),
      DeliveryAddressZipCode: text('98421'),
      DeliveryAddressCountryRegionId: text('USA'),
    };
    const line = {
      InventoryLotId: text('000166'),
      LineNumber: number(1),
      ItemNumber: text(ITEM),
      OrderedSalesQuantity: number(1),
      SalesUnitSymbol: text('ea'),
      SalesPrice: number(1249.5),
      SalesPriceQuantity: number(1),
      LineDiscountAmount: number(0),
      LineDescription: text('Centrifugal pump 40 mm'),
      RequestedShippingDate: date,
      LineAmount: number(1249.5),
      SalesOrderLineStatus: text('Backorder'),
    };
    pact
      .given('a sales order with the customer reference exists', { reference: 'ORD-CT-0001' })
      .uponReceiving('a sales order with its lines by full key')
      .withRequest({
        method: 'GET',
        path: "/data/SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='CT-0001')",
        query: {
          $select: Object.keys(header).join(','),
          $expand: `SalesOrderLines($select=${Object.keys(line).join(',')})`,
          'cross-company': 'true',
        },
        headers,
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': fnoJson },
        body: { ...header, SalesOrderLines: eachLike(line, 1) },
      });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.fno();
      const order = await readSalesOrder(ctx, config, { legalEntity: 'usmf', salesOrderNumber: 'CT-0001' });
      expect(order?.lines).toHaveLength(1);
    });
  });
});
