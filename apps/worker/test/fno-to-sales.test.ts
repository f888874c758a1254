import { createCursorsRepository } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import { z } from 'zod';
import { createAccount, createWonOpportunity, eventually } from './sales-helpers';
import { type SyncHarness, sleep, startSyncHarness, testSettings } from './sync-harness';

type Row = Record<string, unknown>;

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const progressSchema = z.looseObject({
  phase: z.string(),
  total: z.number().nullable(),
  finishedAt: z.string().nullable(),
  written: z.number(),
  done: z.number(),
  failed: z.number(),
});

async function start(
  databaseUrl: string,
  flows: { products: boolean; prices: boolean; customers: boolean },
  fnoMaxPageSize?: number,
) {
  const h = await startSyncHarness(databaseUrl, {
    // A catalog of 400 released products per legal entity keeps the loads short.
    fnoProducts: 400,
    ...(fnoMaxPageSize ? { fnoMaxPageSize } : {}),
    settings: {
      flows: { orders: false, ...flows },
      cadences: { salesDeltaSeconds: 3600, fnoPollSeconds: 86_400 },
    },
  });
  harness = h;
  return h;
}

/** Waits for a poll of `stream` that finished after `since`. */
async function pollFinished(
  h: SyncHarness,
  stream: 'catalog' | 'customers',
  since: number,
  timeoutMs = 90_000,
) {
  const cursors = createCursorsRepository(h.db.db);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const progress = await cursors.get(h.connectionId, 'fno', `progress/${stream}`, progressSchema);
    if (progress?.finishedAt && Date.parse(progress.finishedAt) >= since) return progress;
    if (Date.now() > deadline) throw new Error(`poll ${stream} did not finish: ${JSON.stringify(progress)}`);
    await sleep(200);
  }
}

async function poll(h: SyncHarness, stream: 'catalog' | 'customers') {
  const since = Date.now();
  await h.worker.jobs.enqueue('sync.poll', { connectionId: h.connectionId, stream, reason: 'test' });
  return pollFinished(h, stream, since);
}

function writes(counters: { requests: { method: string; count: number; entitySet: string }[] }) {
  return counters.requests.filter((r) => r.method !== 'GET').reduce((sum, r) => sum + r.count, 0);
}

async function counters(h: SyncHarness, service: 'dataverse' | 'fno') {
  return h.sandbox.sandbox.counters(service) as unknown as {
    requests: { method: string; count: number; entitySet: string }[];
  };
}

