import { FNO_SEED_FACTS } from '@mlc/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type ConnectorContext,
  ConnectorError,
  type CreateSalesOrderRecord,
  createSalesOrder,
  ensureCustomer,
  findCustomersByName,
  fnoConnector,
  type HttpClient,
  writeStream,
} from '../src/index';
import { type FnoSandbox, startFnoSandbox, testSetup } from './fno-sandbox';

/**
 * The F&O sinks against the sandbox's F&O: customers found or created exactly once, sales orders
 * with all their lines exactly once (manual numbers: one atomic changeset in usmf; number
 * sequence: header, then lines, compensated, in demf), refusals with F&O's Infolog and nothing
 * left behind, and lost responses (after the write, or a reset before it).
 */

let sb: FnoSandbox;

beforeAll(async () => {
  sb = await startFnoSandbox();
});

afterAll(async () => {
  await sb?.close();
});

const headers = z.object({
  value: z.array(
    z.looseObject({
      SalesOrderNumber: z.string(),
      CustomersOrderReference: z.string(),
      SalesOrderLines: z.array(z.looseObject({ ItemNumber: z.string(), OrderedSalesQuantity: z.number() })),
    }),
  ),
});

/** Every F&O order (any company) carrying this customer reference, with its lines. */
async function ordersWithReference(ctx: ConnectorContext, reference: string) {
  const filter = encodeURIComponent(`CustomersOrderReference eq '${reference}'`);
  const response = await testSetup(ctx).request({
    method: 'GET',
    url: `${sb.fnoUrl}/data/SalesOrderHeadersV2?$filter=${filter}&$expand=SalesOrderLines&cross-company=true`,
    schema: headers,
  });
  return response.body.value;
}

