import type { RecordEvent } from '@mlc/db';
import { type SyncHarness, sleep } from './sync-harness';

/**
 * What people do in Dynamics 365 Sales and F&O, through the Web API / OData as a user of the app
 * (the harness's `dv` and `fno`), and what the tests read back.
 */

export type Row = Record<string, unknown>;

export interface ProductRef {
  id: string;
  uom: string;
  price: number;
}

export async function productRef(h: SyncHarness, productNumber: string): Promise<ProductRef> {
  const { body } = await h.dv<{ value: Row[] }>(
    'GET',
    `products?$select=productid,_defaultuomid_value,price,statecode&$filter=productnumber eq '${productNumber}'`,
  );
  const row = body.value[0];
  if (!row) throw new Error(`no product ${productNumber}`);
  return {
    id: String(row['productid']),
    uom: String(row['_defaultuomid_value']),
    price: Number(row['price'] ?? 10) || 10,
  };
}

/** The seeded price list of a currency ("Standard Price List (USD)" / "(EUR)"). */
export async function priceList(h: SyncHarness, currency: 'USD' | 'EUR' = 'USD') {
  const { body } = await h.dv<{ value: Row[] }>(
    'GET',
    `pricelevels?$select=pricelevelid,_transactioncurrencyid_value,name`,
  );
  const row = body.value.find((r) => String(r['name']).includes(currency));
  if (!row) throw new Error(`no ${currency} price list`);
  return { id: String(row['pricelevelid']), currency: String(row['_transactioncurrencyid_value']) };
}

export function idFrom(headers: Record<string, string>): string {
  const match = /\(([0-9a-f-]{36})\)/i.exec(headers['odata-entityid'] ?? '');
  if (!match?.[1]) throw new Error(`no OData-EntityId in ${JSON.stringify(headers)}`);
  return match[1].toLowerCase();
}

async function created(h: SyncHarness, set: string, values: Row): Promise<string> {
  const response = await h.dv('POST', set, values);
  if (response.status >= 300)
    throw new Error(`POST ${set}: ${response.status} ${JSON.stringify(response.body)}`);
  return idFrom(response.headers);
}

export async function createAccount(h: SyncHarness, values: Row): Promise<string> {
  return created(h, 'accounts', values);
}

export async function createContact(h: SyncHarness, values: Row): Promise<string> {
  return created(h, 'contacts', values);
}

export interface Customer {
  table: 'accounts' | 'contacts';
  id: string;
}

export interface Line {
  product: string;
  quantity: number;
}

const customerBind = (customer: Customer) => ({
  [customer.table === 'accounts' ? 'customerid_account@odata.bind' : 'customerid_contact@odata.bind']:
    `/${customer.table}(${customer.id})`,
});

/**
 * A CRM sales order with its lines in one Web API request (deep insert of `order_details`), as a
 * client that has the whole order at hand sends it. Active (statecode 0), as created.
 */
export async function createOrder(
  h: SyncHarness,
  customer: Customer,
  lines: readonly Line[],
  options: { currency?: 'USD' | 'EUR'; name?: string } = {},
): Promise<string> {
  const list = await priceList(h, options.currency ?? 'USD');
  const details = [];
  for (const line of lines) {
    const product = await productRef(h, line.product);
    details.push({
      'productid@odata.bind': `/products(${product.id})`,
      'uomid@odata.bind': `/uoms(${product.uom})`,
      quantity: line.quantity,
      ispriceoverridden: true,
      priceperunit: product.price,
    });
  }
  return created(h, 'salesorders', {
    name: options.name ?? `Order ${Date.now()}`,
    ...customerBind(customer),
    'pricelevelid@odata.bind': `/pricelevels(${list.id})`,
    'transactioncurrencyid@odata.bind': `/transactioncurrencies(${list.currency})`,
    order_details: details,
  });
}

