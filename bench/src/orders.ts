import type { ConnectionSettingsInput } from '@mlc/db';
import { type BenchHarness, type Row, sleep } from './harness';

/** The connection settings of the bench (those of the worker's integration tests). */
export function benchSettings(
  overrides: Partial<ConnectionSettingsInput> = {},
): Partial<ConnectionSettingsInput> {
  return {
    legalEntities: {
      default: 'usmf',
      rules: [{ field: 'address1_country', equals: 'Germany', dataAreaId: 'demf' }],
      settings: {
        usmf: {
          customerGroupId: '10',
          currencyCode: 'USD',
          customerAccounts: 'manual',
          salesOrderNumbers: 'sequence',
          priceList: 'Standard Price List (USD)',
        },
        demf: { customerGroupId: '10', currencyCode: 'EUR', priceList: 'Standard Price List (EUR)' },
      },
    },
    flows: { orders: true, products: false, prices: false, customers: false },
    // The safety net and polls at production cadences (they are not what is measured here).
    cadences: { salesDeltaSeconds: 60, fnoPollSeconds: 86_400 },
    ...overrides,
  };
}

export interface Product {
  number: string;
  id: string;
  uom: string;
  price: number;
}

export interface OrderCatalog {
  products: Product[];
  priceList: { id: string; currency: string };
}

/** Active Sales products that are released in usmf, and the USD price list. */
export async function orderCatalog(h: BenchHarness, count: number): Promise<OrderCatalog> {
  const lists = await h.dv<{ value: Row[] }>(
    'GET',
    'pricelevels?$select=pricelevelid,_transactioncurrencyid_value,name',
  );
  const list = lists.body.value.find((row) => String(row['name']).includes('USD'));
  if (!list) throw new Error('no USD price list in the sandbox');
  const released = new Set<string>();
  const fno = await h.fno<{ value: Row[] }>(
    'GET',
    `ReleasedProductsV2?cross-company=true&$filter=dataAreaId eq 'usmf'&$select=ItemNumber`,
  );
  for (const row of fno.body.value) released.add(String(row['ItemNumber']));
  const dv = await h.dv<{ value: Row[] }>(
    'GET',
    'products?$select=productid,productnumber,_defaultuomid_value,price&$filter=statecode eq 0',
  );
  const products = dv.body.value
    .filter((row) => released.has(String(row['productnumber'])))
    .map((row) => ({
      number: String(row['productnumber']),
      id: String(row['productid']),
      uom: String(row['_defaultuomid_value']),
      price: Number(row['price'] ?? 10) || 10,
    }));
  if (products.length < count) {
    throw new Error(
      `the sandbox has ${products.length} active Sales products released in usmf, ${count} needed`,
    );
  }
  return {
    products: products.slice(0, count),
    priceList: { id: String(list['pricelevelid']), currency: String(list['_transactioncurrencyid_value']) },
  };
}

function idFrom(headers: Record<string, string>): string {
  const match = /\(([0-9a-f-]{36})\)/i.exec(headers['odata-entityid'] ?? '');
  if (!match?.[1]) throw new Error(`no OData-EntityId in ${JSON.stringify(headers)}`);
  return match[1].toLowerCase();
}

export async function createAccounts(h: BenchHarness, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const response = await h.dv('POST', 'accounts', {
      name: `${prefix} ${i + 1} Ltd`,
      address1_city: 'Tulsa',
      address1_country: 'United States',
    });
    if (response.status >= 300) throw new Error(`POST accounts: ${response.status}`);
    ids.push(idFrom(response.headers));
  }
  return ids;
}