describe('F&O → Sales', () => {
  dbTest(
    'the catalog loads into Sales, a price change reaches the price list, a product renamed in F&O is renamed in Sales, and a poll with no change writes nothing',
    async ({ database }) => {
      const since = Date.now();
      const h = await start(database.url, { products: true, prices: true, customers: false });
      const initial = await pollFinished(h, 'catalog', since);
      const failures = (await h.records())
        .filter((r) => r.status === 'failed')
        .map((r) => `${r.entity} ${r.naturalKey}: ${r.lastError?.message}`);
      expect(failures.slice(0, 5)).toEqual([]);
      expect(initial.failed).toBe(0);
      expect(initial.written).toBeGreaterThan(300);
      // The initial load's progress is measured against F&O's own count of what it reads: the
      // released products of the catalog legal entity, then the prices of the legal entities
      // with a price list.
      const released400 = await h.fno<{ '@odata.count': number }>(
        'GET',
        `ReleasedProductsV2?$filter=dataAreaId eq 'usmf'&$count=true&$top=0&cross-company=true`,
      );
      expect(initial.total).toBeGreaterThan(released400.body['@odata.count']);
      expect(initial.done).toBe(initial.total);

      const product = (
        await h.dv<{ value: Row[] }>(
          'GET',
          `products?$select=productid,name,statecode&$filter=productnumber eq 'IE-10003'`,
        )
      ).body.value[0];
      expect(product?.['statecode']).toBe(0);
      const released = (
        await h.fno<Row>(
          'GET',
          `ReleasedProductsV2(dataAreaId='usmf',ItemNumber='IE-10003')?cross-company=true`,
        )
      ).body;

      // Nothing changed in F&O: nothing is written to Sales.
      h.sandbox.sandbox.directory;
      const before = writes(await counters(h, 'dataverse'));
      const quiet = await poll(h, 'catalog');
      expect(quiet.written).toBe(0);
      expect(quiet.total).toBeNull(); // a later poll reads changes only
      expect(writes(await counters(h, 'dataverse'))).toBe(before);

      // A base price changes in F&O: the Sales price-list item follows.
      const newPrice = Number(released['SalesPrice']) + 11.25;
      await h.fno('PATCH', `ReleasedProductsV2(dataAreaId='usmf',ItemNumber='IE-10003')?cross-company=true`, {
        SalesPrice: newPrice,
      });
      const changed = await poll(h, 'catalog');
      expect(changed.written).toBe(1);
      const items = (
        await h.dv<{ value: Row[] }>(
          'GET',
          `productpricelevels?$select=amount,_pricelevelid_value&$filter=_productid_value eq ${String(product?.['productid'])}`,
        )
      ).body.value;
      expect(items.map((item) => item['amount'])).toContain(newPrice);

      // Only the shared product's name changes (ProductsV2): the Sales product is renamed.
      await h.fno('PATCH', `ProductsV2(ProductNumber='${String(released['ProductNumber'])}')`, {
        ProductName: 'Renamed in F&O widget',
      });
      const renamed = await poll(h, 'catalog');
      expect(renamed.written).toBe(1);
      const names = (
        await h.dv<{ value: Row[] }>('GET', `products?$select=name&$filter=productnumber eq 'IE-10003'`)
      ).body.value;
      expect(names.map((row) => row['name'])).toEqual(['Renamed in F&O widget']);
      // The names staged while the poll ran are gone once it has.
      const staged = await h.db.pool.query('select count(*)::int as n from staged_rows');
      expect(staged.rows[0]?.n).toBe(0);
    },
    180_000,
  );

  dbTest(
    'an F&O customer edit reaches the Sales account and is not echoed back to F&O',
    async ({ database }) => {
      const since = Date.now();
      const h = await start(database.url, { products: false, prices: false, customers: true });
      await pollFinished(h, 'customers', since);
      const { body } = await h.fno<{ value: Row[] }>(
        'GET',
        `CustomersV3?cross-company=true&$filter=dataAreaId eq 'usmf' and PartyType eq Microsoft.Dynamics.DataEntities.DirPartyType'Organization'&$top=1&$select=CustomerAccount,OrganizationName`,
      );
      const customer = body.value[0] ?? {};
      const account = String(customer['CustomerAccount']);
      await h.fno('PATCH', `CustomersV3(dataAreaId='usmf',CustomerAccount='${account}')?cross-company=true`, {
        OrganizationName: 'Renamed in F&O Ltd',
      });
      const after = await h.fno<Row>(
        'GET',
        `CustomersV3(dataAreaId='usmf',CustomerAccount='${account}')?cross-company=true&$select=OrganizationName`,
      );
      expect(after.body['OrganizationName']).toBe('Renamed in F&O Ltd');
      const fnoWritesBefore = writes(await counters(h, 'fno'));
      const result = await poll(h, 'customers');
      expect(result).toMatchObject({ written: 1 });
      const accounts = (
        await h.dv<{ value: Row[] }>('GET', `accounts?$select=name&$filter=accountnumber eq '${account}'`)
      ).body.value;
      expect(accounts.map((a) => a['name'])).toEqual(['Renamed in F&O Ltd']);
      // The account change made by us is not sent back to F&O.
      await sleep(2_000);
      expect(writes(await counters(h, 'fno'))).toBe(fnoWritesBefore);
    },
    120_000,
  );

  dbTest(
    'an interrupted initial product load resumes: nothing written before the interruption is written again',
    async ({ database }) => {
      const since = Date.now();
      const h = await start(database.url, { products: true, prices: false, customers: false }, 40);
      const cursors = createCursorsRepository(h.db.db);
      // Interrupt the load (Dataverse unavailable) once a few pages are in.
      await eventually(
        'a few pages written',
        async () => {
          const progress = await cursors.get(h.connectionId, 'fno', 'progress/catalog', progressSchema);
          return progress && progress.written >= 100 ? progress : undefined;
        },
        60_000,
      );
      await h.control('dataverse', 'PUT', '/_sandbox/faults', { rate5xx: 1, status5xx: 503 });
      await eventually(
        'the load interrupted',
        async () => {
          const { rows } = await h.db.pool.query<{ retries: number }>(
            `select coalesce(max(retry_count), 0)::int as retries from pgboss.job where name = 'sync.poll' and data->>'stream' = 'catalog'`,
          );
          return (rows[0]?.retries ?? 0) >= 1 ? true : undefined;
        },
        60_000,
      );
      await h.control('dataverse', 'PUT', '/_sandbox/faults', {});
      const done = await pollFinished(h, 'catalog', since, 120_000);
      expect(done.failed).toBe(0);
      const { rows } = await h.db.pool.query<{ writes: number; records: number }>(
        `select count(*)::int as records, max(w)::int as writes from (
         select r.id, count(e.id) as w from sync_records r join record_events e on e.record_id = r.id
         where r.entity = 'product' and e.step = 'write-products' and e.outcome = 'ok' group by r.id) t`,
      );
      expect(rows[0]?.records).toBeGreaterThan(300);
      expect(rows[0]?.writes).toBe(1);
      // It was interrupted: the load's job failed once and ran again.
      const retried = await h.db.pool.query<{ retries: number }>(
        `select max(retry_count)::int as retries from pgboss.job where name = 'sync.poll' and data->>'stream' = 'catalog'`,
      );
      expect(retried.rows[0]?.retries).toBeGreaterThanOrEqual(1);
    },
    180_000,
  );

  dbTest(
    'business events refresh the customer in Sales; duplicated and reordered events write once',
    async ({ database }) => {
      const since = Date.now();
      const h = await start(database.url, { products: false, prices: false, customers: true });
      await pollFinished(h, 'customers', since);
      const origin = new URL(h.webhookUrl).origin;
      await h.control('fno', 'POST', '/_sandbox/business-events/endpoints', {
        url: `${origin}/events`,
        name: 'ml-connector',
        activations: [{ businessEventId: 'CustomerChangedBusinessEvent', legalEntity: 'usmf' }],
      });
      await h.control('fno', 'PUT', '/_sandbox/business-events/faults', {
        duplicateRate: 1,
        reorderRate: 0.5,
      });
      const { body } = await h.fno<{ value: Row[] }>(
        'GET',
        `CustomersV3?cross-company=true&$filter=dataAreaId eq 'usmf' and PartyType eq Microsoft.Dynamics.DataEntities.DirPartyType'Organization'&$top=2&$select=CustomerAccount`,
      );
      const accounts = body.value.map((row) => String(row['CustomerAccount']));
      for (const [index, account] of accounts.entries()) {
        await h.fno(
          'PATCH',
          `CustomersV3(dataAreaId='usmf',CustomerAccount='${account}')?cross-company=true`,
          {
            OrganizationName: `Changed by event ${index}`,
          },
        );
      }
      for (const [index, account] of accounts.entries()) {
        await eventually(
          `account ${account} renamed`,
          async () => {
            const rows = (
              await h.dv<{ value: Row[] }>(
                'GET',
                `accounts?$select=name&$filter=accountnumber eq '${account}'`,
              )
            ).body.value;
            return rows[0]?.['name'] === `Changed by event ${index}` ? true : undefined;
          },
          30_000,
        );
      }
      await sleep(2_000);
      expect(h.businessEvents.duplicates).toBeGreaterThan(0);
      const { rows } = await h.db.pool.query<{ natural_key: string; writes: number }>(
        `select r.natural_key, count(e.id)::int as writes from sync_records r join record_events e on e.record_id = r.id
       where r.entity = 'customer' and e.outcome = 'ok' and r.natural_key = any($1) group by r.natural_key`,
        [accounts.map((account) => `usmf/${account}`)],
      );
      // The initial load wrote each once; the change once more: never a third time.
      expect(rows.map((row) => row.writes)).toEqual([2, 2]);
    },
    120_000,
  );

  dbTest(
    'a customer created in F&O from a CRM account is not written back onto that account by the next poll',
    async ({ database }) => {
      const since = Date.now();
      const h = await startSyncHarness(database.url, {
        fnoProducts: 400,
        settings: {
          flows: { orders: true, products: false, prices: false, customers: true },
          cadences: { salesDeltaSeconds: 3600, fnoPollSeconds: 86_400 },
        },
      });
      harness = h;
      await pollFinished(h, 'customers', since);
      const accountId = await createAccount(h, { name: 'Echo Free Fittings', accountnumber: 'ACC-77001' });
      const opportunityId = await createWonOpportunity(h, { table: 'accounts', id: accountId }, [
        { product: 'IE-10001', quantity: 1 },
      ]);
      await h.waitForRecord(opportunityId);
      const dataverseWrites = writes(await counters(h, 'dataverse'));
      const result = await poll(h, 'customers');
      expect(result.written).toBe(0);
      expect(writes(await counters(h, 'dataverse'))).toBe(dataverseWrites);
      const { rows } = await h.db.pool.query<{ step: string }>(
        `select e.step from sync_records r join record_events e on e.record_id = r.id
        where r.direction = 'fno_to_sales' and r.natural_key = 'usmf/ACC-77001' order by e.seq`,
      );
      expect(rows.map((row) => row.step)).toEqual(['remember-created-customer']);
    },
    120_000,
  );

  dbTest(
    'where a price group is configured its trade agreement sets the price-list price over the base price, until it ends',
    async ({ database }) => {
      const since = Date.now();
      const base = testSettings('');
      const h = await startSyncHarness(database.url, {
        fnoProducts: 400,
        settings: {
          flows: { orders: false, products: true, prices: true, customers: false },
          cadences: { salesDeltaSeconds: 3600, fnoPollSeconds: 86_400 },
          legalEntities: {
            ...base.legalEntities,
            settings: {
              ...base.legalEntities?.settings,
              usmf: {
                customerGroupId: '10',
                currencyCode: 'USD',
                priceList: 'Standard Price List (USD)',
                priceGroup: '20',
              },
            },
          },
        },
      });
      harness = h;
      const initial = await pollFinished(h, 'catalog', since);
      expect(initial.failed).toBe(0);

      // A price-group agreement of an item that is a Sales product.
      const agreements = (
        await h.fno<{ value: Row[] }>(
          'GET',
          `SalesPriceAgreements?cross-company=true&$filter=dataAreaId eq 'usmf' and PriceCustomerGroupCode eq '20' and FromQuantity eq 0&$select=RecordId,ItemNumber,Price,QuantityUnitySymbol&$orderby=ItemNumber`,
        )
      ).body.value;
      let found: { agreement: Row; productId: string } | undefined;
      for (const agreement of agreements) {
        const product = (
          await h.dv<{ value: Row[] }>(
            'GET',
            `products?$select=productid&$filter=productnumber eq '${String(agreement['ItemNumber'])}'`,
          )
        ).body.value[0];
        if (product) {
          found = { agreement, productId: String(product['productid']) };
          break;
        }
      }
      if (!found) throw new Error('the seed has no price-group agreement for a Sales product');
      const { agreement, productId } = found;
      const item = String(agreement['ItemNumber']);
      const usdList = (
        await h.dv<{ value: Row[] }>(
          'GET',
          `pricelevels?$select=pricelevelid&$filter=name eq 'Standard Price List (USD)'`,
        )
      ).body.value[0]?.['pricelevelid'];
      const listPrice = async () =>
        (
          await h.dv<{ value: Row[] }>(
            'GET',
            `productpricelevels?$select=amount,_uomid_value,createdon&$filter=_productid_value eq ${productId} and _pricelevelid_value eq ${String(usdList)}`,
          )
        ).body.value // (The seed's own price-list items, in other units, are not ours.)
          .filter(
            (row) =>
              row['_uomid_value@OData.Community.Display.V1.FormattedValue'] ===
              agreement['QuantityUnitySymbol'],
          )
          .map((row) => row['amount']);
      expect(await listPrice()).toEqual([agreement['Price']]);

      // The base price changes in F&O: the agreement still sets the price.
      const released = (
        await h.fno<Row>(
          'GET',
          `ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${item}')?cross-company=true`,
        )
      ).body;
      const newBase = Number(released['SalesPrice']) + 7.5;
      await h.fno('PATCH', `ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${item}')?cross-company=true`, {
        SalesPrice: newBase,
      });
      await poll(h, 'catalog');
      expect(await listPrice()).toEqual([agreement['Price']]);

      // The agreement ends (deleted in F&O): the base price applies again, and the record says why.
      const removed = await h.fno(
        'DELETE',
        `SalesPriceAgreements(dataAreaId='usmf',RecordId=${String(agreement['RecordId'])})?cross-company=true`,
      );
      expect(removed.status).toBe(204);
      await poll(h, 'catalog');
      expect(await listPrice()).toEqual([newBase]);
      const record = (await h.records()).find((r) =>
        r.naturalKey.startsWith(`agreement:usmf/${item.toLowerCase()}/`),
      );
      expect(record?.status).toBe('skipped');
      expect(record?.lastError?.message).toMatch(/no longer sets this price/);
    },
    180_000,
  );
});
