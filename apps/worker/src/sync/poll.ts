import { randomUUID } from 'node:crypto';
import {
  type ConnectorError,
  countStream,
  dataverseConnector,
  type FnoConfig,
  type FnoCustomerRecord,
  type FnoPriceRecord,
  type FnoProductRecord,
  type FnoReleasedProductRecord,
  fetchFnoRecord,
  fnoConnector,
  formatFnoRecordKey,
  readCatalogRefs,
  readStream,
  take,
  writeStream,
  YIELD_EVERY,
  yieldToEventLoop,
} from '@mlc/connectors';
import {
  type BulkOutcome,
  type CompareStateRepository,
  type CursorsRepository,
  createCompareStateRepository,
  createCursorsRepository,
  createRecordsRepository,
  createStagedRowsRepository,
  type DbClient,
  type RecordsRepository,
  type StagedRowsRepository,
} from '@mlc/db';
import { type Logger, withContext } from '@mlc/logger';
import {
  contactIdOf,
  contentHash,
  type MappingError,
  type Result,
  toCrmAccount,
  toCrmContact,
  toCrmPriceListItem,
  toCrmProduct,
} from '@mlc/mappings';
import { z } from 'zod';
import { FlowError } from '../engine/errors';
import { openCreates } from '../flows/customer-create-intent';
import type { SyncRuntime } from '../flows/index';
import { writeInOrder } from './page-pipeline';

/**
 * F&O → Sales: the catalog (released products with their names, then prices) and customers, read
 * with the F&O connector's full-compare sources (only new or changed rows come out) and written in
 * bulk with the Dataverse sinks (UpsertMultiple / `$batch` chunks).
 *
 * - Every row is mapped (explicit field lists: nothing financial reaches Sales), hashed, and
 *   compared with the hash stored on its sync record: an unchanged row is never written (so a poll
 *   with no change writes nothing, and our own writes coming back are not written again).
 * - After each page is written and its outcomes recorded, the source's checkpoint is saved: an
 *   interrupted initial load resumes at the page where it stopped.
 * - A row that cannot be mapped or written is recorded failed with the reason; the others go on.
 * - Progress (`progress/<stream>`: done, written, failed, phase) is stored for the portal.
 */

export type PollStream = 'catalog' | 'customers';

export interface PollDeps {
  db: DbClient;
  logger: Logger;
}

interface PollContext {
  runtime: SyncRuntime;
  records: RecordsRepository;
  cursors: CursorsRepository;
  /** Per-record hashes of the F&O full-compare reads, per stream (in Postgres: memory stays flat). */
  compare: CompareStateRepository;
  /** Rows waiting for another stream's rows during a poll (product names), in Postgres too. */
  staged: StagedRowsRepository;
  log: Logger;
  correlationId: string;
  progress: Progress;
}

