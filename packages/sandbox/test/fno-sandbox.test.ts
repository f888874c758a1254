import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createEntraService,
  createTokenVerifier,
  type EntraService,
  MAIN_APP_NAME,
  MISCONFIGURED_APP_NAME,
} from '../src/entra';
import {
  CUSTOMER_CHANGED,
  createFnoService,
  type FnoService,
  fnoFaultBodies,
  RESOURCE_LIMIT_MESSAGE,
  SEED_FACTS,
} from '../src/fno';
import type { CountersSnapshot } from '../src/host/counters';
import { ServiceDirectory } from '../src/host/directory';
import { FaultStore } from '../src/host/faults';
import { type RunningSandbox, startSandbox } from '../src/host/sandbox';
import { envelopeProblems, objectIdOf, type Receiver, startReceiver } from './fno-receiver';
import {
  type HttpResult,
  msalApp,
  type SandboxClient,
  sandboxClient,
  silentLogger,
  tempStateDir,
} from './host.fixtures';

/**
 * The F&O simulator behind the real host (HTTPS with the sandbox CA) with tokens from the sandbox
 * Entra ID through msal-node, as `npm run sandbox` serves it: the "Must show" end to end.
 */

const COLD_START_MS = 400;

let state: Awaited<ReturnType<typeof tempStateDir>>;
let sandbox: RunningSandbox;
let entra: EntraService;
let fno: FnoService;
let client: SandboxClient;
let fnoUrl = '';
const tokens = new Map<string, string>();
const receivers: Receiver[] = [];

beforeAll(async () => {
  state = await tempStateDir();
  const faults = new FaultStore();
  const directory = new ServiceDirectory();
  entra = await createEntraService({ stateDir: state.dir, faults, directory });
  fno = await createFnoService({
    stateDir: state.dir,
    verifier: createTokenVerifier({ jwks: entra.jwks(), tenantId: entra.tenantId, faults, service: 'fno' }),
    apps: () => entra.apps(),
    logger: silentLogger(),
    coldStartMs: COLD_START_MS,
    // 10,040 released products across both companies: more than one 10,000-row page.
    products: 5_100,
    businessEvents: { parameters: { retryWaitMs: 50, timeoutMs: 2_000 } },
  });
  sandbox = await startSandbox({
    stateDir: state.dir,
    logger: silentLogger(),
    faults,
    directory,
    services: [
      { service: entra, port: 0 },
      { service: fno, port: 0, faultBodies: fnoFaultBodies },
    ],
  });
  client = sandboxClient(sandbox.caCertPem);
  fnoUrl = sandbox.urls.fno ?? '';
});

afterAll(async () => {
  await client.close();
  await sandbox.stop();
  await state.remove();
});

