import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import type { RecordOutcome } from '../core/define';
import { ConnectorError, isConnectorError } from '../core/errors';
import { API_PATH, collectionPage, DataverseApi, recordPath } from './api';
import { type BatchOperation, partError, sendBatch } from './batch';
import type { DataverseConfig } from './config';
import { nameBasedGuid, type Ref, RefResolver, refSchema, type TableRef } from './refs';

/**
 * Writing to Dynamics 365 Sales (E7 sinks): one outcome per record, in order.
 *
 * - products, accounts, contacts, units: `POST <set>/Microsoft.Dynamics.CRM.UpsertMultiple` with
 *   `{ Targets: [{ "@odata.type", "@odata.id": "<set>(<key>)", …columns, …binds }] }` in chunks of
 *   `upsertChunkSize` (100 by default), up to `CHUNKS_IN_FLIGHT` chunks at once, through the host
 *   budget with `backfill` priority (live orders go first; the budget bounds the requests in flight). Identity: the alternate key (product
 *   `productnumber`, account `accountnumber`), the primary key the worker chose (contact
 *   `contactid`), or, for units, the existing row found by its natural key (unit group + name) or
 *   else a name-based GUID, so a retry never makes a second row.
 * - price-list items (`productpricelevel` has no UpsertMultiple): `$batch` with one changeset per
 *   chunk of `PATCH productpricelevels(<id>)` upserts; the id is the existing item's (found by
 *   price list + product + unit) or a name-based GUID. The products named by number are read for
 *   the whole write first with their existing items expanded (`In` queries of 250 numbers; items of
 *   products named by id: `In` on `productid`, 150 ids), so a chunk costs its `$batch` only, not
 *   one query per record.
 * - order write-back: `PATCH salesorders(<id>)` of the configured column with `If-Match: *`
 *   (update only, never creates), `live` priority; the same for the F&O customer account written
 *   into an account's empty `accountnumber` (`writeAccountNumbers`).
 * - products written in Draft (the API's default on a fresh installation) are published after the
 *   upsert, so they can be quoted (`writeProducts`).
 *
 * One bad record must not fail the others. UpsertMultiple on standard tables is all-or-nothing and
 * its error does not say reliably which target failed, so a chunk refused for a data reason
 * (`validation_failed`, `not_found`, `conflict`) is split in two and each half sent again, down to
 * single records: k bad records among n cost about 2·k·log2(n) extra calls instead of n
 * record-by-record calls, and the good records still go in bulk. A `$batch` changeset names the
 * part that failed (Content-ID), so that record is set aside and the rest resent at once. Errors
 * that are not about the data (throttled after the retries, auth, service unavailable, outcome
 * unknown) fail the whole chunk with that error and are not split: they would fail the same way.
 */

type Outcome = RecordOutcome;

const text = (max: number) => z.string().max(max);
const optionalText = (max: number) => text(max).nullable().optional();
const money = z.number().nullable().optional();

export const productSinkRecordSchema = z.object({
  productnumber: z.string().min(1).max(100),
  name: z.string().min(1).max(100),
  description: optionalText(2000),
  price: money,
  standardcost: money,
  currentcost: money,
  quantitydecimal: z.number().int().min(0).max(5).optional(),
  producttypecode: z.number().int().optional(),
  vendorname: optionalText(100),
  defaultuomscheduleid: refSchema.optional(),
  defaultuomid: refSchema.optional(),
  pricelevelid: refSchema.optional(),
});
export type ProductSinkRecord = z.output<typeof productSinkRecordSchema>;

const address1 = {
  address1_line1: optionalText(250),
  address1_city: optionalText(80),
  address1_stateorprovince: optionalText(50),
  address1_postalcode: optionalText(20),
  address1_country: optionalText(80),
};

export const accountSinkRecordSchema = z.object({
  accountnumber: z.string().min(1).max(20),
  name: z.string().min(1).max(160),
  telephone1: optionalText(50),
  emailaddress1: optionalText(100),
  websiteurl: optionalText(200),
  ...address1,
  paymenttermscode: z.number().int().nullable().optional(),
  creditlimit: money,
  creditonhold: z.boolean().optional(),
  transactioncurrencyid: refSchema.optional(),
  defaultpricelevelid: refSchema.optional(),
  primarycontactid: refSchema.optional(),
});
export type AccountSinkRecord = z.output<typeof accountSinkRecordSchema>;