interface Progress {
  stream: string;
  phase: string;
  /**
   * Rows a first (full) read of the stream returns (F&O `$count`), or null on a later poll, which
   * reads only changes; `done` counts up to it.
   */
  total: number | null;
  done: number;
  written: number;
  unchanged: number;
  failed: number;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

const checkpointSchema = z.unknown();

/** Failures that pass by themselves: the page is written again later instead of failing its rows. */
const TRANSIENT = new Set([
  'throttled',
  'upstream_unavailable',
  'timeout',
  'outcome_unknown',
  'network_error',
]);

/** One mapped row waiting to be written. */
interface Pending<T> {
  naturalKey: string;
  sourceId: string;
  label: string;
  targetDataAreaId: string | null;
  payload: T;
  hash: string;
}

export async function runPoll(deps: PollDeps, runtime: SyncRuntime, stream: PollStream): Promise<Progress> {
  const correlationId = randomUUID();
  const cursors = createCursorsRepository(deps.db.db);
  const now = new Date().toISOString();
  const ctx: PollContext = {
    runtime,
    records: createRecordsRepository(deps.db.db),
    cursors,
    compare: createCompareStateRepository(deps.db.db),
    staged: createStagedRowsRepository(deps.db.db),
    correlationId,
    log: withContext(deps.logger, { connectionId: runtime.connectionId, correlationId, stream }),
    progress: {
      stream,
      phase: 'starting',
      total: null,
      done: 0,
      written: 0,
      unchanged: 0,
      failed: 0,
      startedAt: now,
      updatedAt: now,
      finishedAt: null,
    },
  };
  ctx.progress.total = await firstReadTotal(ctx, stream);
  if (ctx.progress.total !== null) await saveProgress(ctx);
  if (stream === 'catalog') {
    if (runtime.settings.flows.products) await pollProducts(ctx);
    if (runtime.settings.flows.prices) await pollPrices(ctx);
  } else if (runtime.settings.flows.customers) {
    await pollCustomers(ctx);
  }
  ctx.progress.phase = 'done';
  ctx.progress.finishedAt = new Date().toISOString();
  await saveProgress(ctx);
  ctx.log.info({ ...ctx.progress }, 'poll finished');
  return ctx.progress;
}

/** The F&O reads of a poll, with where each keeps its checkpoint (as the poll phases name them). */
function readsOf(runtime: SyncRuntime, stream: PollStream) {
  const { settings } = runtime;
  const reads: { source: string; cursor: string; legalEntities: string[] }[] = [];
  if (stream === 'catalog') {
    const legalEntity = settings.catalog.legalEntity ?? settings.legalEntities.default;
    if (settings.flows.products) {
      reads.push({
        source: 'releasedProducts',
        cursor: `products/ReleasedProductsV2@${legalEntity}`,
        legalEntities: [legalEntity],
      });
    }
    const withPriceList = Object.entries(settings.legalEntities.settings)
      .filter(([, le]) => le.priceList)
      .map(([id]) => id)
      .sort();
    if (settings.flows.prices && withPriceList.length > 0) {
      reads.push({
        source: 'prices',
        cursor: `prices@${withPriceList.join(',')}`,
        legalEntities: withPriceList,
      });
    }
  } else if (settings.flows.customers) {
    const legalEntities = Object.keys(settings.legalEntities.settings).sort();
    if (legalEntities.length > 0) {
      reads.push({ source: 'customers', cursor: `customers@${legalEntities.join(',')}`, legalEntities });
    }
  }
  return reads;
}

/**
 * The rows an initial load will read (F&O `$count` of every read that has no complete pass yet), so
 * the portal can show done / total; null when every read already completed a pass (a later poll
 * reads changes only) or F&O cannot count.
 */
async function firstReadTotal(ctx: PollContext, stream: PollStream): Promise<number | null> {
  const { runtime } = ctx;
  let total: number | null = null;
  for (const read of readsOf(runtime, stream)) {
    const stored = await ctx.cursors.get(runtime.connectionId, 'fno', read.cursor, checkpointSchema);
    // A full-compare checkpoint that is complete, or that has a baseline, had a whole pass already.
    const passed = stored as { complete?: unknown; baseline?: unknown } | null;
    if (passed?.complete === true || passed?.baseline === true) continue;
    const count = await countStream(
      fnoConnector,
      read.source,
      runtime.fno.ctx,
      fnoConfigFor(runtime, read.legalEntities),
    );
    if (count !== undefined) total = (total ?? 0) + count;
  }
  return total;
}

async function saveProgress(ctx: PollContext) {
  ctx.progress.updatedAt = new Date().toISOString();
  await ctx.cursors.save(ctx.runtime.connectionId, 'fno', `progress/${ctx.progress.stream}`, ctx.progress);
}

/** Reads an F&O stream from its stored checkpoint, its record hashes kept under the same name. */
function readFno(ctx: PollContext, source: string, config: FnoConfig, cursor: string, stored: unknown) {
  return readStream(fnoConnector, source, ctx.runtime.fno.ctx, config, stored ?? undefined, {
    state: ctx.compare.forStream(ctx.runtime.connectionId, cursor),
  });
}

function fnoConfigFor(runtime: SyncRuntime, legalEntities: readonly string[]): FnoConfig {
  return { ...runtime.fno.config, readScope: [...legalEntities] };
}

function failureOf(error: MappingError | ConnectorError): { code: string; message: string; remedy?: string } {
  const remedy = 'remedy' in error && typeof error.remedy === 'string' ? error.remedy : undefined;
  return { code: error.code, message: error.message, ...(remedy ? { remedy } : {}) };
}

/** Rows written and recorded together: one bulk outcome per slice (its statement stays far below Postgres' 65,535 parameters). */
const SLICE = 1000;
/** Slices of one page in flight at once; the host budget still bounds the requests in flight. */
const PARALLEL_SLICES = 4;

/** `hashesOf` for any number of keys, in slices. */
async function hashesOfMany(
  records: RecordsRepository,
  key: Parameters<RecordsRepository['hashesOf']>[0],
  naturalKeys: readonly string[],
): Promise<Awaited<ReturnType<RecordsRepository['hashesOf']>>> {
  const out: Awaited<ReturnType<RecordsRepository['hashesOf']>> = new Map();
  for (let start = 0; start < naturalKeys.length; start += SLICE * 5) {
    const part = await records.hashesOf(key, naturalKeys.slice(start, start + SLICE * 5));
    for (const [naturalKey, value] of part) out.set(naturalKey, value);
  }
  return out;
}

/** Runs `work` over `items` with at most `limit` at once; every item runs even when one fails. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const index = next++;
        if (index >= items.length) return;
        try {
          await work(items[index] as T);
        } catch (error) {
          errors.push(error);
        }
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
}

/**
 * Rows handed to `writePage`, which empties the box once they are mapped: V8 keeps an async
 * function's locals and parameters while it waits, so rows passed as a plain argument would stay
 * in memory until the whole page is written.
 */
interface RowsBox<R> {
  rows?: readonly R[] | undefined;
}

type RowMap<R, T> = (row: R) => { key: Omit<Pending<T>, 'payload' | 'hash'>; result: Result<T> } | undefined;

/**
 * Maps a page's rows (taken from the box) and compares them with what was last written: the rows
 * to write, and the rows that cannot be. Its locals end with it, so the write that follows holds
 * only what it sends.
 */
async function mapAndCompare<R, T>(
  ctx: PollContext,
  key: { connectionId: string; direction: 'fno_to_sales'; entity: string },
  box: RowsBox<R>,
  map: RowMap<R, T>,
  rewrite: ReadonlySet<string> | undefined,
): Promise<{ toWrite: Pending<T>[]; refused: BulkOutcome[] }> {
  const rows = take(box, 'rows') ?? [];
  const byKey = new Map<string, Pending<T> | BulkOutcome>();
  let mappedCount = 0;
  for (const row of rows) {
    // Responses of the requests in flight are read between slices of a 10,000-row page.
    if (++mappedCount % YIELD_EVERY === 0) await yieldToEventLoop();
    const mapped = map(row);
    if (!mapped) continue;
    if (mapped.result.ok) {
      byKey.set(mapped.key.naturalKey, {
        ...mapped.key,
        payload: mapped.result.value,
        hash: contentHash(mapped.result.value),
      });
    } else if (mapped.result.error.code !== 'not_applicable') {
      byKey.set(mapped.key.naturalKey, { ...mapped.key, ok: false, error: failureOf(mapped.result.error) });
    }
  }
  const stored = await hashesOfMany(ctx.records, key, [...byKey.keys()]);
  const toWrite: Pending<T>[] = [];
  const refused: BulkOutcome[] = [];
  for (const entry of byKey.values()) {
    if ('ok' in entry) {
      refused.push(entry);
      continue;
    }
    const previous = stored.get(entry.naturalKey);
    if (previous?.status === 'synced' && previous.hash === entry.hash && !rewrite?.has(entry.naturalKey)) {
      ctx.progress.unchanged += 1;
      continue;
    }
    toWrite.push(entry);
  }
  return { toWrite, refused };
}

/**
 * Maps, compares and writes one page: returns when its outcomes are recorded (then the caller
 * saves the checkpoint). `map` returns `undefined` for rows that are not for Sales (skipped). The
 * page is written in slices of `SLICE` rows, `PARALLEL_SLICES` at a time, each slice's outcomes
 * recorded as soon as it is written, and let go of once written.
 */
async function writePage<R, T>(
  ctx: PollContext,
  entity: string,
  sink: string,
  box: RowsBox<R>,
  map: RowMap<R, T>,
  options: { rewrite?: ReadonlySet<string> } = {},
): Promise<void> {
  const direction = 'fno_to_sales' as const;
  const key = { connectionId: ctx.runtime.connectionId, direction, entity };
  const { toWrite, refused } = await mapAndCompare(ctx, key, box, map, options.rewrite);
  const slices: (Pending<T>[] | undefined)[] = [];
  for (let start = 0; start < toWrite.length; start += SLICE)
    slices.push(toWrite.slice(start, start + SLICE));
  toWrite.length = 0;
  const transient: BulkOutcome[] = [];
  let written = 0;
  let failed = 0;
  const record = async (outcomes: BulkOutcome[], startedAt: Date, t0: number) => {
    // A chunk that failed for a passing reason (throttled after the retries, service unavailable,
    // lost response) is not recorded as failed: the job fails and runs again from the last saved
    // checkpoint, after recording what did go in (so that is not written twice).
    const passing = outcomes.filter((o) => !o.ok && TRANSIENT.has(o.error.code));
    transient.push(...passing);
    const lasting = outcomes.filter((o) => o.ok || !TRANSIENT.has(o.error.code));
    for (let start = 0; start < lasting.length; start += SLICE) {
      await ctx.records.recordBulk(key, lasting.slice(start, start + SLICE), {
        step: `write-${sink}`,
        correlationId: ctx.correlationId,
        startedAt,
        durationMs: Math.round(performance.now() - t0),
      });
    }
    written += outcomes.filter((o) => o.ok).length;
    failed += outcomes.filter((o) => !o.ok).length;
  };
  await record(refused.splice(0), new Date(), performance.now());
  await eachLimited([...slices.keys()], PARALLEL_SLICES, async (index) => {
    // The slice leaves the page's list as it is written: written slices are not kept.
    const slice = slices[index] ?? [];
    slices[index] = undefined;
    const startedAt = new Date();
    const t0 = performance.now();
    const results = await writeStream(
      dataverseConnector,
      sink,
      ctx.runtime.sales.ctx,
      ctx.runtime.sales.config,
      slice.map((entry) => entry.payload),
    );
    const outcomes: BulkOutcome[] = [];
    results.forEach((outcome, index) => {
      const entry = slice[index];
      if (!entry) return;
      const base = {
        naturalKey: entry.naturalKey,
        sourceId: entry.sourceId,
        label: entry.label,
        targetDataAreaId: entry.targetDataAreaId,
        input: entry.payload,
      };
      outcomes.push(
        outcome.ok
          ? { ...base, ok: true, targetKey: outcome.key, contentHash: entry.hash }
          : { ...base, ok: false, error: failureOf(outcome.error) },
      );
    });
    await record(outcomes, startedAt, t0);
  });
  const first = transient[0];
  if (first && !first.ok) {
    throw new FlowError(
      first.error.code,
      `${transient.length} ${entity} rows could not be written now: ${first.error.message}`,
      {
        retryable: true,
      },
    );
  }
  ctx.progress.written += written;
  ctx.progress.failed += failed;
}

function uomMap(runtime: SyncRuntime, unitIdByName: Map<string, string>): Map<string, string> {
  const map = new Map(unitIdByName);
  for (const [symbol, name] of Object.entries(runtime.settings.catalog.unitNames)) {
    const id = unitIdByName.get(name.toLowerCase());
    if (id) map.set(symbol.toLowerCase(), id);
  }
  return map;
}

/**
 * Sales units for F&O unit symbols the unit group lacks, created in the group (named by the
 * symbol, or by `catalog.unitNames`), defined as 1 of the group's base unit: Sales needs a unit to
 * quote in; quantities are converted by F&O, not by Sales.
 */
async function ensureUnits(
  ctx: PollContext,
  symbols: readonly (string | null | undefined)[],
  refs: { unitGroupId: string; unitIdByName: Map<string, string>; baseUnitId: string | undefined },
) {
  const names = ctx.runtime.settings.catalog.unitNames;
  const missing = [
    ...new Set(
      symbols
        .filter((symbol): symbol is string => Boolean(symbol?.trim()))
        .map((symbol) => names[symbol] ?? names[symbol.toLowerCase()] ?? symbol.trim()),
    ),
  ].filter((name) => !refs.unitIdByName.has(name.toLowerCase()));
  if (missing.length === 0 || !refs.baseUnitId) return;
  const outcomes = await writeStream(
    dataverseConnector,
    'units',
    ctx.runtime.sales.ctx,
    ctx.runtime.sales.config,
    missing.map((name) => ({
      name,
      uomscheduleid: { id: refs.unitGroupId },
      baseuom: { id: refs.baseUnitId },
      quantity: 1,
    })),
  );
  outcomes.forEach((outcome, index) => {
    const name = missing[index];
    if (outcome.ok && name) refs.unitIdByName.set(name.toLowerCase(), outcome.key);
    else if (!outcome.ok)
      ctx.log.warn({ unit: name, code: outcome.error.code }, 'could not create a Sales unit');
  });
}

/** Product numbers per `ProductsV2` query when names are read by number (the URL stays short). */
const NAMES_CHUNK = 15;
/** Renamed products (a name changed, the released product did not) written per page. */
const RENAMED_CHUNK = 1000;
const productNamesPage = z.object({
  value: z.array(z.looseObject({ ProductNumber: z.string() })),
});

/**
 * Names (`ProductsV2`) of products whose released row changed but whose name did not: read
 * `NAMES_CHUNK` numbers to a request (`ProductNumber eq 'A' or …`), not one request per product. A
 * number F&O would read as a pattern (`*`) is read by its key.
 */
async function fetchProductNames(
  runtime: SyncRuntime,
  config: FnoConfig,
  numbers: readonly string[],
): Promise<Map<string, Extract<FnoProductRecord, { op: 'upsert' }>['row']>> {
  const out = new Map<string, Extract<FnoProductRecord, { op: 'upsert' }>['row']>();
  const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
  const plain = numbers.filter((number) => !number.includes('*'));
  const chunks: string[][] = [];
  for (let start = 0; start < plain.length; start += NAMES_CHUNK)
    chunks.push(plain.slice(start, start + NAMES_CHUNK));
  await eachLimited(chunks, 4, async (chunk) => {
    const filter = chunk.map((number) => `ProductNumber eq ${literal(number)}`).join(' or ');
    const response = await runtime.fno.ctx.http.request({
      method: 'GET',
      url: `${config.url}/data/ProductsV2?$filter=${encodeURIComponent(filter)}&$select=ProductNumber,ProductName,ProductSearchName,ProductDescription`,
      headers: { 'odata-version': '4.0' },
      priority: 'backfill',
      signal: runtime.fno.ctx.signal,
      schema: productNamesPage,
    });
    for (const number of chunk) {
      // F&O compares case-insensitively.
      const row = response.body.value.find((r) => r.ProductNumber.toLowerCase() === number.toLowerCase());
      if (row) out.set(number, row as never);
    }
  });
  for (const number of numbers.filter((n) => n.includes('*'))) {
    const named = await fetchFnoRecord(
      runtime.fno.ctx,
      config,
      'ProductsV2',
      { ProductNumber: number },
      { priority: 'backfill' },
    );
    if (named) out.set(number, named as never);
  }
  return out;
}

type ProductName = Extract<FnoProductRecord, { op: 'upsert' }>['row'];

/** The fields of a `ProductsV2` row the product mapping uses: what a name waiting for its released product keeps. */
function nameFieldsOf(row: ProductName): ProductName {
  const { ProductNumber, ProductName, ProductSearchName, ProductDescription } = row;
  return { ProductNumber, ProductName, ProductSearchName, ProductDescription } as ProductName;
}

async function pollProducts(ctx: PollContext) {
  const { runtime } = ctx;
  const legalEntity = runtime.settings.catalog.legalEntity ?? runtime.settings.legalEntities.default;
  const config = fnoConfigFor(runtime, [legalEntity]);
  const priceList = runtime.settings.legalEntities.settings[legalEntity]?.priceList;
  let refs: Awaited<ReturnType<typeof readCatalogRefs>> | undefined;
  const refsOnce = async () => {
    refs ??= await readCatalogRefs(runtime.sales.ctx, runtime.sales.config, {
      unitGroup: runtime.settings.catalog.unitGroup,
      priceLists: priceList ? [priceList] : [],
    });
    return refs;
  };

  // Names first (shared ProductsV2), staged in Postgres until the released products that need them
  // are written: a catalog's names would otherwise sit in the worker's memory (~30 MB per 100,000).
  ctx.progress.phase = 'product names';
  const namesStream = 'products/ProductsV2';
  const names = ctx.staged.forStream(runtime.connectionId, namesStream);
  // Left by a run that stopped part-way: its names pass is read again (its checkpoint was not saved).
  await names.clear();
  let namesCheckpoint: unknown;
  const storedNames = await ctx.cursors.get(runtime.connectionId, 'fno', namesStream, checkpointSchema);
  // A page's names are stored while the next page is read and compared (one write at a time).
  let staging: Promise<void> = Promise.resolve();
  try {
    for await (const page of readFno(ctx, 'products', config, namesStream, storedNames)) {
      const entries: [string, ProductName][] = [];
      for (const record of page.records as FnoProductRecord[]) {
        if (record.op === 'upsert' && record.row.ProductNumber)
          entries.push([record.row.ProductNumber, nameFieldsOf(record.row)]);
      }
      await staging;
      staging = names.put(entries);
      namesCheckpoint = page.checkpoint;
    }
  } finally {
    // Waited for on every path, so no write is left running (its failure is thrown below).
    await staging.catch(() => undefined);
  }
  await staging;

  ctx.progress.phase = 'released products';
  await saveProgress(ctx);
  const releasedStream = `products/ReleasedProductsV2@${legalEntity}`;
  const stored = await ctx.cursors.get(runtime.connectionId, 'fno', releasedStream, checkpointSchema);
  type ReleasedRow = Extract<FnoReleasedProductRecord, { op: 'upsert' }>['row'];
  /** Units and names the rows need (in order, one page at a time), then the write of the rows. */
  const prepareProducts = async (rows: ReleasedRow[]): Promise<() => Promise<void>> => {
    if (rows.length === 0) return async () => undefined;
    const { unitGroupId, unitIdByName, priceListIdByName, baseUnitId } = await refsOnce();
    await ensureUnits(
      ctx,
      rows.map((row) => row.SalesUnitSymbol),
      { unitGroupId, unitIdByName, baseUnitId },
    );
    const uoms = uomMap(runtime, unitIdByName);
    const priceLevelId = priceList ? priceListIdByName.get(priceList) : undefined;
    const numbers = rows.flatMap((row) => (row.ProductNumber ? [row.ProductNumber] : []));
    const pageNames = (await names.get(numbers)) as Map<string, ProductName>;
    // Names that did not change are read by key (a released product changed on its own).
    const missing = [...new Set(numbers.filter((number) => !pageNames.has(number)))];
    for (const [number, named] of await fetchProductNames(runtime, config, missing))
      pageNames.set(number, nameFieldsOf(named));
    const count = rows.length;
    const box: RowsBox<ReleasedRow> = { rows };
    return async () => {
      await writePage(ctx, 'product', 'products', box, (row) => ({
        key: {
          naturalKey: row.ItemNumber,
          sourceId: `${legalEntity}/${row.ItemNumber}`,
          label: row.ItemNumber,
          targetDataAreaId: legalEntity,
        },
        result: toCrmProduct(row, row.ProductNumber ? pageNames.get(row.ProductNumber) : undefined, {
          defaultUomScheduleId: unitGroupId,
          uomIdBySymbol: uoms,
          ...(priceLevelId ? { priceLevelId } : {}),
        }),
      }));
      ctx.progress.done += count;
    };
  };
  await writeInOrder(readFno(ctx, 'releasedProducts', config, releasedStream, stored), {
    start: async (page) => {
      const rows = (page.records as FnoReleasedProductRecord[]).flatMap((record) =>
        record.op === 'upsert' ? [record.row] : [],
      );
      const write = await prepareProducts(rows);
      const numbers = rows.flatMap((row) => (row.ProductNumber ? [row.ProductNumber] : []));
      const { checkpoint } = page;
      return async () => {
        await write();
        return { checkpoint, numbers };
      };
    },
    commit: async ({ checkpoint, numbers }) => {
      // A name used by its released product is done with; the names left at the end are renames.
      await names.remove(numbers);
      await ctx.cursors.save(runtime.connectionId, 'fno', releasedStream, checkpoint);
      await saveProgress(ctx);
    },
  });
  // Names that changed for products whose released row did not (none on a first read: a name
  // without a released product in this legal entity is not for the Sales catalog).
  if (storedNames !== undefined) {
    let after: string | null = null;
    for (;;) {
      const renamed = await names.keys(after, RENAMED_CHUNK);
      if (renamed.length === 0) break;
      after = renamed.at(-1) ?? null;
      const rows: ReleasedRow[] = [];
      for (const number of renamed) {
        const row = await fetchFnoRecord(
          runtime.fno.ctx,
          config,
          'ReleasedProductsV2',
          { dataAreaId: legalEntity, ItemNumber: number },
          { priority: 'backfill' },
        );
        if (row) rows.push(row as never);
      }
      await (await prepareProducts(rows))();
    }
  }
  await names.clear();
  if (namesCheckpoint !== undefined)
    await ctx.cursors.save(runtime.connectionId, 'fno', namesStream, namesCheckpoint);
}

type PriceUpsert = Extract<FnoPriceRecord, { op: 'upsert' }>;
type AgreementUpsert = Extract<PriceUpsert, { entitySet: 'SalesPriceAgreements' }>;
type BaseUpsert = Extract<PriceUpsert, { entitySet: 'ReleasedProductsV2' }>;

/** The Sales price-list item a price row targets: legal entity (its price list), item and unit. */
const priceTarget = (dataAreaId: string, item: string, unit: string) =>
  `${dataAreaId}/${item}/${unit}`.toLowerCase();
/** Record of the trade agreement that sets a target's price (one per target; sourceId = the agreement). */
const agreementRecordKey = (target: string) => `agreement:${target}`;

/** F&O's empty date (1900-01-01) means "no end"; an agreement applies from its from-date through its to-date. */
function validOn(row: AgreementUpsert['row'], now: number): boolean {
  const from = row.PriceApplicableFromDate ? Date.parse(row.PriceApplicableFromDate) : Number.NaN;
  const to = row.PriceApplicableToDate ? Date.parse(row.PriceApplicableToDate) : Number.NaN;
  const open = (time: number) => Number.isNaN(time) || new Date(time).getUTCFullYear() <= 1900;
  return (open(from) || from <= now) && (open(to) || to >= now - 86_400_000);
}

/**
 * Prices: the base sales price of every released product that is a Sales product, and, for legal
 * entities with a `priceGroup`, the trade agreement of that group (or for all customers) from
 * quantity 1, valid today, which then wins over the base price. The winning agreement is kept as
 * the record `agreement:<le>/<item>/<unit>`; while it stands, base-price changes of that item are
 * not written; when it ends (deleted, expired, moved to another group), the base price is read
 * again and written.
 */
async function pollPrices(ctx: PollContext) {
  const { runtime } = ctx;
  const withPriceList = Object.entries(runtime.settings.legalEntities.settings).filter(
    ([, le]) => le.priceList,
  );
  if (withPriceList.length === 0) return;
  ctx.progress.phase = 'prices';
  const refs = await readCatalogRefs(runtime.sales.ctx, runtime.sales.config, {
    unitGroup: runtime.settings.catalog.unitGroup,
    priceLists: withPriceList.map(([, le]) => le.priceList ?? ''),
  });
  const uoms = uomMap(runtime, refs.unitIdByName);
  const config = fnoConfigFor(
    runtime,
    withPriceList.map(([id]) => id),
  );
  const stream = `prices@${withPriceList
    .map(([id]) => id)
    .sort()
    .join(',')}`;
  const recordKey = {
    connectionId: runtime.connectionId,
    direction: 'fno_to_sales' as const,
    entity: 'price',
  };
  const priceListOf = (dataAreaId: string) => {
    const le = runtime.settings.legalEntities.settings[dataAreaId];
    const priceLevelId = le?.priceList ? refs.priceListIdByName.get(le.priceList) : undefined;
    return le && priceLevelId ? { le, priceLevelId } : undefined;
  };
  const stored = await ctx.cursors.get(runtime.connectionId, 'fno', stream, checkpointSchema);
  type PricePage = { records: unknown[]; checkpoint: unknown };
  const writePrices = async (box: { page?: PricePage | undefined }) => {
    // The page's rows are let go of once mapped (V8 keeps an async function's locals while it
    // waits): the locals that hold them are emptied before the writes.
    let records: FnoPriceRecord[] | undefined = (take(box, 'page')?.records ?? []) as FnoPriceRecord[];
    const recordCount = records.length;
    let upserts: PriceUpsert[] | undefined = records.flatMap((record) =>
      record.op === 'upsert' ? [record] : [],
    );
    let bases: BaseUpsert[] | undefined = upserts.filter(
      (record): record is BaseUpsert => record.entitySet === 'ReleasedProductsV2',
    );
    const agreements = upserts.filter(
      (record): record is AgreementUpsert => record.entitySet === 'SalesPriceAgreements',
    );
    // Only items that are Sales products get prices (an item released only outside the catalog
    // legal entity is not in the Sales catalog).
    const products = await hashesOfMany(
      ctx.records,
      { connectionId: runtime.connectionId, direction: 'fno_to_sales', entity: 'product' },
      [...new Set(upserts.map((record) => String(record.row.ItemNumber ?? '')))],
    );
    const isProduct = (item: string | null | undefined) =>
      products.get(String(item ?? ''))?.status === 'synced';

    // The agreements that set a price now, the lowest per target; the others no longer do.
    const now = Date.now();
    const winners = new Map<string, AgreementUpsert>();
    const ended: string[] = records.flatMap((record) => (record.op === 'delete' ? [record.key] : []));
    for (const agreement of agreements) {
      const row = agreement.row;
      const dataAreaId = String(row.dataAreaId ?? '').toLowerCase();
      const list = priceListOf(dataAreaId);
      const applies =
        list?.le.priceGroup !== undefined &&
        isProduct(row.ItemNumber) &&
        validOn(row, now) &&
        toCrmPriceListItem(row, {
          priceLevelId: list.priceLevelId,
          uomIdBySymbol: uoms,
          currency: list.le.currencyCode,
          priceCustomerGroup: list.le.priceGroup,
        }).ok;
      if (!applies) {
        ended.push(agreement.key);
        continue;
      }
      const target = priceTarget(dataAreaId, String(row.ItemNumber), String(row.QuantityUnitySymbol ?? ''));
      const best = winners.get(target);
      if (!best || Number(row.Price) < Number(best.row.Price)) winners.set(target, agreement);
    }
    const lost = (await ctx.records.bySourceIds(recordKey, ended)).filter(
      (record) => record.status === 'synced' && record.naturalKey.startsWith('agreement:'),
    );
    const standing = await hashesOfMany(
      ctx.records,
      recordKey,
      bases.map((base) =>
        agreementRecordKey(
          priceTarget(
            String(base.row.dataAreaId),
            String(base.row.ItemNumber),
            String(base.row.SalesUnitSymbol),
          ),
        ),
      ),
    );
    const lostTargets = new Set(lost.map((record) => record.naturalKey.slice('agreement:'.length)));
    const overridden = (target: string) =>
      winners.has(target) ||
      (!lostTargets.has(target) && standing.get(agreementRecordKey(target))?.status === 'synced');

    // Base prices: written unless an agreement sets that price; restored where an agreement ended.
    const restore = [...lostTargets].filter((target) => !winners.has(target));
    const restored = await readBasePrices(ctx, config, restore);
    const baseRows = [
      ...bases.filter(
        (base) =>
          !overridden(
            priceTarget(
              String(base.row.dataAreaId),
              String(base.row.ItemNumber),
              String(base.row.SalesUnitSymbol),
            ),
          ),
      ),
      ...restored,
    ];
    const rewrite = new Set(restored.map((base) => base.key));
    ctx.progress.unchanged += bases.length - (baseRows.length - restored.length);
    records = undefined;
    upserts = undefined;
    bases = undefined;
    // The rows move into the box (`splice`): the local array no longer holds them.
    const baseBox: RowsBox<(typeof baseRows)[number]> = { rows: baseRows.splice(0) };
    await writePage(
      ctx,
      'price',
      'priceListItems',
      baseBox,
      (record) => {
        const row = record.row;
        // (A restored base price is of an item whose agreement price was written: a Sales product.)
        if (!isProduct(row.ItemNumber) && !rewrite.has(record.key)) return undefined;
        const dataAreaId = String(row.dataAreaId ?? '').toLowerCase();
        const list = priceListOf(dataAreaId);
        if (!list) return undefined;
        return {
          key: {
            naturalKey: record.key,
            sourceId: record.key,
            label: String(row.ItemNumber ?? record.key),
            targetDataAreaId: dataAreaId,
          },
          result: toCrmPriceListItem(row, {
            priceLevelId: list.priceLevelId,
            uomIdBySymbol: uoms,
            currency: list.le.currencyCode,
          }),
        };
      },
      { rewrite },
    );
    await writePage(ctx, 'price', 'priceListItems', { rows: [...winners] }, ([target, agreement]) => {
      const row = agreement.row;
      const dataAreaId = String(row.dataAreaId ?? '').toLowerCase();
      const list = priceListOf(dataAreaId);
      if (!list) return undefined;
      return {
        key: {
          naturalKey: agreementRecordKey(target),
          sourceId: agreement.key,
          label: `${String(row.ItemNumber)} (trade agreement ${String(row.RecordId)})`,
          targetDataAreaId: dataAreaId,
        },
        result: toCrmPriceListItem(row, {
          priceLevelId: list.priceLevelId,
          uomIdBySymbol: uoms,
          currency: list.le.currencyCode,
          ...(list.le.priceGroup ? { priceCustomerGroup: list.le.priceGroup } : {}),
        }),
      };
    });
    ctx.progress.done += recordCount;
    // An ended agreement's record says why its price no longer comes from it.
    for (const record of lost) {
      if (winners.has(record.naturalKey.slice('agreement:'.length))) continue;
      await ctx.records.markSkipped(
        record.id,
        `Trade agreement ${record.sourceId} no longer sets this price (deleted, expired or changed): the base sales price applies again.`,
      );
    }
  };
  // Pages of base prices only (one price per item, never another page's) are written two at a
  // time; a page with trade agreements or deletions may decide the price of an item another page
  // writes, so it is written alone, in read order.
  const basesOnly = (page: PricePage) =>
    (page.records as FnoPriceRecord[]).every(
      (record) => record.op === 'upsert' && record.entitySet === 'ReleasedProductsV2',
    );
  await writeInOrder(readFno(ctx, 'prices', config, stream, stored), {
    start: async (page) => {
      const { checkpoint } = page;
      const box: { page?: PricePage | undefined } = { page };
      return async () => {
        await writePrices(box);
        return checkpoint;
      };
    },
    exclusive: (page) => !basesOnly(page),
    commit: async (checkpoint) => {
      await ctx.cursors.save(runtime.connectionId, 'fno', stream, checkpoint);
      await saveProgress(ctx);
    },
  });
}

/** The base-price rows of the items of `targets` (`le/item/unit`), read again from F&O. */
async function readBasePrices(
  ctx: PollContext,
  config: FnoConfig,
  targets: readonly string[],
): Promise<BaseUpsert[]> {
  const out: BaseUpsert[] = [];
  for (const target of targets) {
    // `<le>/<item>/<unit>`: an item number may itself hold a '/'.
    const parts = target.split('/');
    const dataAreaId = parts[0] ?? '';
    const item = parts.slice(1, -1).join('/');
    const row = await fetchFnoRecord(
      ctx.runtime.fno.ctx,
      config,
      'ReleasedProductsV2',
      { dataAreaId, ItemNumber: item },
      { priority: 'backfill' },
    );
    if (!row) continue;
    const base = row as unknown as BaseUpsert['row'];
    out.push({
      op: 'upsert',
      entitySet: 'ReleasedProductsV2',
      key: formatFnoRecordKey('ReleasedProductsV2', ['dataAreaId', 'ItemNumber'], base),
      hash: '',
      currencyCode: ctx.runtime.settings.legalEntities.settings[dataAreaId]?.currencyCode ?? null,
      row: base,
    });
  }
  return out;
}

/** How long a customer we created from a CRM record belongs to the order run that created it. */
const JUST_CREATED_MS = 10 * 60_000;

/**
 * No echo of a customer we just created in F&O from a CRM account or contact: the create raises
 * F&O's customer-changed event, and the refresh it triggers may read the customer before the
 * order's run has written its account number back and remembered it. Such a customer (linked in
 * the key map within the last minutes, not yet a record of this direction) is left to that run;
 * once remembered, later F&O edits flow to Sales as usual.
 */
async function withoutJustCreated<
  R extends {
    dataAreaId: string;
    CustomerAccount: string;
    OrganizationName?: string | null;
    PersonFirstName?: string | null;
    PersonLastName?: string | null;
  },
>(ctx: PollContext, rows: readonly R[]): Promise<R[]> {
  if (rows.length === 0) return [];
  const { runtime } = ctx;
  const key = (row: R) => `${row.dataAreaId.toLowerCase()}/${row.CustomerAccount}`;
  const known = await hashesOfMany(
    ctx.records,
    { connectionId: runtime.connectionId, direction: 'fno_to_sales', entity: 'customer' },
    rows.map((row) => `${row.dataAreaId}/${row.CustomerAccount}`),
  );
  const fresh = rows.filter((row) => !known.has(`${row.dataAreaId}/${row.CustomerAccount}`));
  if (fresh.length === 0) return [...rows];
  const links = await runtime.keyMap.linksOf({
    connectionId: runtime.connectionId,
    kind: 'customer',
    keys: fresh.map((row) => ({ dataAreaId: row.dataAreaId, fnoKey: row.CustomerAccount })),
  });
  // Creates begun by an order run and not linked yet (the run may even have died after F&O
  // created the customer): matched by the account when it was known up front, else by name.
  const open = await openCreates(runtime);
  const nameOf = (row: R) =>
    (row.OrganizationName || [row.PersonFirstName, row.PersonLastName].filter(Boolean).join(' ')).trim();
  const begun = (row: R) =>
    open.some(
      (create) =>
        create.dataAreaId === row.dataAreaId.toLowerCase() &&
        (create.account ? create.account === row.CustomerAccount : create.name === nameOf(row)),
    );
  const now = Date.now();
  const skipped = new Set(
    fresh
      .filter((row) => {
        const link = links.get(key(row));
        return (link !== undefined && now - link.linkedAt.getTime() < JUST_CREATED_MS) || begun(row);
      })
      .map(key),
  );
  if (skipped.size > 0) {
    ctx.log.info(
      { customers: [...skipped] },
      'customers just created from CRM records: left to their order runs',
    );
    ctx.progress.unchanged += skipped.size;
  }
  return rows.filter((row) => !skipped.has(key(row)));
}

async function pollCustomers(ctx: PollContext) {
  const { runtime } = ctx;
  const legalEntities = Object.keys(runtime.settings.legalEntities.settings).sort();
  if (legalEntities.length === 0) return;
  ctx.progress.phase = 'customers';
  const config = fnoConfigFor(runtime, legalEntities);
  const stream = `customers@${legalEntities.join(',')}`;
  const stored = await ctx.cursors.get(runtime.connectionId, 'fno', stream, checkpointSchema);
  for await (const page of readFno(ctx, 'customers', config, stream, stored)) {
    const read = (page.records as FnoCustomerRecord[]).flatMap((record) =>
      record.op === 'upsert' ? [record.row] : [],
    );
    const rows = await withoutJustCreated(ctx, read);
    const organizations = rows.filter((row) => row.PartyType !== 'Person');
    const persons = rows.filter((row) => row.PartyType === 'Person');
    const keyOf = (row: (typeof rows)[number]) => ({
      naturalKey: `${row.dataAreaId}/${row.CustomerAccount}`,
      sourceId: `${row.dataAreaId}/${row.CustomerAccount}`,
      label: row.CustomerAccount,
      targetDataAreaId: row.dataAreaId,
    });
    await writePage(ctx, 'customer', 'accounts', { rows: organizations }, (row) => ({
      key: keyOf(row),
      result: toCrmAccount(row),
    }));
    const contactIds = new Map<string, string>();
    for (const row of persons) {
      // A customer made from a CRM contact goes back to that contact.
      const linked = await runtime.keyMap.crmIdOf({
        connectionId: runtime.connectionId,
        kind: 'customer',
        dataAreaId: row.dataAreaId,
        fnoKey: row.CustomerAccount,
      });
      contactIds.set(
        row.CustomerAccount,
        linked?.crmEntity === 'contact' ? linked.crmId : contactIdOf(row.CustomerAccount),
      );
    }
    await writePage(ctx, 'customer', 'contacts', { rows: persons }, (row) => ({
      key: keyOf(row),
      result: toCrmContact(row, {
        contactId: contactIds.get(row.CustomerAccount) ?? contactIdOf(row.CustomerAccount),
      }),
    }));
    ctx.progress.done += organizations.length + persons.length;
    await ctx.cursors.save(runtime.connectionId, 'fno', stream, page.checkpoint);
    await saveProgress(ctx);
  }
}
