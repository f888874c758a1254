import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BUSINESS_EVENT_CATALOG,
  CUSTOMER_CHANGED,
  ENVELOPE_KEYS,
  RELEASED_PRODUCT_CHANGED,
  SALES_INVOICE_POSTED,
  SANDBOX_ADMIN_OBJECT_ID,
  SEED_FACTS,
} from '../src/fno';
import { ensureTlsMaterial } from '../src/host/tls';
import { type FnoHarness, type HarnessOptions, startFno } from './fno-harness';
import {
  control,
  envelopeProblems,
  objectIdOf,
  type Receiver,
  SAMPLE,
  SAMPLE_ENVELOPE_KEYS,
  SAMPLE_FIXTURE,
  SAMPLE_ORIGINAL,
  startReceiver,
} from './fno-receiver';

let fno: FnoHarness | undefined;
const receivers: Receiver[] = [];

afterEach(async () => {
  await fno?.close();
  fno = undefined;
  for (const receiver of receivers.splice(0)) await receiver.close();
});

const FAST: HarnessOptions = { businessEvents: { parameters: { retryWaitMs: 20, timeoutMs: 1_000 } } };

async function start(options: HarnessOptions = FAST): Promise<FnoHarness> {
  fno = await startFno(options);
  return fno;
}

async function receiver(tls?: { cert: string; key: string }): Promise<Receiver> {
  const started = await startReceiver(tls);
  receivers.push(started);
  return started;
}

async function endpoint(
  h: FnoHarness,
  url: string,
  activations: Array<{ businessEventId: string; legalEntity?: string }>,
  extra: Record<string, unknown> = {},
) {
  const created = await control(h, 'POST', '/_sandbox/business-events/endpoints', {
    url,
    activations,
    ...extra,
  });
  expect(created.status, JSON.stringify(created.json())).toBe(201);
  return created.json<{ id: number; activations: Array<{ id: number }> }>();
}

/** Deliveries that are real events (not the activation's test message). */
function events(r: Receiver) {
  return r.received.filter((entry) => entry.json['EventId'] !== '');
}