export const contactSinkRecordSchema = z.object({
  /** Chosen by the worker (kept in its key map), so a retry upserts the same contact. */
  contactid: z.guid(),
  firstname: optionalText(50),
  lastname: z.string().min(1).max(50),
  jobtitle: optionalText(100),
  emailaddress1: optionalText(100),
  telephone1: optionalText(50),
  mobilephone: optionalText(50),
  ...address1,
  parentcustomerid: z.object({ table: z.enum(['account', 'contact']), ref: refSchema }).optional(),
  transactioncurrencyid: refSchema.optional(),
});
export type ContactSinkRecord = z.output<typeof contactSinkRecordSchema>;

export const unitSinkRecordSchema = z.object({
  name: z.string().min(1).max(100),
  uomscheduleid: refSchema,
  baseuom: refSchema.optional(),
  quantity: z.number().positive(),
});
export type UnitSinkRecord = z.output<typeof unitSinkRecordSchema>;

export const priceListItemSinkRecordSchema = z.object({
  pricelevelid: refSchema,
  productid: refSchema,
  uomid: refSchema,
  amount: z.number().nullable(),
  /** 1 Currency Amount (default) … 6 Percent Margin - Standard Cost. */
  pricingmethodcode: z.number().int().min(1).max(6).default(1),
  quantitysellingcode: z.number().int().min(1).max(3).optional(),
});
export type PriceListItemSinkRecord = z.output<typeof priceListItemSinkRecordSchema>;

export const orderErpNumberRecordSchema = z.object({
  salesorderid: z.guid(),
  erpOrderNumber: z.string().min(1).max(100),
});
export type OrderErpNumberRecord = z.output<typeof orderErpNumberRecordSchema>;

/** The F&O customer account written onto a CRM account whose `accountnumber` was empty. */
export const accountNumberRecordSchema = z.object({
  accountid: z.guid(),
  accountnumber: z.string().min(1).max(20),
});
export type AccountNumberRecord = z.output<typeof accountNumberRecordSchema>;

const T = {
  product: { entitySet: 'products', primaryId: 'productid' },
  account: { entitySet: 'accounts', primaryId: 'accountid' },
  contact: { entitySet: 'contacts', primaryId: 'contactid' },
  uom: { entitySet: 'uoms', primaryId: 'uomid' },
  uomschedule: { entitySet: 'uomschedules', primaryId: 'uomscheduleid' },
  pricelevel: { entitySet: 'pricelevels', primaryId: 'pricelevelid' },
  productpricelevel: { entitySet: 'productpricelevels', primaryId: 'productpricelevelid' },
  transactioncurrency: { entitySet: 'transactioncurrencies', primaryId: 'transactioncurrencyid' },
} as const satisfies Record<string, TableRef>;

/** What a record becomes once its references are resolved. */
interface Prepared {
  /** The outcome key (the alternate key value or the id). */
  key: string;
  /** `<set>(<key>)`. */
  path: string;
  body: Record<string, unknown>;
}

interface Lookup<R> {
  /** Navigation property of the bind, e.g. `defaultuomid` or `parentcustomerid_account`. */
  navigation: string;
  table: TableRef;
  ref: Ref;
  /** Removed from the body (the field that held the ref). */
  field: keyof R & string;
}

interface UpsertSpec<R> {
  logicalName: string;
  table: TableRef;
  lookups(record: R): Lookup<R>[];
  /** Identity of the row; may resolve refs (natural keys). */
  identity(record: R, resolver: RefResolver, what: string): Promise<{ key: string; path: string }>;
}

const lookup = <R>(
  field: keyof R & string,
  table: TableRef,
  ref: Ref | undefined,
  navigation: string = field,
): Lookup<R>[] => (ref ? [{ field, table, ref, navigation }] : []);

const productSpec: UpsertSpec<ProductSinkRecord> = {
  logicalName: 'product',
  table: T.product,
  lookups: (r) => [
    ...lookup<ProductSinkRecord>('defaultuomscheduleid', T.uomschedule, r.defaultuomscheduleid),
    ...lookup<ProductSinkRecord>('defaultuomid', T.uom, r.defaultuomid),
    ...lookup<ProductSinkRecord>('pricelevelid', T.pricelevel, r.pricelevelid),
  ],
  identity: async (r) => ({
    key: r.productnumber,
    path: recordPath('products', { productnumber: r.productnumber }),
  }),
};

