import { dataverseConnector, writeStream } from '@mlc/connectors';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ConsumerWorld, startConsumerWorld } from '../support/consumer-world';
import {
  batchRequestContentType,
  batchResponseContentType,
  dataverseRequestHeaders,
  fromProviderState,
  odataJson,
  pactWith,
} from '../support/pact';

/**
 * Price-list items: `productpricelevel` has no UpsertMultiple, so the sink looks the item up by
 * price list + product + unit and writes it in a `$batch` changeset. The changeset boundary is a
 * random UUID that Pact would compare verbatim in the part header (README "`$batch`"): inside the
 * connector's `dataverse/batch.ts` only, `randomUUID` answers a fixed value, and the body is
 * compared byte for byte.
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
const BATCH = 'batch_4f3e2d1c-0b9a-4887-a665-544332211000';
const CHANGESET = 'changeset_4f3e2d1c-0b9a-4887-a665-544332211000';
const STATE = 'a price list, a product and its unit exist, without a price-list item';

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
    // shared/reference/dataverse.md §7: one changeset, Content-ID 1, the upsert as PATCH by id.
    const body = [
      `--${BATCH}`,
      `Content-Type: multipart/mixed; boundary=${CHANGESET}`,
      '',
      `--${CHANGESET}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 1',
      '',
      `PATCH /api/data/v9.2/productpricelevels(${ITEM_ID}) HTTP/1.1`,
      'Content-Type: application/json; type=entry',
      '',
      JSON.stringify({
        amount: 480,
        pricingmethodcode: 1,
        'pricelevelid@odata.bind': `/pricelevels(${PRICE_LIST})`,
        'productid@odata.bind': `/products(${PRODUCT})`,
        'uomid@odata.bind': `/uoms(${UNIT})`,
      }),
      `--${CHANGESET}--`,
      `--${BATCH}--`,
      '',
    ].join('\r\n');
    pact
      .given(STATE)
      .uponReceiving('a price-list item upserted in a $batch changeset')
      .withRequest({
        method: 'POST',
        path: '/api/data/v9.2/$batch',
        headers: {
          ...dataverseRequestHeaders,
          'Content-Type': batchRequestContentType('batch_[0-9a-f-]{36}', BATCH),
        },
        contentType: 'application/octet-stream',
        body,
      })
      .willRespondWith({ status: 200, headers: { 'Content-Type': batchResponseContentType } });
    await pact.executeTest(async (mock) => {
      world.front.retarget(mock.url);
      const { ctx, config } = world.dataverse();
      const outcomes = await writeStream(dataverseConnector, 'priceListItems', ctx, config, [
        { pricelevelid: { id: PRICE_LIST }, productid: { id: PRODUCT }, uomid: { id: UNIT }, amount: 480 },
      ]);
      // The pact pins the $batch answer's status and type, not its parts (README "`$batch`"): the
      // sink counts a 200 without a failed part as written.
      expect(outcomes).toEqual([expect.objectContaining({ ok: true })]);
    });
  });
});
