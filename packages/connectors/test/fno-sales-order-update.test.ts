import { FNO_SEED_FACTS } from '@mlc/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConnectorError,
  createSalesOrder,
  type HttpClient,
  readSalesOrder,
  type UpdateSalesOrderInput,
  updateSalesOrder,
} from '../src/index';
import { type FnoSandbox, startFnoSandbox, testSetup } from './fno-sandbox';

/**
 * Reading and updating an F&O sales order against the sandbox's F&O: one request per read (lines
 * expanded), header and line changes, removed and added lines in one atomic changeset, a re-run
 * that sends nothing, a refusal with F&O's Infolog that leaves the order as it was, allow-lists
 * checked before sending, a lost answer (applied once), and progressed orders (invoiced through
 * the sandbox's invoicing route, delivered in the seed) refused.
 */

let sb: FnoSandbox;

beforeAll(async () => {
  sb = await startFnoSandbox();
});

afterAll(async () => {
  await sb?.close();
});

/** Requests F&O answered since the last counter reset (`$batch` is counted without an entity set). */
const requestCount = async (method?: string, path?: string) =>
  (await sb.control.counters('fno')).requests
    .filter(
      (r) =>
        (method === undefined || r.method === method) &&
        (path === undefined || (r.entitySet ?? '$batch') === path),
    )
    .reduce((sum, r) => sum + r.count, 0);