const accountSpec: UpsertSpec<AccountSinkRecord> = {
  logicalName: 'account',
  table: T.account,
  lookups: (r) => [
    ...lookup<AccountSinkRecord>('transactioncurrencyid', T.transactioncurrency, r.transactioncurrencyid),
    ...lookup<AccountSinkRecord>('defaultpricelevelid', T.pricelevel, r.defaultpricelevelid),
    ...lookup<AccountSinkRecord>('primarycontactid', T.contact, r.primarycontactid),
  ],
  identity: async (r) => ({
    key: r.accountnumber,
    path: recordPath('accounts', { accountnumber: r.accountnumber }),
  }),
};

const contactSpec: UpsertSpec<ContactSinkRecord> = {
  logicalName: 'contact',
  table: T.contact,
  lookups: (r) => [
    ...(r.parentcustomerid
      ? lookup<ContactSinkRecord>(
          'parentcustomerid',
          r.parentcustomerid.table === 'account' ? T.account : T.contact,
          r.parentcustomerid.ref,
          `parentcustomerid_${r.parentcustomerid.table}`,
        )
      : []),
    ...lookup<ContactSinkRecord>('transactioncurrencyid', T.transactioncurrency, r.transactioncurrencyid),
  ],
  identity: async (r) => ({ key: r.contactid.toLowerCase(), path: recordPath('contacts', r.contactid) }),
};

const unitSpec: UpsertSpec<UnitSinkRecord> = {
  logicalName: 'uom',
  table: T.uom,
  lookups: (r) => [
    ...lookup<UnitSinkRecord>('uomscheduleid', T.uomschedule, r.uomscheduleid),
    ...lookup<UnitSinkRecord>('baseuom', T.uom, r.baseuom),
  ],
  identity: async (r, resolver, what) => {
    const group = await resolver.id(T.uomschedule, r.uomscheduleid, `${what}: unit group`);
    const existing = await resolver.find(T.uom, { _uomscheduleid_value: group, name: r.name }, what);
    const id = existing ?? nameBasedGuid(`uom|${group}|${r.name.toLowerCase()}`);
    return { key: id, path: recordPath('uoms', id) };
  },
};

/** `pricelevel|product|unit` (GUIDs, lower case): what identifies a price list item. */
const priceItemKey = (priceList: string, product: string, unit: string) =>
  `${priceList}|${product}|${unit}`.toLowerCase();

/**
 * Price list items; `known` holds the existing item (or `null`: none) per natural key, read for
 * the whole write beforehand, so that identities cost no query per record (a key not in it, e.g.
 * one with several items, is looked up on its own).
 */
const priceListItemSpec = (
  known: ReadonlyMap<string, string | null>,
): UpsertSpec<PriceListItemSinkRecord> => ({
  logicalName: 'productpricelevel',
  table: T.productpricelevel,
  lookups: (r) => [
    ...lookup<PriceListItemSinkRecord>('pricelevelid', T.pricelevel, r.pricelevelid),
    ...lookup<PriceListItemSinkRecord>('productid', T.product, r.productid),
    ...lookup<PriceListItemSinkRecord>('uomid', T.uom, r.uomid),
  ],
  identity: async (r, resolver, what) => {
    const priceList = await resolver.id(T.pricelevel, r.pricelevelid, `${what}: price list`);
    const product = await resolver.id(T.product, r.productid, `${what}: product`);
    const unit = await resolver.id(T.uom, r.uomid, `${what}: unit`);
    const natural = { _pricelevelid_value: priceList, _productid_value: product, _uomid_value: unit };
    const prefetched = known.get(priceItemKey(priceList, product, unit));
    const existing =
      prefetched === undefined
        ? await resolver.find(T.productpricelevel, natural, what)
        : (prefetched ?? undefined);
    const id = existing ?? nameBasedGuid(`productpricelevel|${priceList}|${product}|${unit}`);
    return { key: id, path: recordPath('productpricelevels', id) };
  },
});

// ---------------------------------------------------------------------------------------------

type Prep = { ok: true; prepared: Prepared } | { ok: false; error: ConnectorError };