afterEach(async () => {
  await controlCall('DELETE', '/_sandbox/business-events/endpoints');
  await controlCall('PUT', '/_sandbox/business-events/faults', {});
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function tokenFor(appName: string): Promise<string> {
  const cached = tokens.get(appName);
  if (cached) return cached;
  const app = entra.apps().find((candidate) => candidate.displayName === appName);
  if (!app) throw new Error(`no app ${appName}`);
  const msal = msalApp({
    entraUrl: sandbox.urls.entra ?? '',
    tenantId: entra.tenantId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    agent: client.agent,
  });
  const result = await msal.acquireTokenByClientCredential({ scopes: [`${fnoUrl}/.default`] });
  if (!result?.accessToken) throw new Error('no token');
  tokens.set(appName, result.accessToken);
  return result.accessToken;
}

function mainClientId(): string {
  return entra.apps().find((app) => app.displayName === MAIN_APP_NAME)?.clientId ?? '';
}

async function odata(
  pathAndQuery: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; app?: string } = {},
): Promise<HttpResult> {
  const token = await tokenFor(init.app ?? MAIN_APP_NAME);
  return client.send(`${fnoUrl}/data/${pathAndQuery}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
}

function controlCall(method: string, path: string, body?: unknown): Promise<HttpResult> {
  return client.send(`${fnoUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function receiverWithEndpoint(activations: Array<{ businessEventId: string; legalEntity?: string }>) {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const created = await controlCall('POST', '/_sandbox/business-events/endpoints', {
    url: receiver.url,
    authHeaderName: 'x-functions-key',
    authHeaderValue: 'receiver-secret',
    activations,
  });
  expect(created.status, created.text).toBe(201);
  await receiver.waitFor(activations.length);
  return receiver;
}

function rows(result: HttpResult): Array<Record<string, unknown>> {
  expect(result.status, result.text).toBe(200);
  return result.json<{ value: Array<Record<string, unknown>> }>().value;
}

async function patchCustomer(legalEntity: string, account: string, values: Record<string, unknown>) {
  const answer = await odata(
    `CustomersV3(dataAreaId='${legalEntity}',CustomerAccount='${account}')?cross-company=true`,
    { method: 'PATCH', body: values },
  );
  expect(answer.status, answer.text).toBe(204);
}

describe('F&O over HTTPS with msal-node tokens', () => {
  it('is slow on the first request after a start (cold metadata cache), not after', async () => {
    await tokenFor(MAIN_APP_NAME);
    const firstAt = performance.now();
    expect((await odata('CustomerGroups?$top=1')).status).toBe(200);
    expect(performance.now() - firstAt).toBeGreaterThanOrEqual(COLD_START_MS - 50);
    const laterAt = performance.now();
    expect((await odata('CustomerGroups?$top=1')).status).toBe(200);
    expect(performance.now() - laterAt).toBeLessThan(COLD_START_MS - 50);
  });

  it('scopes reads to the default company unless cross-company=true, and keys to their company', async () => {
    const own = rows(await odata('CustomersV3?$select=dataAreaId,CustomerAccount'));
    expect(new Set(own.map((row) => row['dataAreaId']))).toEqual(new Set(['usmf']));
    const all = rows(await odata('CustomersV3?cross-company=true&$select=dataAreaId,CustomerAccount'));
    expect(new Set(all.map((row) => row['dataAreaId']))).toEqual(new Set(['usmf', 'demf']));
    expect(all.length).toBeGreaterThan(own.length);
    const demf = rows(
      await odata("CustomersV3?cross-company=true&$filter=dataAreaId eq 'demf'&$select=dataAreaId"),
    );
    expect(demf.length).toBeGreaterThan(0);
    expect(new Set(demf.map((row) => row['dataAreaId']))).toEqual(new Set(['demf']));
    expect(rows(await odata("CustomersV3?$filter=dataAreaId eq 'demf'&$select=dataAreaId"))).toEqual([]);
    expect((await odata("CustomersV3(dataAreaId='demf',CustomerAccount='DE-00001')")).status).toBe(404);
    const keyed = await odata("CustomersV3(dataAreaId='demf',CustomerAccount='DE-00001')?cross-company=true");
    expect(keyed.status).toBe(200);
    expect(keyed.json()['@odata.context']).toBe(`${fnoUrl}/data/$metadata#CustomersV3/$entity`);
  });

  it('pages more than 10,000 rows with @odata.nextLink on the HTTPS origin', async () => {
    const first = await odata(
      'ReleasedProductsV2?cross-company=true&$select=dataAreaId,ItemNumber&$count=true',
    );
    expect(first.status).toBe(200);
    const page = first.json<{ '@odata.count': number; '@odata.nextLink': string; value: unknown[] }>();
    // Every 25th catalogue item is released in one company only.
    expect(page['@odata.count']).toBe(10_200 - 160);
    expect(page.value).toHaveLength(10_000);
    expect(page['@odata.nextLink'].startsWith(`${fnoUrl}/data/ReleasedProductsV2?`)).toBe(true);
    const next = await client.get(page['@odata.nextLink'], {
      authorization: `Bearer ${await tokenFor(MAIN_APP_NAME)}`,
    });
    const rest = next.json<{ '@odata.nextLink'?: string; value: Array<Record<string, unknown>> }>();
    expect(rest.value).toHaveLength(40);
    expect(rest['@odata.nextLink']).toBeUndefined();
  });

  it('gives the app that is not a Microsoft Entra application in F&O the bare 401', async () => {
    const refused = await odata('CustomersV3', { app: MISCONFIGURED_APP_NAME });
    expect([refused.status, refused.text, refused.headers['www-authenticate']]).toEqual([401, '', 'Bearer']);
    const anonymous = await client.get(`${fnoUrl}/data/CustomersV3`);
    expect([anonymous.status, anonymous.text]).toEqual([401, '']);
  });

  it('rejects a line whose item is not released in the legal entity', async () => {
    const header = await odata('SalesOrderHeadersV2', {
      method: 'POST',
      body: { dataAreaId: 'usmf', OrderingCustomerAccountNumber: 'US-00004' },
    });
    expect(header.status, header.text).toBe(201);
    const line = await odata('SalesOrderLines', {
      method: 'POST',
      body: {
        dataAreaId: 'usmf',
        SalesOrderNumber: header.json()['SalesOrderNumber'],
        ItemNumber: SEED_FACTS.demfOnlyItem,
      },
    });
    expect(line.status).toBe(500);
    expect(
      line.json<{ error: { innererror: { message: string; type: string } } }>().error.innererror,
    ).toMatchObject({
      type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException',
      message: `Write failed for table row of type 'SalesOrderLineV2Entity'. Infolog: Warning: The value '${SEED_FACTS.demfOnlyItem}' in field 'Item number' is not found in the related table 'Items'.; Warning: validateField failed on field 'SalesOrderLineV2Entity.ItemNumber'.`,
    });
  });

  it('rolls a header + lines changeset back as a whole when a line fails', async () => {
    const boundary = 'batch_https';
    const changeset = 'changeset_https';
    const part = (contentId: number, url: string, body: unknown) =>
      [
        `--${changeset}`,
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        `Content-ID: ${contentId}`,
        '',
        `POST ${fnoUrl}/data/${url} HTTP/1.1`,
        'Content-Type: application/json;odata.metadata=minimal',
        '',
        JSON.stringify(body),
      ].join('\r\n');
    const order = { dataAreaId: 'usmf', SalesOrderNumber: 'HTTPS-1' };
    const body = [
      `--${boundary}`,
      `Content-Type: multipart/mixed; boundary=${changeset}`,
      '',
      part(1, 'SalesOrderHeadersV2', { ...order, OrderingCustomerAccountNumber: 'US-00004' }),
      part(2, 'SalesOrderLines', { ...order, ItemNumber: SEED_FACTS.commonItem, OrderedSalesQuantity: 1 }),
      part(3, 'SalesOrderLines', { ...order, ItemNumber: SEED_FACTS.demfOnlyItem, OrderedSalesQuantity: 1 }),
      `--${changeset}--`,
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const result = await odata('$batch', {
      method: 'POST',
      body,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
    });
    expect(result.status).toBe(200);
    expect(result.text).toContain('HTTP/1.1 500 Internal Server Error');
    expect(result.text.match(/Content-ID: (\d+)/g)).toEqual(['Content-ID: 3']);
    expect(result.text).not.toContain('201 Created');
    expect((await odata("SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='HTTPS-1')")).status).toBe(
      404,
    );
    expect(rows(await odata("SalesOrderLines?$filter=SalesOrderNumber eq 'HTTPS-1'"))).toEqual([]);
  });

  it('answers 429 with Retry-After from its throttling, and the host counts a too-early retry', async () => {
    const set = await controlCall('PUT', '/_sandbox/throttling', {
      capacity: 2,
      windowSeconds: 5,
      thresholds: { Medium: 1 },
    });
    expect(set.status, set.text).toBe(200);
    try {
      expect((await controlCall('POST', '/_sandbox/counters/reset')).status).toBe(200);
      expect((await odata('Currencies')).status).toBe(200);
      expect((await odata('Currencies')).status).toBe(200);
      const refused = await odata('Currencies');
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(5);
      expect(refused.json()).toEqual({ error: { code: '', message: RESOURCE_LIMIT_MESSAGE } });
      const early = await odata('Currencies');
      expect(early.status).toBe(429);
      expect(Number(early.headers['retry-after'])).toBeGreaterThan(retryAfter);
      const counters = (await controlCall('GET', '/_sandbox/counters')).json<CountersSnapshot>();
      expect(counters.earlyRetries).toEqual({ total: 1, byClient: { [mainClientId()]: 1 } });
      expect(counters.requests).toEqual([
        { clientId: mainClientId(), method: 'GET', entitySet: 'Currencies', count: 4 },
      ]);
    } finally {
      await controlCall('PUT', '/_sandbox/throttling', {});
    }
  });
});

describe('F&O business events over HTTPS', () => {
  const customerFields = ['ChangeType', 'CustomerAccount', 'LegalEntity'];

  it('sends a test message on activation, then a customer change with the exact envelope of the sample', async () => {
    const receiver = await receiverWithEndpoint([{ businessEventId: CUSTOMER_CHANGED }]);
    const test = receiver.received[0];
    expect(test?.headers['x-functions-key']).toBe('receiver-secret');
    expect(test?.json).toMatchObject({ BusinessEventId: CUSTOMER_CHANGED, EventId: '', ControlNumber: 0 });

    await patchCustomer('usmf', 'US-00005', { CreditLimit: 55_000 });
    const [, event] = await receiver.waitFor(2);
    const payload = event?.json ?? {};
    expect(envelopeProblems(payload, customerFields)).toEqual([]);
    expect(payload).toMatchObject({
      BusinessEventId: CUSTOMER_CHANGED,
      BusinessEventLegalEntity: 'usmf',
      ChangeType: 'Updated',
      CustomerAccount: 'US-00005',
      LegalEntity: 'usmf',
      ContextRecordSubject: '',
      ParentContextRecordSubjects: [],
      InitiatingUserAADObjectId: `{${objectIdOf(await tokenFor(MAIN_APP_NAME)).toUpperCase()}}`,
    });
    expect(event?.headers['x-functions-key']).toBe('receiver-secret');
  });

  it('retries a delivery the receiver refuses (500 twice, then 200)', async () => {
    const receiver = await receiverWithEndpoint([{ businessEventId: CUSTOMER_CHANGED }]);
    receiver.respond((index) => (index <= 2 ? 500 : 200));
    await patchCustomer('usmf', 'US-00006', { CreditLimit: 66_000 });
    const attempts = (await receiver.waitFor(4)).slice(1);
    expect(new Set(attempts.map((entry) => entry.json['EventId'])).size).toBe(1);
    expect(attempts[1]?.at ?? 0).toBeGreaterThanOrEqual((attempts[0]?.at ?? 0) + 40);
    await sleep(100);
    expect(receiver.received).toHaveLength(4);
    expect((await controlCall('GET', '/_sandbox/business-events/errors')).json()).toEqual({ value: [] });
  });

  it('keeps an event in the error log once every retry failed, and resends it from there', async () => {
    const receiver = await receiverWithEndpoint([{ businessEventId: CUSTOMER_CHANGED }]);
    receiver.respond(() => 500);
    await patchCustomer('usmf', 'US-00007', { CreditLimit: 77_000 });
    await receiver.waitFor(5);
    let errors: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 100 && errors.length === 0; i++) {
      await sleep(20);
      errors = rows(await controlCall('GET', '/_sandbox/business-events/errors'));
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      businessEventId: CUSTOMER_CHANGED,
      legalEntity: 'usmf',
      attempts: 4,
      lastStatus: 500,
      lastError: 'HTTP 500',
    });
    const eventId = (errors[0]?.['payload'] as Record<string, unknown> | undefined)?.['EventId'];

    receiver.respond(() => 200);
    const resent = await controlCall('POST', `/_sandbox/business-events/errors/${errors[0]?.['id']}/resend`);
    expect(resent.json()).toMatchObject({ delivered: true, attempts: 1, status: 200 });
    expect(receiver.received.at(-1)?.json['EventId']).toBe(eventId);
    expect(rows(await controlCall('GET', '/_sandbox/business-events/errors'))).toEqual([]);
  });

  it('delivers events twice and out of order under the at-least-once fault', async () => {
    const receiver = await receiverWithEndpoint([{ businessEventId: CUSTOMER_CHANGED }]);
    const faults = await controlCall('PUT', '/_sandbox/business-events/faults', {
      duplicateRate: 1,
      reorderRate: 1,
      reorderWindowMs: 3_000,
    });
    expect(faults.json()).toEqual({ duplicateRate: 1, reorderRate: 1, reorderWindowMs: 3_000 });
    await patchCustomer('usmf', 'US-00008', { CreditLimit: 88_000 });
    await patchCustomer('usmf', 'US-00009', { CreditLimit: 99_000 });
    const delivered = (await receiver.waitFor(5)).slice(1).map((entry) => entry.json);
    expect(delivered.map((payload) => payload['CustomerAccount'])).toEqual([
      'US-00009',
      'US-00008',
      'US-00009',
      'US-00008',
    ]);
    const [later, earlier, laterAgain, earlierAgain] = delivered;
    expect(Number(later?.['ControlNumber'])).toBeGreaterThan(Number(earlier?.['ControlNumber']));
    expect(laterAgain).toEqual(later);
    expect(earlierAgain).toEqual(earlier);
  });

  it('sends only the legal entity an event was activated for', async () => {
    const receiver = await receiverWithEndpoint([{ businessEventId: CUSTOMER_CHANGED, legalEntity: 'demf' }]);
    expect(receiver.received[0]?.json['BusinessEventLegalEntity']).toBe('demf');
    await patchCustomer('usmf', 'US-00010', { CreditLimit: 10_000 });
    await patchCustomer('demf', 'DE-00010', { CreditLimit: 10_000 });
    const [, event] = await receiver.waitFor(2);
    expect(event?.json).toMatchObject({ BusinessEventLegalEntity: 'demf', CustomerAccount: 'DE-00010' });
    await sleep(100);
    expect(receiver.received).toHaveLength(2);
  });
});