let counter = 0;
async function newOrder(items: string[] = [FNO_SEED_FACTS.commonItem, FNO_SEED_FACTS.commonItem]) {
  const { ctx, config } = sb.context();
  counter += 1;
  const created = await createSalesOrder(ctx, config, {
    legalEntity: 'usmf',
    crmOrderNumber: `UPD-${counter}-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
    customerAccount: 'ACC-10001',
    requestedShippingDate: '2026-03-02',
    lines: items.map((itemNumber, index) => ({
      itemNumber,
      quantity: index + 1,
      salesPrice: 10 * (index + 1),
    })),
  });
  return created;
}

/** An HTTP client that runs `around` for the first request matching `match`. */
function interfering(
  http: HttpClient,
  match: (method: string, url: string) => boolean,
  around: (send: () => Promise<unknown>) => Promise<unknown>,
): HttpClient & { hits: number } {
  const wrapper = {
    ...http,
    hits: 0,
    async request(req: Parameters<HttpClient['request']>[0]) {
      if (wrapper.hits === 0 && match(req.method, String(req.url))) {
        wrapper.hits += 1;
        return around(() => http.request(req));
      }
      return http.request(req);
    },
  };
  return wrapper as HttpClient & { hits: number };
}

describe('readSalesOrder', () => {
  it('reads the header fields and the lines in one request; an open order has not progressed', async () => {
    const created = await newOrder();
    const { ctx, config } = sb.context();
    await sb.control.resetCounters('fno');
    const order = await readSalesOrder(ctx, config, {
      legalEntity: 'USMF',
      salesOrderNumber: created.salesOrderNumber,
    });
    expect(await requestCount()).toBe(1);
    expect(order).toMatchObject({
      dataAreaId: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
      status: 'Backorder',
      progressed: { yes: false },
      header: {
        OrderingCustomerAccountNumber: 'ACC-10001',
        CurrencyCode: 'USD',
        RequestedShippingDate: '2026-03-02T12:00:00Z',
        DeliveryAddressCity: expect.any(String),
      },
    });
    expect(order?.etag).toMatch(/^W\//);
    expect(
      order?.lines.map((l) => [l.inventoryLotId, l.lineNumber, l.itemNumber, l.orderedSalesQuantity]),
    ).toEqual(created.lines.map((l, i) => [l.inventoryLotId, i + 1, FNO_SEED_FACTS.commonItem, i + 1]));
    expect(order?.lines[1]).toMatchObject({
      salesPrice: 20,
      salesPriceQuantity: 1,
      lineAmount: 40,
      status: 'Backorder',
    });
  });

  it('answers undefined for an order that does not exist', async () => {
    const { ctx, config } = sb.context();
    expect(
      await readSalesOrder(ctx, config, { legalEntity: 'usmf', salesOrderNumber: 'NO-SUCH-1' }),
    ).toBeUndefined();
  });

  it('an invoiced order (sandbox invoicing route) and a delivered one have progressed', async () => {
    const created = await newOrder();
    const { ctx, config } = sb.context();
    await sb.control.call('POST', '/_sandbox/fno/invoice', {
      dataAreaId: 'usmf',
      SalesOrderNumber: created.salesOrderNumber,
    });
    const invoiced = await readSalesOrder(ctx, config, {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
    });
    expect(invoiced).toMatchObject({
      status: 'Invoiced',
      progressed: { yes: true, reason: expect.stringContaining('Invoiced') },
    });
    expect(invoiced?.lines.every((l) => l.status === 'Invoiced')).toBe(true);

    const delivered = await testSetup(ctx).request({
      method: 'GET',
      url: `${sb.fnoUrl}/data/SalesOrderHeadersV2?$filter=${encodeURIComponent("dataAreaId eq 'usmf' and SalesOrderStatus eq Microsoft.Dynamics.DataEntities.SalesStatus'Delivered'")}&$select=SalesOrderNumber&$top=1&cross-company=true`,
      schema: z.object({ value: z.array(z.object({ SalesOrderNumber: z.string() })) }),
    });
    const number = delivered.body.value[0]?.SalesOrderNumber;
    if (!number) throw new Error('no delivered order in the seed');
    const read = await readSalesOrder(ctx, config, { legalEntity: 'usmf', salesOrderNumber: number });
    expect(read?.progressed).toEqual({ yes: true, reason: expect.stringContaining('Delivered') });

    // Updating a progressed order is refused before anything is sent.
    await sb.control.resetCounters('fno');
    const refused = await updateSalesOrder(ctx, config, {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
      header: { DeliveryAddressCity: 'Elsewhere' },
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConnectorError);
    expect(refused).toMatchObject({ code: 'conflict', message: expect.stringContaining('progressed') });
    expect((refused as ConnectorError).remedy).toBeTruthy();
    expect(await requestCount('POST', '$batch')).toBe(0);
  });
});

describe('updateSalesOrder', () => {
  it('applies header, changed, removed and added lines in one changeset; running it again sends nothing', async () => {
    const created = await newOrder();
    const [first, second] = created.lines;
    if (!first || !second) throw new Error('two lines expected');
    const { ctx, config } = sb.context();
    const input: UpdateSalesOrderInput = {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
      header: { DeliveryAddressCity: 'Fargo', RequestedShippingDate: '2026-04-15T12:00:00Z' },
      updateLines: [
        { inventoryLotId: first.inventoryLotId, changes: { OrderedSalesQuantity: 5, SalesPrice: 12.5 } },
      ],
      removeLines: [second.inventoryLotId],
      // A mapping line payload as it is (dataAreaId included).
      addLines: [
        {
          dataAreaId: 'usmf',
          LineNumber: 3,
          ItemNumber: FNO_SEED_FACTS.usmfOnlyItem,
          OrderedSalesQuantity: 2,
          SalesPrice: 7,
          SalesPriceQuantity: 1,
          LineDescription: 'Added in Sales',
        },
      ],
    };
    await sb.control.resetCounters('fno');
    const updated = await updateSalesOrder(ctx, config, input);
    expect(await requestCount('POST', '$batch')).toBe(1);
    expect(updated.outcome).toBe('updated');
    expect(updated.applied).toMatchObject({
      header: ['DeliveryAddressCity', 'RequestedShippingDate'],
      updated: [first.inventoryLotId],
      removed: [second.inventoryLotId],
      added: [{ lineNumber: 3, itemNumber: FNO_SEED_FACTS.usmfOnlyItem, inventoryLotId: expect.any(String) }],
    });
    expect(updated.order.header).toMatchObject({
      DeliveryAddressCity: 'Fargo',
      RequestedShippingDate: '2026-04-15T12:00:00Z',
    });
    expect(
      updated.order.lines.map((l) => [l.lineNumber, l.itemNumber, l.orderedSalesQuantity, l.lineAmount]),
    ).toEqual([
      [1, FNO_SEED_FACTS.commonItem, 5, 62.5],
      [3, FNO_SEED_FACTS.usmfOnlyItem, 2, 14],
    ]);
    expect(updated.order.lines[1]?.lineDescription).toBe('Added in Sales');

    // The same update again (a re-run after a crash): read, nothing left to do, nothing sent.
    await sb.control.resetCounters('fno');
    const again = await updateSalesOrder(ctx, config, input);
    expect(again.outcome).toBe('unchanged');
    expect(again.skipped).toEqual({
      addedLineNumbers: [3],
      updatedLots: [first.inventoryLotId],
      removedLots: [second.inventoryLotId],
      header: ['DeliveryAddressCity', 'RequestedShippingDate'],
    });
    expect(await requestCount('POST', '$batch')).toBe(0);
    expect(await requestCount()).toBe(1);
  });

  it('clears a description and a discount with null', async () => {
    const created = await newOrder([FNO_SEED_FACTS.commonItem]);
    const lot = created.lines[0]?.inventoryLotId ?? '';
    const { ctx, config } = sb.context();
    await updateSalesOrder(ctx, config, {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
      updateLines: [{ inventoryLotId: lot, changes: { LineDiscountAmount: 2, LineDescription: 'Special' } }],
    });
    const cleared = await updateSalesOrder(ctx, config, {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
      updateLines: [{ inventoryLotId: lot, changes: { LineDiscountAmount: null, LineDescription: null } }],
    });
    expect(cleared.order.lines[0]).toMatchObject({
      lineDiscountAmount: 0,
      lineDescription: '',
      lineAmount: 10,
    });
  });

  it('a refused operation names the line and carries the Infolog; nothing of the update is applied', async () => {
    const created = await newOrder();
    const { ctx, config } = sb.context();
    const before = await readSalesOrder(ctx, config, {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
    });
    const foreign = FNO_SEED_FACTS.demfOnlyItem;
    const error = await updateSalesOrder(ctx, config, {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
      header: { DeliveryAddressCity: 'Nowhere' },
      removeLines: [created.lines[1]?.inventoryLotId ?? ''],
      addLines: [{ LineNumber: 3, ItemNumber: foreign, OrderedSalesQuantity: 1 }],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    const refusal = error as ConnectorError;
    expect(refusal.code).toBe('validation_failed');
    expect(refusal.message).toContain(`added line 1 (item ${foreign}, line number 3)`);
    expect(refusal.message).toContain(
      `The value '${foreign}' in field 'Item number' is not found in the related table 'Items'.`,
    );
    expect(refusal.upstream?.infolog).toContainEqual({
      level: 'Warning',
      text: `The value '${foreign}' in field 'Item number' is not found in the related table 'Items'.`,
    });
    expect(refusal.remedy).toMatch(/Nothing of this update was applied/);
    const after = await readSalesOrder(ctx, config, {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
    });
    expect(after?.header).toEqual(before?.header);
    expect(after?.lines).toEqual(before?.lines);
  });

  it('refuses properties outside the allow-lists, foreign legal entities and unknown lots before writing', async () => {
    const created = await newOrder([FNO_SEED_FACTS.commonItem]);
    const { ctx, config } = sb.context();
    const key = { legalEntity: 'usmf', salesOrderNumber: created.salesOrderNumber };
    await sb.control.resetCounters('fno');
    const bad: unknown[] = [
      { ...key, header: { SalesOrderStatus: 'Invoiced' } },
      { ...key, header: { CustomersOrderReference: 'OTHER' } },
      { ...key, addLines: [{ ItemNumber: 'X', OrderedSalesQuantity: 1, LineAmount: 5 }] },
      { ...key, addLines: [{ dataAreaId: 'demf', ItemNumber: 'X', OrderedSalesQuantity: 1 }] },
      { ...key, updateLines: [{ inventoryLotId: 'L1', changes: { OrderedSalesQuantity: -1 } }] },
      { ...key, updateLines: [{ inventoryLotId: 'L1', changes: {} }], removeLines: ['L1'] },
    ];
    for (const input of bad) {
      await expect(updateSalesOrder(ctx, config, input as UpdateSalesOrderInput)).rejects.toMatchObject({
        code: 'validation_failed',
        remedy: expect.stringContaining('OrderingCustomerAccountNumber'),
      });
    }
    expect(await requestCount()).toBe(0);
    await expect(
      updateSalesOrder(ctx, config, {
        ...key,
        updateLines: [{ inventoryLotId: 'NOT-A-LOT', changes: { OrderedSalesQuantity: 3 } }],
      }),
    ).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('NOT-A-LOT') });
    await expect(
      updateSalesOrder(ctx, config, {
        legalEntity: 'usmf',
        salesOrderNumber: 'NO-SUCH-2',
        header: { CurrencyCode: 'EUR' },
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    // A line number held by another item is a conflict, not a silent duplicate.
    await expect(
      updateSalesOrder(ctx, config, {
        ...key,
        addLines: [{ LineNumber: 1, ItemNumber: FNO_SEED_FACTS.usmfOnlyItem, OrderedSalesQuantity: 1 }],
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await requestCount('POST', '$batch')).toBe(0);
  });

  it('a lost answer after F&O applied the changeset: read again, nothing sent twice', async () => {
    const created = await newOrder([FNO_SEED_FACTS.commonItem]);
    const { ctx, config, http } = sb.context();
    const lossy = interfering(
      http,
      (method, url) => method === 'POST' && url.endsWith('/data/$batch'),
      async (send) => {
        await send();
        throw new ConnectorError(
          'outcome_unknown',
          'the connection dropped after the request was sent (test)',
        );
      },
    );
    await sb.control.resetCounters('fno');
    const updated = await updateSalesOrder({ ...ctx, http: lossy }, config, {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
      addLines: [{ LineNumber: 2, ItemNumber: FNO_SEED_FACTS.commonItem, OrderedSalesQuantity: 4 }],
    });
    expect(lossy.hits).toBe(1);
    expect(updated.outcome).toBe('updated');
    expect(updated.skipped.addedLineNumbers).toEqual([2]);
    expect(updated.order.lines.map((l) => [l.lineNumber, l.orderedSalesQuantity])).toEqual([
      [1, 1],
      [2, 4],
    ]);
    expect(await requestCount('POST', '$batch')).toBe(1);
  });

  it('a lost answer with an unnumbered added line is reported, not resent', async () => {
    const created = await newOrder([FNO_SEED_FACTS.commonItem]);
    const { ctx, config, http } = sb.context();
    const lossy = interfering(
      http,
      (method, url) => method === 'POST' && url.endsWith('/data/$batch'),
      async (send) => {
        await send();
        throw new ConnectorError(
          'outcome_unknown',
          'the connection dropped after the request was sent (test)',
        );
      },
    );
    await expect(
      updateSalesOrder({ ...ctx, http: lossy }, config, {
        legalEntity: 'usmf',
        salesOrderNumber: created.salesOrderNumber,
        addLines: [{ ItemNumber: FNO_SEED_FACTS.commonItem, OrderedSalesQuantity: 4 }],
      }),
    ).rejects.toMatchObject({ code: 'outcome_unknown', remedy: expect.stringContaining('LineNumber') });
    const order = await readSalesOrder(ctx, config, {
      legalEntity: 'usmf',
      salesOrderNumber: created.salesOrderNumber,
    });
    expect(order?.lines).toHaveLength(2);
  });
});
