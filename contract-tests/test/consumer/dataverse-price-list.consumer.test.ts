import { dataverseConnector, writeStream } from '@mlc/connectors';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addBatchInteraction, NON_EMPTY_JSON_STRING, property } from '../support/batch-response';
import { type ConsumerWorld, startConsumerWorld } from '../support/consumer-world';
import {
  batchPactWith,
  batchRequestContentType,
  dataverseLink,
  dataverseRequestHeaders,
  eachLike,
  fromProviderState,
  odataJson,
  pactWith,
  string,
  uuid,
} from '../support/pact';

/**
 * Price-list items: `productpricelevel` has no UpsertMultiple, so the sink looks the item up by
 * price list + product + unit and writes it in a `$batch` changeset. The changeset boundary is a
 * random UUID that Pact would compare verbatim in the part header (README "`$batch`"): inside the
 * connector's `dataverse/batch.ts` only, `randomUUID` answers a fixed value, and the body is
 * compared byte for byte. The `$batch` interactions are in the V4 pact (`batchPactWith`), whose
 * mock server the front serves `$batch` from; their answers are pinned part by part
 * (`support/batch-response.ts`).
 */
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const randomUUID: typeof crypto.randomUUID = (options) =>
    /[\\/]dataverse[\\/]batch\.ts/.test(new Error().stack ?? '')
      ? '4f3e2d1c-0b9a-4887-a665-544332211000'
      : crypto.randomUUID(options);
  return { ...crypto, default: { ...crypto, randomUUID }, randomUUID };
});

const pact = pactWith('dataverse');
const batchPact = batchPactWith('dataverse');
let world: ConsumerWorld;
beforeAll(async () => {
  world = await startConsumerWorld();
});
afterAll(async () => {
  await world?.close();
});

/**
 * The sandbox seed's "Standard Price List (USD)", its first active product and the unit "Each"
 * (the seed is deterministic): the `$batch` body is compared byte for byte, so the ids it binds
 * cannot come from a provider state; with the seed's ids the verification really writes the item.
 * The provider state checks that the seed still has them.
 */
const PRICE_LIST = 'e2711c52-c80f-425a-872f-9e83371af3b9';
const PRODUCT = '001053f7-b41f-4f3a-88b3-5f9d9388f56b';
const UNIT = 'dae04471-fa04-4306-b44b-2830e212ec48';
/** The name-based id the sink gives a new item of this price list, product and unit. */
const ITEM_ID = 'b6e943f0-8c0b-5ced-bdc9-a23f774f8983';
/** A product id no environment has, and the name-based id of its item. */
const NO_PRODUCT = '0bad0bad-0bad-4bad-8bad-0bad0bad0bad';
const NO_PRODUCT_ITEM_ID = 'c3411c69-77cf-53e7-807a-05384033daa0';
const BATCH = 'batch_4f3e2d1c-0b9a-4887-a665-544332211000';
const CHANGESET = 'changeset_4f3e2d1c-0b9a-4887-a665-544332211000';
const STATE = 'a price list, a product and its unit exist, without a price-list item';
const batchPath = /^\/api\/data\/v9\.2\/\$batch/;