let orderCounter = 0;
function order(
  legalEntity: 'usmf' | 'demf',
  customerAccount: string,
  items: string[],
): CreateSalesOrderRecord {
  orderCounter += 1;
  return {
    legalEntity,
    crmOrderNumber: `ORD-${String(orderCounter).padStart(5, '0')}-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
    customerAccount,
    requestedShippingDate: '2026-03-02',
    lines: items.map((itemNumber, index) => ({ itemNumber, quantity: index + 1 })),
  };
}

/** An HTTP client that lets the test interfere with the first request matching `match`. */
function interfering(
  http: HttpClient,
  match: (method: string, url: string) => boolean,
  around: (send: () => Promise<unknown>) => Promise<unknown>,
): HttpClient & { hits: number } {
  const wrapper = {
    ...http,
    hits: 0,
    async request(req: Parameters<HttpClient['request']>[0]) {
      const url = String(req.url);
      if (wrapper.hits === 0 && match(req.method, url)) {
        wrapper.hits += 1;
        return around(() => http.request(req));
      }
      return http.request(req);
    },
  };
  return wrapper as HttpClient & { hits: number };
}

describe('F&O customers sink', () => {
  it('creates a customer in usmf with the CRM account number (manual accounts), then finds it', async () => {
    const { ctx, config } = sb.context();
    const record = {
      legalEntity: 'usmf',
      accountNumber: 'ACC-77001',
      organizationName: 'Lakeside Fluid Systems',
      address: {
        street: '12 Harbor Rd',
        city: 'Duluth',
        zipCode: '55802',
        state: 'MN',
        countryRegionId: 'USA',
      },
      email: 'orders@lakeside.example',
    };
    const first = await writeStream(fnoConnector, 'customers', ctx, config, [record]);
    expect(first).toEqual([{ ok: true, key: 'ACC-77001' }]);
    const created = await testSetup(ctx).request({
      method: 'GET',
      url: `${sb.fnoUrl}/data/CustomersV3(dataAreaId='usmf',CustomerAccount='ACC-77001')?cross-company=true`,
      schema: z.looseObject({}),
    });
    expect(created.body).toMatchObject({
      OrganizationName: 'Lakeside Fluid Systems',
      CustomerGroupId: '10',
      SalesCurrencyCode: 'USD',
      AddressCity: 'Duluth',
      PrimaryContactEmail: 'orders@lakeside.example',
    });
    expect(await ensureCustomer(ctx, config, { ...record, partyType: 'Organization' })).toEqual({
      dataAreaId: 'usmf',
      customerAccount: 'ACC-77001',
      outcome: 'found_by_account_number',
    });
    expect(
      await ensureCustomer(ctx, config, {
        partyType: 'Organization',
        organizationName: 'x',
        customerAccount: 'ACC-77001',
      }),
    ).toMatchObject({ outcome: 'found_by_customer_account' });
  });

  it('finds a seeded customer by account number without creating one', async () => {
    const { ctx, config } = sb.context();
    const before = await testSetup(ctx).request({
      method: 'GET',
      url: `${sb.fnoUrl}/data/CustomersV3/$count`,
    });
    const found = await ensureCustomer(ctx, config, {
      legalEntity: 'usmf',
      accountNumber: 'ACC-10001',
      partyType: 'Organization',
      organizationName: 'Whatever the CRM calls it',
    });
    expect(found).toEqual({
      dataAreaId: 'usmf',
      customerAccount: 'ACC-10001',
      outcome: 'found_by_account_number',
    });
    const after = await testSetup(ctx).request({
      method: 'GET',
      url: `${sb.fnoUrl}/data/CustomersV3/$count`,
    });
    expect(after.body).toBe(before.body);
  });

  it('creates a customer in demf from the number sequence; the key map then finds it', async () => {
    const { ctx, config } = sb.context();
    const created = await ensureCustomer(ctx, config, {
      legalEntity: 'demf',
      accountNumber: 'ACC-88001',
      partyType: 'Person',
      personFirstName: 'Jürgen',
      personLastName: 'Weiß',
    });
    expect(created).toMatchObject({ dataAreaId: 'demf', outcome: 'created' });
    expect(created.customerAccount).toMatch(/^DE-\d{5}$/);
    expect(
      await ensureCustomer(ctx, config, {
        legalEntity: 'demf',
        customerAccount: created.customerAccount,
        partyType: 'Person',
        personLastName: 'Weiß',
      }),
    ).toEqual({ ...created, outcome: 'found_by_customer_account' });
  });

  it('finds the customers of a legal entity by exact organisation or person name (after an interrupted create)', async () => {
    const { ctx, config } = sb.context();
    const organizationName = `Name Search Traders ${Date.now()}`;
    const first = await ensureCustomer(ctx, config, {
      legalEntity: 'demf',
      partyType: 'Organization',
      organizationName,
    });
    const second = await ensureCustomer(ctx, config, {
      legalEntity: 'demf',
      partyType: 'Organization',
      organizationName,
    });
    expect(second.customerAccount).not.toBe(first.customerAccount);
    expect(
      (
        await findCustomersByName(ctx, config, 'demf', { partyType: 'Organization', organizationName })
      ).sort(),
    ).toEqual([first.customerAccount, second.customerAccount].sort());
    expect(
      await findCustomersByName(ctx, config, 'usmf', { partyType: 'Organization', organizationName }),
    ).toEqual([]);
    const lastName = `O'Namesearch ${Date.now()}`;
    const person = await ensureCustomer(ctx, config, {
      legalEntity: 'demf',
      partyType: 'Person',
      personFirstName: 'Ilse',
      personLastName: lastName,
    });
    expect(
      await findCustomersByName(ctx, config, 'demf', { partyType: 'Person', firstName: 'Ilse', lastName }),
    ).toEqual([person.customerAccount]);
  });

  it('a lost response to a customer create: found by its account number (manual), else reported, never sent twice', async () => {
    const { ctx, config, http } = sb.context();
    const lose = () =>
      interfering(
        http,
        (method, url) => method === 'POST' && url.endsWith('/data/CustomersV3'),
        async (send) => {
          await send();
          throw new ConnectorError(
            'outcome_unknown',
            'the connection dropped after the request was sent (test)',
          );
        },
      );
    const manual = lose();
    expect(
      await ensureCustomer({ ...ctx, http: manual }, config, {
        legalEntity: 'usmf',
        accountNumber: 'ACC-77003',
        partyType: 'Organization',
        organizationName: 'Lost Reply Inc.',
      }),
    ).toEqual({ dataAreaId: 'usmf', customerAccount: 'ACC-77003', outcome: 'found_by_account_number' });
    expect(manual.hits).toBe(1);

    // demf assigns accounts from its number sequence: without a reference field there is no
    // natural key to look for, so the unknown outcome is reported instead of risking a second customer.
    const before = await testSetup(ctx).request({
      method: 'GET',
      url: `${sb.fnoUrl}/data/CustomersV3/$count?cross-company=true`,
    });
    const sequence = lose();
    const error = await ensureCustomer({ ...ctx, http: sequence }, config, {
      legalEntity: 'demf',
      partyType: 'Organization',
      organizationName: 'Verlorene Antwort AG',
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'outcome_unknown',
      remedy: expect.stringMatching(/Verlorene Antwort AG/),
    });
    const after = await testSetup(ctx).request({
      method: 'GET',
      url: `${sb.fnoUrl}/data/CustomersV3/$count?cross-company=true`,
    });
    expect(Number(after.body)).toBe(Number(before.body) + 1);
  });

  it('a customer F&O refuses carries the Infolog', async () => {
    const { ctx, config } = sb.context();
    const outcomes = await writeStream(fnoConnector, 'customers', ctx, config, [
      {
        legalEntity: 'usmf',
        accountNumber: 'ACC-77002',
        organizationName: 'Bad Group Ltd',
        customerGroupId: 'NOPE',
      },
      { legalEntity: 'usmf', organizationName: '' },
    ]);
    const [refused, invalid] = outcomes;
    expect(refused?.ok).toBe(false);
    if (refused?.ok !== false) return;
    expect(refused.error).toMatchObject({ code: 'validation_failed', upstream: { status: 500 } });
    expect(refused.error.upstream?.infolog).toContainEqual({
      level: 'Warning',
      text: "The value 'NOPE' in field 'Customer group' is not found in the related table 'Customer groups'.",
    });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });
});