async function prepareAll<R extends Record<string, unknown>>(
  spec: UpsertSpec<R>,
  records: readonly R[],
  resolver: RefResolver,
  offset: number,
): Promise<Prep[]> {
  try {
    await resolver.prefetch(records.flatMap((r) => spec.lookups(r).map((l) => [l.table, l.ref] as const)));
  } catch (error) {
    const failure = asConnectorError(error);
    // A refused query (a bad value in one reference): each record resolves its own below and
    // reports its own error. Anything else (throttled, unavailable, auth) fails the chunk.
    if (!isRecordLevel(failure)) return records.map(() => ({ ok: false, error: failure }));
  }
  const out: Prep[] = [];
  for (const [index, record] of records.entries()) {
    const what = `${spec.logicalName} record ${offset + index}`;
    try {
      const identity = await spec.identity(record, resolver, what);
      const body: Record<string, unknown> = {};
      const lookups = spec.lookups(record);
      const lookupFields = new Set<string>(lookups.map((l) => l.field));
      for (const [name, value] of Object.entries(record)) {
        if (value === undefined || lookupFields.has(name)) continue;
        body[name] = value;
      }
      for (const l of lookups) {
        const id = await resolver.id(l.table, l.ref, `${what}: ${l.field}`);
        body[`${l.navigation}@odata.bind`] = `/${recordPath(l.table.entitySet, id)}`;
      }
      out.push({ ok: true, prepared: { key: identity.key, path: identity.path, body } });
    } catch (error) {
      out.push({ ok: false, error: asConnectorError(error) });
    }
  }
  return out;
}

/** Record outcomes carry `ConnectorError`s; anything else (an abort of the run, a bug) is rethrown. */
function asConnectorError(error: unknown): ConnectorError {
  if (isConnectorError(error)) return error;
  throw error;
}

/** Errors about the records themselves: splitting the chunk finds the bad ones. */
function isRecordLevel(error: ConnectorError): boolean {
  return error.code === 'validation_failed' || error.code === 'not_found' || error.code === 'conflict';
}

type SendChunk = (items: readonly Prepared[]) => Promise<Map<number, ConnectorError> | undefined>;

/**
 * Sends `items` with `send` and returns one outcome per item. `send` resolves with the failures it
 * could attribute to single items (by index), or throws for the chunk as a whole.
 */
async function writeWithIsolation(items: readonly Prepared[], send: SendChunk): Promise<Outcome[]> {
  if (items.length === 0) return [];
  let failures: Map<number, ConnectorError> | undefined;
  try {
    failures = await send(items);
  } catch (error) {
    const failure = asConnectorError(error);
    if (!isRecordLevel(failure) || items.length === 1) {
      return items.map(() => ({ ok: false as const, error: failure }));
    }
    const middle = Math.ceil(items.length / 2);
    const left = await writeWithIsolation(items.slice(0, middle), send);
    const right = await writeWithIsolation(items.slice(middle), send);
    return [...left, ...right];
  }
  if (!failures || failures.size === 0) return items.map((item) => ({ ok: true as const, key: item.key }));
  // The failed items are set aside; the others were rolled back with them and go again.
  const outcomes: (Outcome | undefined)[] = items.map((_, index) => {
    const error = failures?.get(index);
    return error ? { ok: false as const, error } : undefined;
  });
  const again = items.filter((_, index) => !failures?.has(index));
  const retried = await writeWithIsolation(again, send);
  let next = 0;
  return outcomes.map((outcome) => outcome ?? retried[next++] ?? { ok: false, error: missingOutcome() });
}

function missingOutcome(): ConnectorError {
  return new ConnectorError('schema_mismatch', 'No outcome was recorded for this record.');
}

/** Chunks of one write in flight at once (the host budget still bounds the requests in flight). */
const CHUNKS_IN_FLIGHT = 4;

/** Runs `work(i)` for i in 0..count-1, at most `limit` at once, in order of i. */
async function eachIndex(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      for (;;) {
        const index = next++;
        if (index >= count) return;
        await work(index);
      }
    }),
  );
}

async function writeChunks<R extends Record<string, unknown>>(
  ctx: ConnectorContext,
  config: DataverseConfig,
  spec: UpsertSpec<R>,
  records: readonly R[],
  sendFor: (api: DataverseApi) => SendChunk,
  resolverFor?: (api: DataverseApi) => RefResolver,
): Promise<Outcome[]> {
  const api = new DataverseApi(ctx, config);
  const resolver = resolverFor?.(api) ?? new RefResolver(api, 'backfill');
  const send = sendFor(api);
  const size = config.upsertChunkSize;
  const byChunk: Outcome[][] = [];
  await eachIndex(Math.ceil(records.length / size), CHUNKS_IN_FLIGHT, async (index) => {
    const start = index * size;
    const chunk = records.slice(start, start + size);
    const prepared = await prepareAll(spec, chunk, resolver, start);
    const ready = prepared.flatMap((p) => (p.ok ? [p.prepared] : []));
    const written = await writeWithIsolation(ready, send);
    let next = 0;
    const outcomes = prepared.map(
      (p): Outcome =>
        p.ok ? (written[next++] ?? { ok: false, error: missingOutcome() }) : { ok: false, error: p.error },
    );
    byChunk[index] = outcomes;
    ctx.logger.info(
      { table: spec.logicalName, records: chunk.length, failed: outcomes.filter((o) => !o.ok).length },
      'dataverse upsert chunk written',
    );
  });
  return byChunk.flat();
}

