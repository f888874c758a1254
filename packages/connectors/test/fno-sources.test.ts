import { FNO_SEED_FACTS } from '@mlc/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CompareStateStore,
  type ConnectorContext,
  ConnectorError,
  countStream,
  ensureCustomer,
  type FnoConfig,
  type FnoFullCompareCheckpoint,
  fetchFnoRecord,
  fnoConnector,
  memoryCompareState,
  readStream,
} from '../src/index';
import { collect, type FnoSandbox, startFnoSandbox, testSetup } from './fno-sandbox';

/**
 * The F&O sources against the sandbox's F&O over HTTPS with real msal-node tokens: pages of 500
 * rows (the simulator's `maxPageSize`), one legal entity vs cross-company, change detection by
 * full compare (changes only, deletions confirmed by key), resume, fetch by full key.
 */

let sb: FnoSandbox;
const PAGE = 500;

beforeAll(async () => {
  sb = await startFnoSandbox({ maxPageSize: PAGE });
});

afterAll(async () => {
  await sb?.close();
});

type Page = { records: unknown[]; checkpoint: unknown; meta?: unknown };

function read(
  stream: string,
  ctx: ConnectorContext,
  config: FnoConfig,
  checkpoint?: unknown,
  state: CompareStateStore = memoryCompareState(),
): AsyncIterable<Page> {
  return readStream(fnoConnector, stream, ctx, config, checkpoint, { state });
}

async function count(ctx: ConnectorContext, pathAndQuery: string): Promise<number> {
  const response = await testSetup(ctx).request({ method: 'GET', url: `${sb.fnoUrl}/data/${pathAndQuery}` });
  return Number(response.body);
}

const upsert = z.object({
  op: z.literal('upsert'),
  entitySet: z.string(),
  key: z.string(),
  hash: z.string(),
  row: z.looseObject({}),
});
const upserts = (records: unknown[]) => records.map((record) => upsert.parse(record));
const last = <T>(items: T[]): T => {
  const item = items.at(-1);
  if (item === undefined) throw new Error('no items');
  return item;
};