describe('F&O sales orders sink', () => {
  it('usmf (manual numbers): header and lines in one changeset; the same CRM order again returns the same order', async () => {
    const { ctx, config } = sb.context();
    const record = order('usmf', 'ACC-10001', [FNO_SEED_FACTS.commonItem, FNO_SEED_FACTS.usmfOnlyItem]);
    const first = await createSalesOrder(ctx, config, record);
    expect(first).toMatchObject({
      dataAreaId: 'usmf',
      salesOrderNumber: record.crmOrderNumber,
      outcome: 'created',
    });
    expect(first.lines.map((line) => line.itemNumber)).toEqual([
      FNO_SEED_FACTS.commonItem,
      FNO_SEED_FACTS.usmfOnlyItem,
    ]);
    const second = await writeStream(fnoConnector, 'salesOrders', ctx, config, [record]);
    expect(second).toEqual([{ ok: true, key: first.salesOrderNumber }]);
    const orders = await ordersWithReference(ctx, record.crmOrderNumber);
    expect(orders).toHaveLength(1);
    expect(orders[0]?.SalesOrderLines.map((line) => [line.ItemNumber, line.OrderedSalesQuantity])).toEqual([
      [FNO_SEED_FACTS.commonItem, 1],
      [FNO_SEED_FACTS.usmfOnlyItem, 2],
    ]);
  });

  it('demf (number sequence): header then lines; the same CRM order again returns the same order', async () => {
    const { ctx, config } = sb.context();
    const record = order('demf', 'ACC-10004', [
      FNO_SEED_FACTS.commonItem,
      FNO_SEED_FACTS.demfOnlyItem,
      FNO_SEED_FACTS.commonItem,
    ]);
    const first = await createSalesOrder(ctx, config, record);
    expect(first.outcome).toBe('created');
    expect(first.salesOrderNumber).toMatch(/^\d{6}$/);
    expect(await createSalesOrder(ctx, config, record)).toMatchObject({
      salesOrderNumber: first.salesOrderNumber,
      outcome: 'found',
    });
    const orders = await ordersWithReference(ctx, record.crmOrderNumber);
    expect(orders.map((o) => [o.SalesOrderNumber, o.SalesOrderLines.length])).toEqual([
      [first.salesOrderNumber, 3],
    ]);
  });

  it.each([
    ['usmf', 'ACC-10001', FNO_SEED_FACTS.demfOnlyItem, 'one changeset'],
    ['demf', 'ACC-10004', FNO_SEED_FACTS.usmfOnlyItem, 'header deleted again'],
  ] as const)(
    '%s: a line for an item not released there fails with the Infolog and leaves no header (%s)',
    async (legalEntity, customer, foreignItem, _how) => {
      const { ctx, config } = sb.context();
      const record = order(legalEntity, customer, [FNO_SEED_FACTS.commonItem, foreignItem]);
      const [outcome] = await writeStream(fnoConnector, 'salesOrders', ctx, config, [record]);
      expect(outcome?.ok).toBe(false);
      if (outcome?.ok !== false) return;
      const error = outcome.error;
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error.code).toBe('validation_failed');
      expect(error.message).toContain(`line 2 (item ${foreignItem})`);
      expect(error.message).toContain(
        `The value '${foreignItem}' in field 'Item number' is not found in the related table 'Items'.`,
      );
      expect(error.upstream?.infolog).toContainEqual({
        level: 'Warning',
        text: `The value '${foreignItem}' in field 'Item number' is not found in the related table 'Items'.`,
      });
      expect(error.remedy).toMatch(/release the item/);
      expect(await ordersWithReference(ctx, record.crmOrderNumber)).toEqual([]);
    },
  );

  it.each([
    ['usmf', 'ACC-10001', '$batch'],
    ['demf', 'ACC-10004', 'SalesOrderHeadersV2'],
  ] as const)(
    '%s: the response to the create is lost after F&O applied it → looked up, the same order, created once',
    async (legalEntity, customer, path) => {
      const { ctx, config, http } = sb.context();
      const lossy = interfering(
        http,
        (method, url) => method === 'POST' && url.endsWith(`/data/${path}`),
        async (send) => {
          await send();
          throw new ConnectorError(
            'outcome_unknown',
            'the connection dropped after the request was sent (test)',
          );
        },
      );
      const record = order(legalEntity, customer, [FNO_SEED_FACTS.commonItem]);
      const created = await createSalesOrder({ ...ctx, http: lossy }, config, record);
      expect(lossy.hits).toBe(1);
      // usmf: the whole order was there; demf: the header was there, without lines, which were added.
      expect(created.outcome).toBe(legalEntity === 'usmf' ? 'found' : 'completed');
      const orders = await ordersWithReference(ctx, record.crmOrderNumber);
      expect(orders.map((o) => [o.SalesOrderNumber, o.SalesOrderLines.length])).toEqual([
        [created.salesOrderNumber, 1],
      ]);
    },
  );

  it.each([
    ['usmf', 'ACC-10001', '$batch'],
    ['demf', 'ACC-10004', 'SalesOrderHeadersV2'],
  ] as const)(
    '%s: the connection is reset before F&O reads the create (host fault) → outcome_unknown, looked up, sent again once',
    async (legalEntity, customer, path) => {
      const { ctx, config, http } = sb.context();
      const resetting = interfering(
        http,
        (method, url) => method === 'POST' && url.endsWith(`/data/${path}`),
        async (send) => {
          await sb.control.faults('fno', { resetRate: 1 });
          try {
            return await send();
          } finally {
            await sb.control.faults('fno', {});
          }
        },
      );
      const record = order(legalEntity, customer, [FNO_SEED_FACTS.commonItem, FNO_SEED_FACTS.commonItem]);
      const created = await createSalesOrder({ ...ctx, http: resetting }, config, record);
      expect(resetting.hits).toBe(1);
      expect(created.outcome).toBe('created');
      const orders = await ordersWithReference(ctx, record.crmOrderNumber);
      expect(orders.map((o) => [o.SalesOrderNumber, o.SalesOrderLines.length])).toEqual([
        [created.salesOrderNumber, 2],
      ]);
    },
  );

  it('demf: a header left without lines by an interrupted attempt is completed by the next one', async () => {
    const { ctx, config } = sb.context();
    const record = order('demf', 'ACC-10004', [FNO_SEED_FACTS.commonItem]);
    // What an attempt that stopped between header and lines leaves behind.
    const header = await testSetup(ctx).request({
      method: 'POST',
      url: `${sb.fnoUrl}/data/SalesOrderHeadersV2`,
      json: {
        dataAreaId: 'demf',
        OrderingCustomerAccountNumber: 'ACC-10004',
        CustomersOrderReference: record.crmOrderNumber,
      },
      schema: z.looseObject({ SalesOrderNumber: z.string() }),
    });
    const completed = await createSalesOrder(ctx, config, record);
    expect(completed).toMatchObject({ salesOrderNumber: header.body.SalesOrderNumber, outcome: 'completed' });
    const orders = await ordersWithReference(ctx, record.crmOrderNumber);
    expect(orders.map((o) => o.SalesOrderLines.length)).toEqual([1]);
  });
});