async function waitForEvents(r: Receiver, count: number, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (events(r).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${events(r).length}`);
    await sleep(10);
  }
  return events(r).slice(0, count);
}

describe('business event catalog', () => {
  it('matches the shared sample (copy unchanged) and derives the envelope keys from it', () => {
    if (existsSync(SAMPLE_ORIGINAL)) {
      expect(JSON.stringify(SAMPLE)).toBe(JSON.stringify(JSON.parse(readFileSync(SAMPLE_ORIGINAL, 'utf8'))));
    }
    expect(readFileSync(SAMPLE_FIXTURE, 'utf8')).toContain('"ParentContextRecordSubjects": null');
    expect(SAMPLE_ENVELOPE_KEYS).toEqual([...ENVELOPE_KEYS]);
  });

  it('lists the standard invoice event and the two partner events, each with a "Download schema" sample', async () => {
    const h = await start();
    const catalog = await control(h, 'GET', '/_sandbox/business-events/catalog');
    const value = catalog.json<{
      value: Array<{ businessEventId: string; standard: boolean; schema: Record<string, unknown> }>;
    }>().value;
    expect(value.map((event) => [event.businessEventId, event.standard])).toEqual([
      [SALES_INVOICE_POSTED, true],
      [CUSTOMER_CHANGED, false],
      [RELEASED_PRODUCT_CHANGED, false],
    ]);
    expect(value.map((event) => event.businessEventId)).toEqual(
      BUSINESS_EVENT_CATALOG.map((event) => event.businessEventId),
    );
    const invoice = value[0]?.schema ?? {};
    // The schema sample has the sample's envelope with its default values.
    for (const key of SAMPLE_ENVELOPE_KEYS) expect(invoice[key], key).toEqual(SAMPLE[key]);
    expect(Object.keys(invoice)).toEqual([...Object.keys(invoice)].sort());
    expect(invoice).toMatchObject({
      InvoiceAccount: '',
      InvoiceAmountInAccountingCurrency: 0,
      InvoiceDate: '/Date(-2208988800000)/',
      InvoiceDueDate: '/Date(-2208988800000)/',
      InvoiceId: '',
      InvoiceTaxAmount: 0,
      LegalEntity: '',
      SalesOrderId: '',
    });
  });
});

describe('business events from OData writes', () => {
  it('sends a test message on activation, then a customer change with the envelope of the sample', async () => {
    const h = await start();
    const r = await receiver();
    await endpoint(h, r.url, [{ businessEventId: CUSTOMER_CHANGED }], {
      name: 'Connector',
      authHeaderName: 'x-mlc-secret',
      authHeaderValue: 's3cret',
    });
    const [test] = await r.waitFor(1);
    expect(test?.headers['x-mlc-secret']).toBe('s3cret');
    expect(test?.headers['content-type']).toBe('application/json');
    expect(test?.json).toMatchObject({
      BusinessEventId: CUSTOMER_CHANGED,
      BusinessEventLegalEntity: '',
      ControlNumber: 0,
      EventId: '',
      ChangeType: '',
      CustomerAccount: '',
    });

    const token = await h.token();
    const auth = { Authorization: `Bearer ${token}` };
    const created = await h.post(
      'CustomersV3',
      {
        dataAreaId: 'usmf',
        OrganizationName: 'Event Test Inc.',
        CustomerGroupId: '10',
        SalesCurrencyCode: 'USD',
      },
      auth,
    );
    expect(created.status).toBe(201);
    const account = String(((await created.json()) as Record<string, unknown>)['CustomerAccount']);
    const patched = await h.api(`CustomersV3(dataAreaId='usmf',CustomerAccount='${account}')`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ CreditLimit: 25_000 }),
    });
    expect(patched.status).toBe(204);

    const [first, second] = await waitForEvents(r, 2);
    const fields = ['ChangeType', 'CustomerAccount', 'LegalEntity'];
    expect(envelopeProblems(first?.json ?? {}, fields)).toEqual([]);
    expect(envelopeProblems(second?.json ?? {}, fields)).toEqual([]);
    expect(first?.json).toMatchObject({
      BusinessEventId: CUSTOMER_CHANGED,
      BusinessEventLegalEntity: 'usmf',
      ChangeType: 'Created',
      CustomerAccount: account,
      LegalEntity: 'usmf',
      ContextRecordSubject: '',
      ParentContextRecordSubjects: [],
      MajorVersion: 1,
      MinorVersion: 0,
      InitiatingUserAADObjectId: `{${objectIdOf(token).toUpperCase()}}`,
    });
    expect(second?.json).toMatchObject({ ChangeType: 'Updated', CustomerAccount: account });
    expect(Number(second?.json['ControlNumber'])).toBeGreaterThan(Number(first?.json['ControlNumber']));
    expect(second?.json['EventId']).not.toBe(first?.json['EventId']);
  });

  it('raises product events for releases, price changes and price agreements, and nothing for a failed write', async () => {
    const h = await start();
    const r = await receiver();
    await endpoint(h, r.url, [{ businessEventId: RELEASED_PRODUCT_CHANGED, legalEntity: 'usmf' }]);
    const item = SEED_FACTS.commonItem;
    const refused = await h.api(`ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${item}')`, {
      method: 'PATCH',
      body: JSON.stringify({ SalesUnitSymbol: 'nope' }),
    });
    expect(refused.status).toBe(500);
    const price = await h.api(`ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${item}')`, {
      method: 'PATCH',
      body: JSON.stringify({ SalesPrice: 123.45 }),
    });
    expect(price.status).toBe(204);
    const agreement = await h.post('SalesPriceAgreements', {
      dataAreaId: 'usmf',
      ItemNumber: item,
      PriceCustomerGroupCode: '20',
      Price: 99,
      PriceCurrencyCode: 'USD',
    });
    expect(agreement.status).toBe(201);
    const product = await h.post('ProductsV2', { ProductNumber: 'EVT-0001', ProductName: 'Event pump' });
    expect(product.status).toBe(201);
    const released = await h.post('ReleasedProductsV2', { dataAreaId: 'usmf', ProductNumber: 'EVT-0001' });
    expect(released.status).toBe(201);
    // Another company is not activated.
    await h.api(`ReleasedProductsV2(dataAreaId='demf',ItemNumber='${item}')`, {
      method: 'PATCH',
      body: JSON.stringify({ SalesPrice: 1 }),
    });

    const delivered = await waitForEvents(r, 3);
    await sleep(100);
    expect(events(r)).toHaveLength(3);
    expect(delivered.map((entry) => [entry.json['ItemNumber'], entry.json['ChangeType']])).toEqual([
      [item, 'PriceChanged'],
      [item, 'PriceChanged'],
      ['EVT-0001', 'Created'],
    ]);
    expect(delivered[2]?.json).toMatchObject({ ProductNumber: 'EVT-0001', LegalEntity: 'usmf' });
  });

  it('posts an invoice through the control API and sends SalesInvoicePostedBusinessEvent as the Admin user', async () => {
    const h = await start();
    const r = await receiver();
    await endpoint(h, r.url, [{ businessEventId: SALES_INVOICE_POSTED }]);
    const open = await h.json(
      "SalesOrderHeadersV2?$filter=SalesOrderStatus eq Microsoft.Dynamics.DataEntities.SalesStatus'Backorder'&$select=SalesOrderNumber,OrderTotalAmount,InvoiceCustomerAccountNumber&$top=20",
    );
    // The first open order whose customer is not on hold for invoicing.
    let order: Record<string, unknown> = {};
    let invoice: Record<string, unknown> = {};
    for (const candidate of open.value) {
      const posted = await control(h, 'POST', '/_sandbox/fno/invoice', {
        dataAreaId: 'usmf',
        SalesOrderNumber: candidate['SalesOrderNumber'],
      });
      if (posted.status === 409) {
        expect(posted.json<{ error: { code: string } }>().error.code).toBe('customer_on_hold');
        continue;
      }
      expect(posted.status, JSON.stringify(posted.json())).toBe(201);
      order = candidate;
      invoice = posted.json();
      break;
    }
    const number = String(order['SalesOrderNumber']);
    expect(invoice).toMatchObject({ salesOrderNumber: number, legalEntity: 'usmf', currency: 'USD' });
    expect(String(invoice['invoiceId'])).toMatch(/^CIV-\d{6}$/);

    const [event] = await waitForEvents(r, 1);
    const payload = event?.json ?? {};
    expect(
      envelopeProblems(payload, [
        'InvoiceAccount',
        'InvoiceAmountInAccountingCurrency',
        'InvoiceDate',
        'InvoiceDueDate',
        'InvoiceId',
        'InvoiceTaxAmount',
        'LegalEntity',
        'SalesOrderId',
      ]),
    ).toEqual([]);
    expect(payload).toMatchObject({
      BusinessEventId: SALES_INVOICE_POSTED,
      BusinessEventLegalEntity: 'usmf',
      InvoiceAccount: order['InvoiceCustomerAccountNumber'],
      InvoiceAmountInAccountingCurrency: order['OrderTotalAmount'],
      InvoiceId: invoice['invoiceId'],
      InvoiceTaxAmount: 0,
      LegalEntity: 'usmf',
      SalesOrderId: number,
      MajorVersion: 0,
      InitiatingUserAADObjectId: `{${SANDBOX_ADMIN_OBJECT_ID}}`,
    });
    const day = /^\/Date\((\d+)\)\/$/.exec(String(payload['InvoiceDate']))?.[1];
    expect(Number(day) % 86_400_000).toBe(0);

    const header = await h.json<Record<string, unknown>>(
      `SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='${number}')?$select=SalesOrderStatus`,
    );
    expect(header['SalesOrderStatus']).toBe('Invoiced');
    const again = await control(h, 'POST', '/_sandbox/fno/invoice', {
      dataAreaId: 'usmf',
      SalesOrderNumber: number,
    });
    expect([again.status, again.json<{ error: { code: string } }>().error.code]).toEqual([
      409,
      'order_invoiced',
    ]);
    const missing = await control(h, 'POST', '/_sandbox/fno/invoice', {
      dataAreaId: 'usmf',
      SalesOrderNumber: 'NOPE',
    });
    expect(missing.status).toBe(404);
  });
});