/** shared/reference/dataverse.md §7: one changeset, Content-IDs from 1, each upsert a PATCH by id. */
function changeset(items: { id: string; product: string }[]): string {
  return [
    `--${BATCH}`,
    `Content-Type: multipart/mixed; boundary=${CHANGESET}`,
    '',
    ...items.flatMap(({ id, product }, index) => [
      `--${CHANGESET}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      `Content-ID: ${index + 1}`,
      '',
      `PATCH /api/data/v9.2/productpricelevels(${id}) HTTP/1.1`,
      'Content-Type: application/json; type=entry',
      '',
      JSON.stringify({
        amount: 480,
        pricingmethodcode: 1,
        'pricelevelid@odata.bind': `/pricelevels(${PRICE_LIST})`,
        'productid@odata.bind': `/products(${product})`,
        'uomid@odata.bind': `/uoms(${UNIT})`,
      }),
    ]),
    `--${CHANGESET}--`,
    `--${BATCH}--`,
    '',
  ].join('\r\n');
}

const batchHeaders = {
  ...dataverseRequestHeaders,
  'Content-Type': batchRequestContentType('batch_[0-9a-f-]{36}', BATCH),
};

/** The upsert of the seed's item alone: one 204 part with Content-ID 1 in a changeset. */
function upsertAlone() {
  return addBatchInteraction(batchPact, {
    state: STATE,
    description: 'a price-list item upserted in a $batch changeset',
    path: '/api/data/v9.2/$batch',
    headers: batchHeaders,
    body: changeset([{ id: ITEM_ID, product: PRODUCT }]),
    response: { status: 200, changeset: true, parts: [{ contentId: 1, status: 204 }] },
  });
}

const record = (product: string) => ({
  pricelevelid: { id: PRICE_LIST },
  productid: { id: product },
  uomid: { id: UNIT },
  amount: 480,
});

describe('Dataverse: price-list items', () => {
  it('the item of price list + product + unit is looked up, then upserted in one changeset', async () => {
    pact
      .given(STATE)
      .uponReceiving('the price-list item of a price list, product and unit')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/productpricelevels',
        query: {
          $select: 'productpricelevelid,_pricelevelid_value,_productid_value,_uomid_value',
          $filter: fromProviderState(
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
            '(_pricelevelid_value eq ${priceListId} and _productid_value eq ${productId} and _uomid_value eq ${unitId})',
            `(_pricelevelid_value eq ${PRICE_LIST} and _productid_value eq ${PRODUCT} and _uomid_value eq ${UNIT})`,
          ),
        },
        headers: { ...dataverseRequestHeaders, Prefer: 'odata.maxpagesize=5000' },
      })
      .willRespondWith({ status: 200, headers: { 'Content-Type': odataJson }, body: { value: [] } });
    await pact.executeTest(async (mock) =>
      upsertAlone().executeTest(async (batchMock) => {
        world.front.retarget(mock.url, [{ path: batchPath, url: batchMock.url }]);
        const { ctx, config } = world.dataverse();
        const outcomes = await writeStream(dataverseConnector, 'priceListItems', ctx, config, [
          record(PRODUCT),
        ]);
        // The changeset's one part (Content-ID 1, 204) is the item written.
        expect(outcomes).toEqual([expect.objectContaining({ ok: true })]);
      }),
    );
  });

  it('a changeset with a part that fails: only that record fails, with the error its part carries', async () => {
    // The failed changeset: 400 with the one failing part (Content-ID 2, 404 and the Web API error
    // envelope); then the first item alone again (the changeset was rolled back).
    addBatchInteraction(batchPact, {
      state: STATE,
      description: 'a $batch changeset whose second upsert binds a product that does not exist',
      path: '/api/data/v9.2/$batch',
      headers: batchHeaders,
      body: changeset([
        { id: ITEM_ID, product: PRODUCT },
        { id: NO_PRODUCT_ITEM_ID, product: NO_PRODUCT },
      ]),
      response: {
        status: 400,
        changeset: true,
        parts: [
          {
            contentId: 2,
            status: 404,
            body: {
              error: { code: '0x80040217', message: `product With Id = ${NO_PRODUCT} Does Not Exist` },
            },
            bodyStart: '\\{"error":\\{',
            requires: [property('code', NON_EMPTY_JSON_STRING), property('message', NON_EMPTY_JSON_STRING)],
          },
        ],
      },
    });
    pact
      .given('a price list, a product and its unit exist, the product in no price list')
      .uponReceiving('the price-list items of two products, one that does not exist')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/productpricelevels',
        query: {
          $select: 'productpricelevelid,_pricelevelid_value,_productid_value,_uomid_value',
          $filter: `Microsoft.Dynamics.CRM.In(PropertyName='productid',PropertyValues=['${PRODUCT}','${NO_PRODUCT}'])`,
        },
        headers: { ...dataverseRequestHeaders, Prefer: 'odata.maxpagesize=5000' },
      })
      .willRespondWith({ status: 200, headers: { 'Content-Type': odataJson }, body: { value: [] } });
    await pact.executeTest(async (mock) =>
      upsertAlone().executeTest(async (batchMock) => {
        world.front.retarget(mock.url, [{ path: batchPath, url: batchMock.url }]);
        const { ctx, config } = world.dataverse();
        const outcomes = await writeStream(dataverseConnector, 'priceListItems', ctx, config, [
          record(PRODUCT),
          record(NO_PRODUCT),
        ]);
        expect(outcomes).toEqual([
          expect.objectContaining({ ok: true }),
          {
            ok: false,
            error: expect.objectContaining({
              code: 'not_found',
              upstream: expect.objectContaining({
                status: 404,
                code: '0x80040217',
                message: expect.stringContaining('Does Not Exist'),
              }),
            }),
          },
        ]);
      }),
    );
  });

  it('a price named by its product number: the product is read with its items expanded, then the item upserted', async () => {
    const itemColumns = 'productpricelevelid,_pricelevelid_value,_productid_value,_uomid_value';
    pact
      .given('a price list, a product and its unit exist, the product in no price list')
      .uponReceiving('the products of some numbers with their price-list items expanded')
      .withRequest({
        method: 'GET',
        path: '/api/data/v9.2/products',
        query: {
          $select: 'productid,productnumber',
          $filter: fromProviderState(
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression
            "Microsoft.Dynamics.CRM.In(PropertyName='productnumber',PropertyValues=['${productNumber}'])",
            "Microsoft.Dynamics.CRM.In(PropertyName='productnumber',PropertyValues=['ie-10001'])",
          ),
          $expand: `product_price_levels($select=${itemColumns})`,
        },
        headers: { ...dataverseRequestHeaders, Prefer: 'odata.maxpagesize=5000' },
      })
      .willRespondWith({
        status: 200,
        headers: { 'Content-Type': odataJson },
        body: {
          value: eachLike({
            productid: uuid(PRODUCT),
            productnumber: string('IE-10001'),
            // The product is in no price list: its expanded collection is empty, with the link to it.
            product_price_levels: [],
            'product_price_levels@odata.nextLink': dataverseLink(
              `products(${PRODUCT})/product_price_levels?$select=${itemColumns}`,
              'products\\([0-9a-f-]{36}\\)/product_price_levels\\?.+',
            ),
          }),
        },
      });
    await pact.executeTest(async (mock) =>
      upsertAlone().executeTest(async (batchMock) => {
        world.front.retarget(mock.url, [{ path: batchPath, url: batchMock.url }]);
        const { ctx, config } = world.dataverse();
        const outcomes = await writeStream(dataverseConnector, 'priceListItems', ctx, config, [
          { ...record(PRODUCT), productid: { key: { productnumber: 'IE-10001' } } },
        ]);
        expect(outcomes).toEqual([expect.objectContaining({ ok: true })]);
      }),
    );
  });
});