/** `POST <set>/Microsoft.Dynamics.CRM.UpsertMultiple`: 204, all or nothing. */
function upsertMultiple(logicalName: string, entitySet: string): (api: DataverseApi) => SendChunk {
  return (api) => async (items) => {
    await api.send('POST', `${entitySet}/Microsoft.Dynamics.CRM.UpsertMultiple`, {
      json: {
        Targets: items.map((item) => ({
          '@odata.type': `Microsoft.Dynamics.CRM.${logicalName}`,
          '@odata.id': item.path,
          ...item.body,
        })),
      },
      // Upserts by key: sending the same targets twice leaves the same rows.
      idempotent: true,
      priority: 'backfill',
    });
    return undefined;
  };
}

/** `$batch` with one changeset of `PATCH <set>(<id>)` upserts (no If-Match: create or update). */
function batchUpserts(api: DataverseApi): SendChunk {
  return batchPatches(api, false);
}

/** The same with `If-Match: *`: updates only, a missing row is `not_found`. */
function batchUpdates(api: DataverseApi): SendChunk {
  return batchPatches(api, true);
}

function batchPatches(api: DataverseApi, updateOnly: boolean): SendChunk {
  return async (items) => {
    const operations: BatchOperation[] = items.map((item) => ({
      method: 'PATCH',
      url: `${API_PATH}${item.path}`,
      body: item.body,
      ...(updateOnly ? { headers: { 'If-Match': '*' } } : {}),
    }));
    const { status, parts } = await sendBatch(api, [operations], { priority: 'backfill', idempotent: true });
    const failures = new Map<number, ConnectorError>();
    let unattributed: ConnectorError | undefined;
    for (const part of parts) {
      if (part.status < 400) continue;
      const index = part.contentId === undefined ? Number.NaN : Number(part.contentId) - 1;
      const item = items[index];
      const error = partError(
        part,
        'PATCH',
        item ? api.url(item.path.replace(/\(.*$/, '')) : api.url('$batch'),
      );
      if (item) failures.set(index, error);
      else unattributed = error;
    }
    if (unattributed && failures.size === 0) throw unattributed;
    if (failures.size === 0 && status >= 400) {
      throw new ConnectorError('validation_failed', 'The $batch failed without naming a failed part.');
    }
    return failures;
  };
}

/**
 * Products by product number (UpsertMultiple), then left Active: a product created through the
 * API starts in Draft on a fresh Dynamics 365 Sales installation
 * (`Organization.CreateProductsWithoutParentInActiveState` is 0 there, 1 on upgraded ones;
 * Microsoft Learn "Publish, revise, revert, retire, and activate products"), and a Draft product
 * cannot be added to quotes, orders or opportunities. After the upserts, the written products still
 * in Draft (statecode 2) are found with one query per `PUBLISH_CHUNK` (250) product numbers and
 * published with the documented SetState of a product without a family: `PATCH products(<id>)`
 * `{ statecode: 0, statuscode: 1 }`, each group in one `$batch` changeset (a refused part is set
 * aside, the rest resent). Products that are
 * Active, Retired or Under Revision are left as they are. A product written but not published
 * fails with `validation_failed` and a remedy; the next run upserts it again and publishes it.
 */
export async function writeProducts(
  ctx: ConnectorContext,
  config: DataverseConfig,
  records: readonly ProductSinkRecord[],
): Promise<Outcome[]> {
  const outcomes = await writeChunks(
    ctx,
    config,
    productSpec,
    records,
    upsertMultiple('product', 'products'),
  );
  const api = new DataverseApi(ctx, config);
  const written = outcomes.flatMap((o) => (o.ok ? [o.key] : []));
  const failures = await publishDraftProducts(api, written);
  if (failures.size === 0) return outcomes;
  return outcomes.map((outcome) => {
    const error = outcome.ok ? failures.get(outcome.key.toLowerCase()) : undefined;
    return error ? { ok: false, error } : outcome;
  });
}

const PRODUCT_STATE = { active: 0, draft: 2 } as const;
const PRODUCT_STATUS_ACTIVE = 1;
const draftProductRow = z.looseObject({ productid: z.guid(), productnumber: z.string() });

/** Publishes the products among `productNumbers` that are in Draft; failures by product number (lower case). */
/** Product numbers per Draft query (`In`, the URL stays a few kB) and per publishing `$batch`. */
const PUBLISH_CHUNK = 250;

async function publishDraftProducts(
  api: DataverseApi,
  productNumbers: readonly string[],
): Promise<Map<string, ConnectorError>> {
  const failures = new Map<string, ConnectorError>();
  await eachIndex(Math.ceil(productNumbers.length / PUBLISH_CHUNK), CHUNKS_IN_FLIGHT, async (index) => {
    const chunk = productNumbers.slice(index * PUBLISH_CHUNK, (index + 1) * PUBLISH_CHUNK);
    let drafts: z.output<typeof draftProductRow>[];
    try {
      const values = chunk.map((n) => `'${encodeURIComponent(n.replace(/'/g, "''"))}'`).join(',');
      const filter =
        `statecode eq ${PRODUCT_STATE.draft} and ` +
        `Microsoft.Dynamics.CRM.In(PropertyName='productnumber',PropertyValues=[${values}])`;
      drafts = (
        await api.get(
          `products?$select=productid,productnumber&$filter=${filter}`,
          collectionPage(draftProductRow),
          {
            priority: 'backfill',
            prefer: ['odata.maxpagesize=5000'],
          },
        )
      ).body.value;
    } catch (error) {
      const failure = notPublished(asConnectorError(error));
      for (const number of chunk) failures.set(number.toLowerCase(), failure);
      return;
    }
    if (drafts.length === 0) return;
    const items: Prepared[] = drafts.map((row) => ({
      key: row.productnumber,
      path: recordPath('products', row.productid),
      body: { statecode: PRODUCT_STATE.active, statuscode: PRODUCT_STATUS_ACTIVE },
    }));
    const published = await writeWithIsolation(items, batchUpdates(api));
    for (const [index, outcome] of published.entries()) {
      const item = items[index];
      if (item && !outcome.ok) failures.set(item.key.toLowerCase(), notPublished(outcome.error));
    }
    api.ctx.logger.info(
      { table: 'product', drafts: drafts.length, failed: published.filter((o) => !o.ok).length },
      'dataverse draft products published',
    );
  });
  return failures;
}

function notPublished(error: ConnectorError): ConnectorError {
  return new ConnectorError(
    error.code,
    `The product was written but is still in Draft, so it cannot be quoted: publishing it failed (${error.message}).`,
    {
      ...(error.upstream ? { upstream: error.upstream } : {}),
      remedy:
        error.remedy ??
        'Publish the product in Dynamics 365 Sales (Product Catalog > Products > Publish), or let the next sync try again.',
      cause: error,
    },
  );
}

export function writeAccounts(
  ctx: ConnectorContext,
  config: DataverseConfig,
  records: readonly AccountSinkRecord[],
) {
  return writeChunks(ctx, config, accountSpec, records, upsertMultiple('account', 'accounts'));
}

export function writeContacts(
  ctx: ConnectorContext,
  config: DataverseConfig,
  records: readonly ContactSinkRecord[],
) {
  return writeChunks(ctx, config, contactSpec, records, upsertMultiple('contact', 'contacts'));
}

export function writeUnits(
  ctx: ConnectorContext,
  config: DataverseConfig,
  records: readonly UnitSinkRecord[],
) {
  return writeChunks(ctx, config, unitSpec, records, upsertMultiple('uom', 'uoms'));
}

/** Product numbers per `In` query when price list items name their product by number. */
const PRODUCT_NUMBER_CHUNK = 250;
/** Product ids per query for the existing price list items. */
const PRODUCT_ID_CHUNK = 150;

const priceItemRow = z.looseObject({
  productpricelevelid: z.guid(),
  _pricelevelid_value: z.guid().nullable().optional(),
  _productid_value: z.guid().nullable().optional(),
  _uomid_value: z.guid().nullable().optional(),
});
/** `product_price_levels`: the price list items of a product (`productpricelevel.productid`). */
const ITEMS_OF_PRODUCT = 'product_price_levels';
/** Children of an expanded collection Dataverse returns at most (single-level expand). */
const EXPAND_LIMIT = 5000;
const productWithItemsRow = z.looseObject({
  productid: z.guid(),
  productnumber: z.string(),
  [ITEMS_OF_PRODUCT]: z.array(priceItemRow).optional(),
});
const ITEM_COLUMNS = 'productpricelevelid,_pricelevelid_value,_productid_value,_uomid_value';

/**
 * Price list items: before the chunks are written, the products named by number are read with a
 * few `In` queries for the whole write, each with its existing price list items expanded
 * (`product_price_levels`), so that each chunk costs its `$batch` only. The items of products named
 * by id (or of a product whose expanded items reached Dataverse's 5,000) are read with `In` queries
 * on `productid`. Products that are not found (or found twice) keep their reference and fail on
 * their own, as before.
 */
export async function writePriceListItems(
  ctx: ConnectorContext,
  config: DataverseConfig,
  records: readonly PriceListItemSinkRecord[],
) {
  const api = new DataverseApi(ctx, config);
  const resolver = new RefResolver(api, 'backfill');
  const known = new Map<string, string | null>();
  let resolved: PriceListItemSinkRecord[] = [...records];
  try {
    const found = new Map<string, string[]>();
    const noteItem = (row: z.output<typeof priceItemRow>) => {
      const key = priceItemKey(
        row._pricelevelid_value ?? '',
        row._productid_value ?? '',
        row._uomid_value ?? '',
      );
      found.set(key, [...(found.get(key) ?? []), row.productpricelevelid.toLowerCase()]);
    };
    // Products by number with their items, in a few queries for the whole write.
    const numbers = [
      ...new Set(
        records.flatMap((r) =>
          'key' in r.productid && Object.keys(r.productid.key).join() === 'productnumber'
            ? [String(r.productid.key['productnumber']).toLowerCase()]
            : [],
        ),
      ),
    ];
    const idByNumber = new Map<string, string | null>();
    /** Products whose items the expansions returned in full. */
    const itemsRead = new Set<string>();
    await eachIndex(Math.ceil(numbers.length / PRODUCT_NUMBER_CHUNK), CHUNKS_IN_FLIGHT, async (index) => {
      const chunk = numbers.slice(index * PRODUCT_NUMBER_CHUNK, (index + 1) * PRODUCT_NUMBER_CHUNK);
      const values = chunk.map((n) => `'${encodeURIComponent(n.replace(/'/g, "''"))}'`).join(',');
      for await (const row of pagesOf(
        api,
        `products?$select=productid,productnumber&$filter=Microsoft.Dynamics.CRM.In(PropertyName='productnumber',PropertyValues=[${values}])&$expand=${ITEMS_OF_PRODUCT}($select=${ITEM_COLUMNS})`,
        productWithItemsRow,
      )) {
        const number = row.productnumber.toLowerCase();
        const id = row.productid.toLowerCase();
        // Two products with one number: left to the resolver, which reports it for the record.
        idByNumber.set(number, idByNumber.has(number) ? null : id);
        const items = row[ITEMS_OF_PRODUCT];
        if (!items || items.length >= EXPAND_LIMIT) continue;
        for (const item of items) noteItem({ ...item, _productid_value: item._productid_value ?? id });
        itemsRead.add(id);
      }
    });
    resolved = records.map((r) => {
      if (!('key' in r.productid) || Object.keys(r.productid.key).join() !== 'productnumber') return r;
      const id = idByNumber.get(String(r.productid.key['productnumber']).toLowerCase());
      return id ? { ...r, productid: { id } } : r;
    });
    // The existing items of the other products (any price list and unit), a few queries too.
    const productIds = [
      ...new Set(resolved.flatMap((r) => ('id' in r.productid ? [r.productid.id.toLowerCase()] : []))),
    ];
    const unread = productIds.filter((id) => !itemsRead.has(id));
    await eachIndex(Math.ceil(unread.length / PRODUCT_ID_CHUNK), CHUNKS_IN_FLIGHT, async (index) => {
      const chunk = unread.slice(index * PRODUCT_ID_CHUNK, (index + 1) * PRODUCT_ID_CHUNK);
      for await (const row of pagesOf(
        api,
        `productpricelevels?$select=${ITEM_COLUMNS}&$filter=Microsoft.Dynamics.CRM.In(PropertyName='productid',PropertyValues=[${chunk.map((id) => `'${id}'`).join(',')}])`,
        priceItemRow,
      ))
        noteItem(row);
    });
    await resolver.prefetch(
      resolved.flatMap((r) => [[T.pricelevel, r.pricelevelid] as const, [T.uom, r.uomid] as const]),
    );
    const seen = new Set(productIds);
    for (const r of resolved) {
      if (!('id' in r.productid) || !seen.has(r.productid.id.toLowerCase())) continue;
      try {
        const key = priceItemKey(
          await resolver.id(T.pricelevel, r.pricelevelid, 'price list'),
          r.productid.id,
          await resolver.id(T.uom, r.uomid, 'unit'),
        );
        const ids = found.get(key) ?? [];
        // Several items for one key: the resolver looks it up and reports it.
        if (ids.length <= 1) known.set(key, ids[0] ?? null);
      } catch {
        // A reference that does not resolve fails its record when the chunk is prepared.
      }
    }
  } catch (error) {
    // A refused query: every record is resolved on its own below, as before. Anything else (throttled,
    // unavailable, auth) fails the write.
    const failure = asConnectorError(error);
    if (!isRecordLevel(failure)) return records.map(() => ({ ok: false as const, error: failure }));
    known.clear();
    resolved = [...records];
  }
  return writeChunks(ctx, config, priceListItemSpec(known), resolved, batchUpserts, () => resolver);
}

/** Every row of a query, following `@odata.nextLink`. */
async function* pagesOf<T extends z.ZodType>(
  api: DataverseApi,
  target: string,
  row: T,
): AsyncGenerator<z.output<T>> {
  let next: string | undefined = target;
  while (next) {
    const page: { body: { value: z.output<T>[]; '@odata.nextLink'?: string | undefined } } = await api.get(
      next,
      collectionPage(row),
      { priority: 'backfill', prefer: ['odata.maxpagesize=5000'] },
    );
    yield* page.body.value;
    next = page.body['@odata.nextLink'];
  }
}

/**
 * Writes the F&O order number into the configured column of each order: `PATCH salesorders(<id>)`
 * with `If-Match: *` (update only: a missing order is `not_found`, never created), `live`.
 */
export async function writeOrderErpNumbers(
  ctx: ConnectorContext,
  config: DataverseConfig,
  records: readonly OrderErpNumberRecord[],
): Promise<Outcome[]> {
  const api = new DataverseApi(ctx, config);
  return Promise.all(
    records.map(async (record): Promise<Outcome> => {
      try {
        await api.send('PATCH', recordPath('salesorders', record.salesorderid), {
          json: { [config.erpOrderNumberColumn]: record.erpOrderNumber },
          headers: { 'If-Match': '*' },
          priority: 'live',
        });
        return { ok: true, key: record.salesorderid.toLowerCase() };
      } catch (error) {
        return { ok: false, error: asConnectorError(error) };
      }
    }),
  );
}

/**
 * Writes the F&O customer account into `accountnumber` of CRM accounts that had none:
 * `PATCH accounts(<id>)` with `If-Match: *` (update only: a missing account is `not_found`, never
 * created), `live` priority, one outcome per record (key: the account id, lower case). With the
 * `accountnumber` alternate key defined, a number another account already holds is refused by
 * Dataverse (412 → `conflict`).
 */
export async function writeAccountNumbers(
  ctx: ConnectorContext,
  config: DataverseConfig,
  records: readonly AccountNumberRecord[],
): Promise<Outcome[]> {
  const api = new DataverseApi(ctx, config);
  return Promise.all(
    records.map(async (record): Promise<Outcome> => {
      try {
        await api.send('PATCH', recordPath('accounts', record.accountid), {
          json: { accountnumber: record.accountnumber },
          headers: { 'If-Match': '*' },
          priority: 'live',
        });
        return { ok: true, key: record.accountid.toLowerCase() };
      } catch (error) {
        const failure = asConnectorError(error);
        if (failure.code !== 'conflict') return { ok: false, error: failure };
        return {
          ok: false,
          error: new ConnectorError(
            'conflict',
            `Account number ${record.accountnumber} is already held by another account in Dynamics 365 Sales: ${failure.upstream?.message ?? failure.message}`,
            {
              ...(failure.upstream ? { upstream: failure.upstream } : {}),
              remedy:
                'Two CRM accounts map to the same F&O customer: merge them in Dynamics 365 Sales (or clear the number on the wrong one), then sync again.',
              cause: failure,
            },
          ),
        };
      }
    }),
  );
}