describe('business event delivery', () => {
  it('retries, logs the failure after the last retry, and resends to the endpoint that replaced it', async () => {
    const h = await start({
      businessEvents: { parameters: { retryCount: 2, retryWaitMs: 10, timeoutMs: 200 } },
    });
    const failing = await receiver();
    const created = await endpoint(h, failing.url, [{ businessEventId: CUSTOMER_CHANGED }], {
      name: 'Receiver',
    });
    failing.respond(() => 'hang');
    await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00001')", {
      method: 'PATCH',
      body: JSON.stringify({ CreditLimit: 1 }),
    });
    await failing.waitFor(4);
    const deadline = Date.now() + 3_000;
    let errors: Array<Record<string, unknown>> = [];
    while (errors.length === 0 && Date.now() < deadline) {
      await sleep(20);
      errors = (await control(h, 'GET', '/_sandbox/business-events/errors')).json<{
        value: Array<Record<string, unknown>>;
      }>().value;
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      endpointName: 'Receiver',
      businessEventId: CUSTOMER_CHANGED,
      attempts: 3,
      lastError: 'timeout after 200 ms',
      lastStatus: null,
    });
    const eventId = (errors[0]?.['payload'] as Record<string, unknown> | undefined)?.['EventId'];

    // The endpoint is deleted and created again under the same name: resend goes to the new one.
    expect((await control(h, 'DELETE', `/_sandbox/business-events/endpoints/${created.id}`)).status).toBe(
      200,
    );
    const replacement = await receiver();
    await endpoint(h, replacement.url, [], { name: 'Receiver' });
    const resent = await control(h, 'POST', `/_sandbox/business-events/errors/${errors[0]?.['id']}/resend`);
    expect(resent.json()).toMatchObject({ delivered: true, attempts: 1, error: null });
    expect(replacement.received.map((entry) => entry.json['EventId'])).toEqual([eventId]);
    expect((await control(h, 'GET', '/_sandbox/business-events/errors')).json()).toEqual({
      value: [],
    });
  });

  it('delivers to an https receiver it trusts through the caPem option, and refuses the activation otherwise', async () => {
    const tlsDir = await mkdtemp(path.join(tmpdir(), 'mlc-fno-tls-'));
    try {
      const tls = await ensureTlsMaterial(tlsDir);
      const secure = await receiver({ cert: tls.certPem, key: tls.keyPem });
      const untrusting = await start(FAST);
      const refused = await control(untrusting, 'POST', '/_sandbox/business-events/endpoints', {
        url: secure.url,
        activations: [{ businessEventId: CUSTOMER_CHANGED }],
      });
      expect(refused.status).toBe(502);
      expect(refused.json<{ error: { code: string } }>().error.code).toBe('endpoint_test_failed');
      expect((await control(untrusting, 'GET', '/_sandbox/business-events/endpoints')).json()).toEqual({
        value: [],
      });
      await untrusting.close();
      fno = undefined;

      const h = await start({ businessEvents: { caPem: tls.caCertPem, parameters: { retryWaitMs: 10 } } });
      await endpoint(h, secure.url, [{ businessEventId: CUSTOMER_CHANGED, legalEntity: 'USMF' }]);
      await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00002')", {
        method: 'PATCH',
        body: JSON.stringify({ CreditLimit: 2 }),
      });
      const [event] = await waitForEvents(secure, 1);
      expect(event?.json).toMatchObject({ CustomerAccount: 'US-00002', BusinessEventLegalEntity: 'usmf' });
    } finally {
      await rm(tlsDir, { recursive: true, force: true });
    }
  });

  it('validates endpoints and activations', async () => {
    const h = await start();
    const post = (body: unknown) => control(h, 'POST', '/_sandbox/business-events/endpoints', body);
    const code = async (body: unknown) => {
      const answer = await post(body);
      return [answer.status, answer.json<{ error: { code: string } }>().error.code];
    };
    expect(await code({ url: 'http://example.com/hook' })).toEqual([400, 'invalid_endpoint']);
    expect(await code({ url: 'ftp://127.0.0.1/x' })).toEqual([400, 'invalid_endpoint']);
    expect(await code({ url: 'https://127.0.0.1:1/x', authHeaderName: 'x-key' })).toEqual([
      400,
      'invalid_endpoint',
    ]);
    expect(await code({ url: 'https://127.0.0.1:1/x', extra: true })).toEqual([400, 'invalid_endpoint']);
    expect(
      await code({ url: 'https://127.0.0.1:1/x', activations: [{ businessEventId: 'NoSuchBusinessEvent' }] }),
    ).toEqual([400, 'unknown_business_event']);
    expect(
      await code({
        url: 'https://127.0.0.1:1/x',
        activations: [{ businessEventId: CUSTOMER_CHANGED, legalEntity: 'xx' }],
      }),
    ).toEqual([400, 'unknown_legal_entity']);
    const r = await receiver();
    const created = await endpoint(h, r.url, [{ businessEventId: CUSTOMER_CHANGED, legalEntity: 'demf' }]);
    const again = await control(h, 'POST', `/_sandbox/business-events/endpoints/${created.id}/activations`, {
      businessEventId: CUSTOMER_CHANGED,
      legalEntity: 'DEMF',
    });
    expect([again.status, again.json<{ error: { code: string } }>().error.code]).toEqual([
      409,
      'already_active',
    ]);
    const wrongMethod = await control(h, 'PUT', '/_sandbox/business-events/endpoints');
    expect(wrongMethod.status).toBe(405);
    expect((await control(h, 'GET', '/_sandbox/business-events/nothing')).status).toBe(404);
    const parameters = await control(h, 'PUT', '/_sandbox/business-events/parameters', {
      retryCount: 11,
    });
    expect(parameters.status).toBe(400);
    const defaults = await control(h, 'PUT', '/_sandbox/business-events/parameters', {});
    expect(defaults.json()).toEqual({
      retryCount: 3,
      retryWaitMs: 20,
      timeoutMs: 1_000,
      endpointsPerEvent: 10,
    });
  });

  it('keeps endpoints, the error log and increasing control numbers across a restart; reset clears them', async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-fno-events-'));
    try {
      const r = await receiver();
      let h = await start({ ...FAST, stateDir });
      await endpoint(h, r.url, [{ businessEventId: CUSTOMER_CHANGED }], { name: 'Kept' });
      await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00003')", {
        method: 'PATCH',
        body: JSON.stringify({ CreditLimit: 3 }),
      });
      const [before] = await waitForEvents(r, 1);
      await h.service.flush();
      await h.close();
      fno = undefined;

      h = await start({ ...FAST, stateDir });
      const listed = (await control(h, 'GET', '/_sandbox/business-events/endpoints')).json<{
        value: Array<{ name: string; authHeaderName: string | null; activations: unknown[] }>;
      }>().value;
      expect(listed).toMatchObject([{ name: 'Kept', authHeaderName: null, activations: [{}] }]);
      await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-00003')", {
        method: 'PATCH',
        body: JSON.stringify({ CreditLimit: 4 }),
      });
      const [, after] = await waitForEvents(r, 2);
      expect(Number(after?.json['ControlNumber'])).toBeGreaterThan(Number(before?.json['ControlNumber']));

      await h.service.reset();
      expect((await control(h, 'GET', '/_sandbox/business-events/endpoints')).json()).toEqual({
        value: [],
      });
      await h.close();
      fno = undefined;
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