/** A CRM sales order with its lines in one request (deep insert), as a client with the whole order sends it. */
export async function createOrder(
  h: BenchHarness,
  catalog: OrderCatalog,
  accountId: string,
  lines: number,
  offset = 0,
): Promise<string> {
  const details = Array.from({ length: lines }, (_, index) => {
    const product = catalog.products[(offset + index) % catalog.products.length] as Product;
    return {
      'productid@odata.bind': `/products(${product.id})`,
      'uomid@odata.bind': `/uoms(${product.uom})`,
      quantity: 1 + (index % 5),
      ispriceoverridden: true,
      priceperunit: product.price,
    };
  });
  const response = await h.dv('POST', 'salesorders', {
    name: `Bench order ${Date.now()}`,
    'customerid_account@odata.bind': `/accounts(${accountId})`,
    'pricelevelid@odata.bind': `/pricelevels(${catalog.priceList.id})`,
    'transactioncurrencyid@odata.bind': `/transactioncurrencies(${catalog.priceList.currency})`,
    order_details: details,
  });
  if (response.status >= 300)
    throw new Error(`POST salesorders: ${response.status} ${JSON.stringify(response.body)}`);
  return idFrom(response.headers);
}

/** Waits until every order's sync record is finished (synced, failed or skipped). */
export async function waitForOrders(
  h: BenchHarness,
  ids: readonly string[],
  timeoutMs: number,
): Promise<Map<string, { status: string; error: string | null }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await h.db.pool.query<{
      source_id: string;
      status: string;
      last_error: { message?: string } | null;
    }>(
      `select source_id, status, last_error from sync_records where entity = 'salesorder' and source_id = any($1)`,
      [ids],
    );
    const done = rows.filter((row) => ['synced', 'failed', 'skipped'].includes(row.status));
    if (done.length >= ids.length || Date.now() > deadline) {
      return new Map(
        rows.map((row) => [row.source_id, { status: row.status, error: row.last_error?.message ?? null }]),
      );
    }
    await sleep(250);
  }
}

/**
 * Timestamps taken by the sandbox (in this process, at commit): a CRM order's creation in the
 * Dataverse store, an F&O sales order header's creation in the F&O store; and the inbox's
 * `received_at` of each order's Create webhook.
 */
export interface Timeline {
  crmCommit: Map<string, { at: number; orderNumber: string }>;
  fnoCommit: Map<string, number>;
  stop(): void;
}

export async function startTimeline(h: BenchHarness): Promise<Timeline> {
  const crmCommit = new Map<string, { at: number; orderNumber: string }>();
  const fnoCommit = new Map<string, number>();
  const store = await h.sandbox.dataverse.currentStore();
  const detachDv = store.onChange((event) => {
    if (event.entity !== 'salesorder' || event.operation !== 'create') return;
    crmCommit.set(event.id.toLowerCase(), {
      at: Date.now(),
      orderNumber: String(event.after?.values['ordernumber'] ?? ''),
    });
  });
  const detachFno = h.sandbox.fno.onChange((changes) => {
    for (const change of changes) {
      if (change.entitySet !== 'SalesOrderHeadersV2' || change.operation !== 'create') continue;
      const reference = String(change.values['CustomersOrderReference'] ?? '');
      if (reference && !fnoCommit.has(reference)) fnoCommit.set(reference, change.at.getTime());
    }
  });
  return {
    crmCommit,
    fnoCommit,
    stop() {
      detachDv();
      detachFno();
    },
  };
}

/** `received_at` of the Create webhook of each order (by order id). */
export async function webhookArrivals(h: BenchHarness): Promise<Map<string, number>> {
  const { rows } = await h.db.pool.query<{ received_at: Date; body: string }>(
    `select received_at, body from inbox_events where source = 'dataverse_webhook'`,
  );
  const arrivals = new Map<string, number>();
  for (const row of rows) {
    const body = JSON.parse(row.body) as {
      MessageName?: string;
      PrimaryEntityName?: string;
      PrimaryEntityId?: string;
    };
    if (body.MessageName !== 'Create' || body.PrimaryEntityName !== 'salesorder' || !body.PrimaryEntityId)
      continue;
    arrivals.set(body.PrimaryEntityId.toLowerCase(), row.received_at.getTime());
  }
  return arrivals;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function summary(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: Math.round(percentile(sorted, 50)),
    p95: Math.round(percentile(sorted, 95)),
    p99: Math.round(percentile(sorted, 99)),
    max: Math.round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}