/** An opportunity with its products, then won (`WinOpportunity`). */
export async function createWonOpportunity(
  h: SyncHarness,
  customer: Customer,
  lines: readonly Line[],
): Promise<string> {
  const list = await priceList(h, 'USD');
  const opportunityId = await created(h, 'opportunities', {
    name: `Deal ${Date.now()}`,
    ...customerBind(customer),
    'pricelevelid@odata.bind': `/pricelevels(${list.id})`,
    'transactioncurrencyid@odata.bind': `/transactioncurrencies(${list.currency})`,
  });
  for (const line of lines) {
    const product = await productRef(h, line.product);
    await created(h, 'opportunityproducts', {
      'opportunityid@odata.bind': `/opportunities(${opportunityId})`,
      'productid@odata.bind': `/products(${product.id})`,
      'uomid@odata.bind': `/uoms(${product.uom})`,
      quantity: line.quantity,
      ispriceoverridden: true,
      priceperunit: product.price,
    });
  }
  const won = await h.dv('POST', 'WinOpportunity', {
    Status: 3,
    OpportunityClose: { subject: 'Won', 'opportunityid@odata.bind': `/opportunities(${opportunityId})` },
  });
  if (won.status !== 204) throw new Error(`WinOpportunity: ${won.status} ${JSON.stringify(won.body)}`);
  return opportunityId;
}

/** F&O sales orders (every company) whose CustomersOrderReference is `reference`, with their lines. */
export async function fnoOrdersOf(h: SyncHarness, reference: string): Promise<Row[]> {
  const { body } = await h.fno<{ value: Row[] }>(
    'GET',
    `SalesOrderHeadersV2?cross-company=true&$filter=CustomersOrderReference eq '${reference}'&$expand=SalesOrderLines`,
  );
  return body.value;
}

export async function fnoCustomer(h: SyncHarness, dataAreaId: string, account: string): Promise<Row> {
  const { status, body } = await h.fno<Row>(
    'GET',
    `CustomersV3(dataAreaId='${dataAreaId}',CustomerAccount='${account}')?cross-company=true`,
  );
  if (status !== 200) throw new Error(`no F&O customer ${dataAreaId}/${account}: ${status}`);
  return body;
}

export const linesOf = (order: Row) =>
  (order['SalesOrderLines'] as Row[])
    .map((line) => [line['ItemNumber'], line['OrderedSalesQuantity']] as [string, number])
    .sort();

/** The CRM order's number (`ORD-…`), its deal key when it has no opportunity. */
export async function orderNumberOf(h: SyncHarness, orderId: string): Promise<string> {
  const { body } = await h.dv<Row>('GET', `salesorders(${orderId})?$select=ordernumber`);
  return String(body['ordernumber']);
}

interface CountersBody {
  requests: { clientId: string; method: string; entitySet: string; count: number }[];
}

/** Requests the F&O port has counted for `method entitySet` (`GET /_sandbox/counters`). */
export async function fnoRequestCount(h: SyncHarness, method: string, entitySet: string): Promise<number> {
  const { status, body } = await h.control<CountersBody>('fno', 'GET', '/_sandbox/counters');
  if (status !== 200) throw new Error(`GET /_sandbox/counters: ${status}`);
  return body.requests
    .filter((r) => r.method === method && r.entitySet === entitySet)
    .reduce((sum, r) => sum + r.count, 0);
}

/** The F&O write requests counted so far: POST/PATCH/PUT/DELETE per entity set (and `$batch`). */
export async function fnoWrites(h: SyncHarness): Promise<Record<string, number>> {
  const { body } = await h.control<CountersBody>('fno', 'GET', '/_sandbox/counters');
  const writes: Record<string, number> = {};
  for (const r of body.requests) {
    if (r.method === 'GET') continue;
    const key = `${r.method} ${r.entitySet}`;
    writes[key] = (writes[key] ?? 0) + r.count;
  }
  return writes;
}

export const trail = (events: readonly RecordEvent[]) =>
  events.map((event) => `${event.step}:${event.outcome}`);

/** Waits until `check` returns a value (not undefined), polling; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** `sync.record` / `inbox.process` jobs not finished yet (queued, retrying or running). */
export async function unfinishedJobs(h: SyncHarness): Promise<number> {
  const { rows } = await h.db.pool.query<{ n: number }>(
    `select count(*)::int as n from pgboss.job where name in ('sync.record', 'inbox.process') and state in ('created', 'retry', 'active')`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Nothing queued or running: webhooks taken in, their runs done (an Update waits 1 s for more),
 * delta reads done. A webhook is marked processed after the runs it asks for are queued, so once
 * it is processed and the queue settled, every run it caused has ended.
 */
export async function settled(h: SyncHarness): Promise<void> {
  await eventually('the queue settled', async () => {
    const { rows } = await h.db.pool.query<{ n: number }>(
      `select count(*)::int as n from pgboss.job where name in ('sync.record', 'inbox.process', 'sync.delta') and state in ('created', 'retry', 'active')`,
    );
    return rows[0]?.n === 0 ? true : undefined;
  });
}