describe('F&O sources (sandbox, HTTPS, msal-node tokens)', () => {
  it('released products of one legal entity: pages of 500 by nextLink, every row once, then only what changed', async () => {
    const { ctx, config } = sb.context(undefined, { readScope: ['usmf'] });
    const expected = await count(
      ctx,
      "ReleasedProductsV2/$count?$filter=dataAreaId%20eq%20'usmf'&cross-company=true",
    );
    // The source counts what a full read returns (the initial load's total), in one request.
    expect(await countStream(fnoConnector, 'releasedProducts', ctx, config)).toBe(expected);
    const state = memoryCompareState();
    const first = await collect(read('releasedProducts', ctx, config, undefined, state));
    expect(first.pages).toBe(Math.ceil(expected / PAGE));
    expect(first.pages).toBeGreaterThan(1);
    expect(first.metas.every((meta) => (meta as { read: string }).read === 'full')).toBe(true);
    const rows = upserts(first.records);
    expect(rows).toHaveLength(expected);
    expect(new Set(rows.map((r) => r.key)).size).toBe(expected);
    expect(rows.every((r) => r.row['dataAreaId'] === 'usmf')).toBe(true);
    const items = new Set(rows.map((r) => r.row['ItemNumber']));
    expect(items.has(FNO_SEED_FACTS.usmfOnlyItem)).toBe(true);
    expect(items.has(FNO_SEED_FACTS.demfOnlyItem)).toBe(false);
    const sample = rows.find((r) => r.row['ItemNumber'] === FNO_SEED_FACTS.commonItem);
    expect(sample?.key).toBe(
      `ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${FNO_SEED_FACTS.commonItem}')`,
    );
    expect(sample?.row).toMatchObject({
      ProductType: 'Item',
      SalesPrice: expect.any(Number),
      SalesUnitSymbol: expect.any(String),
    });

    const checkpoint = last(first.checkpoints) as FnoFullCompareCheckpoint;
    expect(checkpoint).toMatchObject({ complete: true, pass: 1, scope: 'usmf' });
    const again = await collect(
      read('releasedProducts', ctx, config, JSON.parse(JSON.stringify(checkpoint)), state),
    );
    expect(again.records).toEqual([]);
    expect(again.metas[0]).toEqual({ read: 'incremental' });

    await testSetup(ctx).request({
      method: 'PATCH',
      url: `${sb.fnoUrl}/data/ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${FNO_SEED_FACTS.commonItem}')`,
      json: { SalesPrice: 4321.5 },
    });
    const changed = await collect(read('releasedProducts', ctx, config, last(again.checkpoints), state));
    expect(upserts(changed.records).map((r) => [r.key, r.row['SalesPrice']])).toEqual([
      [`ReleasedProductsV2(dataAreaId='usmf',ItemNumber='${FNO_SEED_FACTS.commonItem}')`, 4321.5],
    ]);
  });

  it('cross-company reads every legal entity; a changed read scope starts a full read again', async () => {
    const { ctx, config } = sb.context(undefined, { readScope: 'cross-company' });
    const expected = await count(ctx, 'ReleasedProductsV2/$count?cross-company=true');
    const state = memoryCompareState();
    const all = await collect(read('releasedProducts', ctx, config, undefined, state));
    const rows = upserts(all.records);
    expect(rows).toHaveLength(expected);
    expect(new Set(rows.map((r) => r.row['dataAreaId']))).toEqual(new Set(['usmf', 'demf']));
    const keys = new Set(rows.map((r) => `${r.row['dataAreaId']}/${r.row['ItemNumber']}`));
    expect(keys.has(`usmf/${FNO_SEED_FACTS.usmfOnlyItem}`)).toBe(true);
    expect(keys.has(`demf/${FNO_SEED_FACTS.demfOnlyItem}`)).toBe(true);
    expect(keys.has(`demf/${FNO_SEED_FACTS.usmfOnlyItem}`)).toBe(false);

    const narrowed = sb.config(undefined, { readScope: ['demf'] });
    const restarted = await collect(read('releasedProducts', ctx, narrowed, last(all.checkpoints), state), 1);
    expect(restarted.metas[0]).toMatchObject({ read: 'full', restart: { code: 'read_scope_changed' } });
    expect(upserts(restarted.records).every((r) => r.row['dataAreaId'] === 'demf')).toBe(true);
  });

  it('an interrupted pass resumes from the stored next link and misses nothing', async () => {
    const { ctx, config } = sb.context(undefined, { readScope: ['demf'] });
    const state = memoryCompareState();
    const baseline = await collect(read('releasedProducts', ctx, config, undefined, state));
    const keys = upserts(baseline.records).map((r) => r.row['ItemNumber'] as string);
    // One change on the first page, one on the last.
    const early = keys[3] as string;
    const late = keys[keys.length - 2] as string;
    for (const item of [early, late]) {
      await testSetup(ctx).request({
        method: 'PATCH',
        url: `${sb.fnoUrl}/data/ReleasedProductsV2(dataAreaId='demf',ItemNumber='${item}')`,
        json: { SearchName: `CHANGED ${item}` },
      });
    }
    const partial = await collect(
      read('releasedProducts', ctx, config, last(baseline.checkpoints), state),
      2,
    );
    const stored = JSON.parse(JSON.stringify(last(partial.checkpoints))) as FnoFullCompareCheckpoint;
    expect(stored).toMatchObject({ complete: false, segment: 0, pass: 2 });
    expect(stored.nextLink).toContain('$skip=1000');
    const rest = await collect(read('releasedProducts', ctx, config, stored, state));
    expect(rest.pages).toBe(baseline.pages - 2);
    const changed = [...upserts(partial.records), ...upserts(rest.records)].map((r) => r.row['ItemNumber']);
    expect(changed.sort()).toEqual([early, late].sort());
  });

  it('a checkpoint of the earlier format (hashes inside it) starts a full read again, saying why', async () => {
    const { ctx, config } = sb.context(undefined, { readScope: ['demf'] });
    const legacy = {
      version: 1,
      scope: 'demf',
      pass: 3,
      baseline: true,
      segment: 0,
      nextLink: null,
      complete: true,
      startedAt: '2026-01-05T08:00:00.000Z',
      completedAt: '2026-01-05T08:01:00.000Z',
      records: { "ReleasedProductsV2(dataAreaId='demf',ItemNumber='X')": 'q3Jf0aZ-1kLm0' },
    };
    const restarted = await collect(read('releasedProducts', ctx, config, legacy), 1);
    expect(restarted.metas[0]).toMatchObject({
      read: 'full',
      restart: { code: 'checkpoint_format_changed' },
    });
    expect(restarted.records).toHaveLength(PAGE);
    expect(last(restarted.checkpoints)).toMatchObject({ version: 2, pass: 1, baseline: false });
  });

  it('product names come from the shared ProductsV2 (no legal entity)', async () => {
    const { ctx, config } = sb.context();
    const expected = await count(ctx, 'ProductsV2/$count');
    const all = await collect(read('products', ctx, config));
    const rows = upserts(all.records);
    expect(rows).toHaveLength(expected);
    expect(last(all.checkpoints)).toMatchObject({ scope: 'shared', complete: true });
    const product = rows.find((r) => r.row['ProductNumber'] === FNO_SEED_FACTS.commonItem);
    expect(product?.key).toBe(`ProductsV2(ProductNumber='${FNO_SEED_FACTS.commonItem}')`);
    expect(product?.row['ProductName']).toEqual(expect.stringMatching(/\S/));
  });

  it('prices: base prices (in the legal entity currency) and trade agreements, per legal entity', async () => {
    for (const [legalEntity, currency] of [
      ['usmf', 'USD'],
      ['demf', 'EUR'],
    ] as const) {
      const { ctx, config } = sb.context(undefined, { readScope: [legalEntity] });
      const agreements = await count(
        ctx,
        `SalesPriceAgreements/$count?$filter=dataAreaId%20eq%20'${legalEntity}'&cross-company=true`,
      );
      const products = await count(
        ctx,
        `ReleasedProductsV2/$count?$filter=dataAreaId%20eq%20'${legalEntity}'&cross-company=true`,
      );
      const all = await collect(read('prices', ctx, config));
      const records = all.records as {
        entitySet: string;
        currencyCode?: string | null;
        row: Record<string, unknown>;
      }[];
      const base = records.filter((r) => r.entitySet === 'ReleasedProductsV2');
      const trade = records.filter((r) => r.entitySet === 'SalesPriceAgreements');
      expect(base).toHaveLength(products);
      expect(trade).toHaveLength(agreements);
      expect(agreements).toBeGreaterThan(0);
      expect(base.every((r) => r.currencyCode === currency && r.row['dataAreaId'] === legalEntity)).toBe(
        true,
      );
      expect(trade[0]?.row).toMatchObject({
        dataAreaId: legalEntity,
        RecordId: expect.any(Number),
        Price: expect.any(Number),
        PriceCurrencyCode: expect.any(String),
      });
    }
  });

  it('customers: a new one is an upsert, a deleted one a delete record (confirmed by key)', async () => {
    const { ctx, config } = sb.context(undefined, { readScope: ['demf'] });
    const expected = await count(
      ctx,
      "CustomersV3/$count?$filter=dataAreaId%20eq%20'demf'&cross-company=true",
    );
    const state = memoryCompareState();
    const baseline = await collect(read('customers', ctx, config, undefined, state));
    expect(baseline.records).toHaveLength(expected);

    const created = await ensureCustomer(ctx, config, {
      legalEntity: 'demf',
      partyType: 'Organization',
      organizationName: 'Fischer Anlagenbau GmbH',
      address: { city: 'Köln', countryRegionId: 'DEU' },
    });
    const withNew = await collect(read('customers', ctx, config, last(baseline.checkpoints), state));
    const newKey = `CustomersV3(dataAreaId='demf',CustomerAccount='${created.customerAccount}')`;
    expect(
      upserts(withNew.records).map((r) => [r.key, r.row['OrganizationName'], r.row['SalesCurrencyCode']]),
    ).toEqual([[newKey, 'Fischer Anlagenbau GmbH', 'EUR']]);

    await testSetup(ctx).request({ method: 'DELETE', url: `${sb.fnoUrl}/data/${newKey}` });
    const withDelete = await collect(read('customers', ctx, config, last(withNew.checkpoints), state));
    expect(withDelete.records).toEqual([
      {
        op: 'delete',
        entitySet: 'CustomersV3',
        key: newKey,
        keys: { dataAreaId: 'demf', CustomerAccount: created.customerAccount },
        reason: expect.stringMatching(/no longer has this record/),
      },
    ]);
    // Once that pass is the baseline, the deleted customer is forgotten: not reported again.
    const after = await collect(read('customers', ctx, config, last(withDelete.checkpoints), state));
    expect(after.records).toEqual([]);
    expect((await state.baseline([newKey])).has(newKey)).toBe(false);
  });

  it('fetchOne reads one record by its full key (dataAreaId included), in any company', async () => {
    const { ctx, config } = sb.context();
    const product = await fetchFnoRecord(ctx, config, 'ReleasedProductsV2', {
      dataAreaId: 'demf',
      ItemNumber: FNO_SEED_FACTS.demfOnlyItem,
    });
    expect(product).toMatchObject({
      dataAreaId: 'demf',
      ItemNumber: FNO_SEED_FACTS.demfOnlyItem,
      ProductType: expect.any(String),
    });
    expect(
      await fetchFnoRecord(ctx, config, 'ProductsV2', { ProductNumber: FNO_SEED_FACTS.commonItem }),
    ).toMatchObject({
      ProductNumber: FNO_SEED_FACTS.commonItem,
    });
    expect(
      await fetchFnoRecord(ctx, config, 'CustomersV3', { dataAreaId: 'usmf', CustomerAccount: 'NO-SUCH-1' }),
    ).toBeUndefined();
    await expect(fetchFnoRecord(ctx, config, 'CustomersV3', { CustomerAccount: 'US-00001' })).rejects.toThrow(
      ConnectorError,
    );
    await expect(fetchFnoRecord(ctx, config, 'CustomersV3', { CustomerAccount: 'US-00001' })).rejects.toThrow(
      /every key field \(dataAreaId, CustomerAccount\); missing: dataAreaId/,
    );
  });
});
