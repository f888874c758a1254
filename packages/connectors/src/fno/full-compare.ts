import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CompareStateStore } from '../core/compare-state';
import type { ConnectorContext } from '../core/context';
import type { SourcePage, SourcePageMeta } from '../core/define';
import { ConnectorError } from '../core/errors';
import { take } from '../core/take';
import { mapYielding, YIELD_EVERY, yieldToEventLoop } from '../core/yield';
import { schemaMismatch } from '../http/errors';
import { type FnoConfig, readScopeOf } from './config';
import {
  companyFilter,
  FnoApi,
  type KeyValue,
  type KeyValues,
  keyFilter,
  queryString,
  rawPageSchema,
  rawRowSchema,
  sameKey,
  stringLiteral,
} from './odata';

/**
 * Change detection for F&O sources: a full read compared with the previous one.
 *
 * F&O's entities have no modified date-time (CustomersV3, ReleasedProductsV2, SalesPriceAgreements,
 * ProductsV2; fno.md §3, §10), so there is no watermark to poll from. Each run ("pass") reads every
 * row in scope, page by page (`@odata.nextLink` as-is, `$orderby` the key for stable `$skip`
 * paging), hashes the properties we use, and yields only rows that are new or whose hash differs
 * from the last completed pass. The hashes live in the caller's `CompareStateStore` (the worker's
 * is in Postgres), asked for one page of keys at a time, so memory does not grow with the stream;
 * the checkpoint holds only the position. At the end of a pass, keys the pass did not see are read
 * again by key (15 to a request); those F&O no longer has become `delete` records, those it still
 * has (missed because `$skip` pages moved while rows were added) count as seen. So a deletion is
 * never inferred from paging alone.
 *
 * - First pass (no checkpoint): every row, `meta.read = 'full'`. Interrupted first passes start
 *   over (so `full` always means one uninterrupted read of everything).
 * - Later passes: changes only, `meta.read = 'incremental'`; interrupted passes resume from the
 *   stored next link (the resumed page's changed rows come out again: they are compared with the
 *   last completed pass, never with a half-done one).
 * - A different read scope (legal entities) than the checkpoint's, or a checkpoint of the earlier
 *   format (version 1, which held the hashes itself): a new first pass, with `meta.restart` saying
 *   why.
 */

const position = {
  /** `cross-company`, the legal entities read (`demf,usmf`), or `shared`. */
  scope: z.string(),
  /** The pass in progress (or the last one, when `complete`). */
  pass: z.number().int().min(1),
  /** Whether the store holds a completed pass to compare with (false during the first pass). */
  baseline: z.boolean(),
  /** Segment (entity query) of the pass in progress, and where in it to resume. */
  segment: z.number().int().min(0),
  nextLink: z.string().nullable(),
  complete: z.boolean(),
  startedAt: z.string(),
  completedAt: z.string().nullable(),
};

export const fullCompareCheckpointSchema = z.object({ version: z.literal(2), ...position });

/** The earlier format, whose `records` held every key's hash: read once, then a new first pass. */
const legacyCheckpointSchema = z.object({
  version: z.literal(1),
  ...position,
  records: z.record(z.string(), z.string()),
});

/** What a stored checkpoint may be: the current format, or the earlier one (restarted). */
export const storedFullCompareCheckpointSchema = z.union([
  fullCompareCheckpointSchema,
  legacyCheckpointSchema,
]);

export type FullCompareCheckpoint = z.output<typeof fullCompareCheckpointSchema>;
type StoredCheckpoint = z.output<typeof storedFullCompareCheckpointSchema>;

/** What one segment reads: an entity set with its key, scope and `$select`. */
export interface SegmentEntity {
  entitySet: string;
  keyFields: readonly string[];
  companyScoped: boolean;
  select: readonly string[];
  row: z.ZodType<Record<string, unknown>>;
}

export interface Segment {
  entity: SegmentEntity;
  /** Fields added to each upsert record next to `row` (and hashed with it). */
  extra?: (row: Record<string, unknown>, config: FnoConfig) => Record<string, unknown>;
}

export interface FullCompareSpec<R> {
  segments: readonly Segment[];
  recordSchema: z.ZodType<R>;
}

/** `ReleasedProductsV2(dataAreaId='usmf',ItemNumber='IE-10001')`: the record key (not URL-encoded). */
export function formatKey(
  entitySet: string,
  keyFields: readonly string[],
  row: Readonly<Record<string, unknown>>,
): string {
  const parts = keyFields.map((field) => {
    const value = row[field];
    if (typeof value === 'number') return `${field}=${value}`;
    if (typeof value === 'string') return `${field}=${stringLiteral(value)}`;
    throw new ConnectorError('schema_mismatch', `A row of ${entitySet} has no key field ${field}.`);
  });
  return `${entitySet}(${parts.join(',')})`;
}

const KEY = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$/;
const KEY_PART = /([A-Za-z_][A-Za-z0-9_]*)=('(?:[^']|'')*'|-?\d+)(?:,|$)/y;

/** The entity set and key values of a record key made by `formatKey`. */
export function parseKey(key: string): { entitySet: string; values: Record<string, KeyValue> } {
  const match = KEY.exec(key);
  if (!match?.[1] || match[2] === undefined)
    throw new ConnectorError('schema_mismatch', `"${key}" is not a record key.`);
  const values: Record<string, KeyValue> = {};
  const body = match[2];
  KEY_PART.lastIndex = 0;
  while (KEY_PART.lastIndex < body.length) {
    const part = KEY_PART.exec(body);
    if (!part?.[1] || part[2] === undefined)
      throw new ConnectorError('schema_mismatch', `"${key}" is not a record key.`);
    const raw = part[2];
    values[part[1]] = raw.startsWith("'") ? raw.slice(1, -1).replaceAll("''", "'") : Number(raw);
  }
  return { entitySet: match[1], values };
}

/** A short, stable hash of a record's content (keys sorted): 72 bits, base64url. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 12);
}

/** Keys sorted at every level, `undefined` properties left out; built without intermediate arrays (a hash per row read). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out += ',';
      out += canonicalJson(value[index]);
    }
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, as `<` on strings does.
    const keys = Object.keys(record).sort();
    let out = '{';
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      if (out.length > 1) out += ',';
      out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Keys re-read per request at the end of a pass (keeps the URL well under 2,000 characters). */
const VERIFY_CHUNK = 15;
/** Unseen keys taken from the store at a time at the end of a pass. */
const UNSEEN_BATCH = 1500;

/** A row read and parsed, with its key and hash, before it is compared. */
interface ReadRow {
  segment: Segment;
  row: Record<string, unknown>;
  key: string;
  hash: string;
  extra: Record<string, unknown>;
}

export async function* readFullCompare<R>(
  ctx: ConnectorContext,
  config: FnoConfig,
  spec: FullCompareSpec<R>,
  checkpoint: StoredCheckpoint | undefined,
  store: CompareStateStore,
): AsyncGenerator<SourcePage<R, FullCompareCheckpoint>> {
  const api = new FnoApi(ctx, config);
  const scopeValue = readScopeOf(config);
  const companyScoped = spec.segments.some((segment) => segment.entity.companyScoped);
  const scope = !companyScoped
    ? 'shared'
    : scopeValue === 'cross-company'
      ? scopeValue
      : scopeValue.join(',');
  const now = () => new Date(ctx.clock.now()).toISOString();
  const fresh = (): FullCompareCheckpoint => ({
    version: 2,
    scope,
    pass: 1,
    baseline: false,
    segment: 0,
    nextLink: null,
    complete: false,
    startedAt: now(),
    completedAt: null,
  });

  let state: FullCompareCheckpoint;
  let meta: SourcePageMeta;
  if (!checkpoint) {
    state = fresh();
    meta = { read: 'full' };
  } else if (checkpoint.version === 1) {
    state = fresh();
    meta = {
      read: 'full',
      restart: {
        reason:
          "The stored read position is of an earlier format (it held every record's hash), so every record is read again once.",
        code: 'checkpoint_format_changed',
        message: 'full-compare checkpoint version 1 → 2',
      },
    };
  } else if (checkpoint.scope !== scope) {
    state = fresh();
    meta = {
      read: 'full',
      restart: {
        reason: `The legal entities read changed (from ${checkpoint.scope} to ${scope}), so every record is read again.`,
        code: 'read_scope_changed',
        message: `read scope ${checkpoint.scope} → ${scope}`,
      },
    };
  } else if (checkpoint.complete) {
    // The completed pass's checkpoint is stored (the caller saved it after its last page), so its
    // marks can become the baseline now.
    await store.promote(checkpoint.pass);
    state = {
      ...checkpoint,
      pass: checkpoint.pass + 1,
      baseline: true,
      segment: 0,
      nextLink: null,
      complete: false,
      startedAt: now(),
      completedAt: null,
    };
    meta = { read: 'incremental' };
  } else if (!checkpoint.baseline) {
    // An interrupted first pass starts over: a `full` read is one uninterrupted read of everything.
    state = fresh();
    meta = { read: 'full' };
  } else {
    state = { ...checkpoint };
    meta = { read: 'incremental' };
  }
  if (!state.baseline && state.segment === 0 && state.nextLink === null) await store.clear();

  const parse = (segment: Segment, raw: unknown): ReadRow => {
    const { entity } = segment;
    const parsed = entity.row.safeParse(raw);
    if (!parsed.success) {
      const key =
        typeof raw === 'object' && raw !== null ? safeKey(entity, raw as Record<string, unknown>) : '?';
      throw schemaMismatch(`The ${entity.entitySet} row ${key}`, parsed.error);
    }
    const row = parsed.data;
    const key = formatKey(entity.entitySet, entity.keyFields, row);
    const extra = segment.extra?.(row, config) ?? {};
    return { segment, row, key, hash: contentHash({ row, ...extra }), extra };
  };

  /** Marks the rows read, and returns the records of those that differ from the baseline. */
  const compare = async (rows: readonly ReadRow[]): Promise<R[]> => {
    if (rows.length === 0) return [];
    const baseline = state.baseline ? await store.baseline(rows.map((row) => row.key)) : new Map();
    await store.mark(
      state.pass,
      rows.map((row) => [row.key, row.hash] as const),
    );
    const changed: R[] = [];
    let done = 0;
    for (const { segment, row, key, hash, extra } of rows) {
      if (++done % YIELD_EVERY === 0) await yieldToEventLoop();
      if (baseline.get(key) === hash) continue;
      const record = spec.recordSchema.safeParse({
        op: 'upsert',
        entitySet: segment.entity.entitySet,
        key,
        hash,
        row,
        ...extra,
      });
      if (!record.success) throw schemaMismatch(`The record ${key}`, record.error);
      changed.push(record.data);
    }
    return changed;
  };

  const snapshot = (): FullCompareCheckpoint => ({ ...state });

  /**
   * Starts a page's GET. A failure is kept for whoever awaits the page: the no-op catch only keeps
   * it from being an unhandled rejection when nobody does (the consumer stopped, or the page
   * before failed its compare).
   */
  const fetchPage = (url: string): Promise<z.output<typeof rawPageSchema>> => {
    const page = api.get(url, rawPageSchema, 'backfill');
    page.catch(() => {});
    return page;
  };

  while (state.segment < spec.segments.length) {
    const segment = spec.segments[state.segment] as Segment;
    let pending = fetchPage(state.nextLink ?? firstPageUrl(segment.entity, scopeValue));
    for (;;) {
      let page: z.output<typeof rawPageSchema> | undefined = await pending;
      const next = page['@odata.nextLink'];
      // Prefetch: the segment's next page is fetched while this one is compared (store reads and
      // writes) and yielded, at most one page ahead. The checkpoint still points at it, so a resume
      // reads it again.
      if (next) pending = fetchPage(next);
      // V8 keeps a suspended generator's locals, dead or not: the raw rows and the records go
      // through a box emptied before the yield, so this frame does not hold the page while the
      // consumer writes it.
      const box: { rows?: unknown[] | undefined; records?: R[] | undefined } = { rows: page.value };
      page = undefined;
      box.records = await compare(await mapYielding(box.rows ?? [], (raw) => parse(segment, raw)));
      box.rows = undefined;
      if (next) {
        state.nextLink = next;
        yield { records: take(box, 'records') ?? [], checkpoint: snapshot(), meta };
        continue;
      }
      state.segment += 1;
      state.nextLink = null;
      if (state.segment < spec.segments.length) {
        yield { records: take(box, 'records') ?? [], checkpoint: snapshot(), meta };
        break;
      }
      const tail = state.baseline ? await verifyUnseen(api, spec, state, store, parse, compare) : [];
      state.complete = true;
      state.completedAt = now();
      box.records = [...(take(box, 'records') ?? []), ...tail];
      yield { records: take(box, 'records') ?? [], checkpoint: snapshot(), meta };
      return;
    }
  }
  // A stored position past the last segment (the stream's segments changed): close the pass.
  const tail = state.baseline ? await verifyUnseen(api, spec, state, store, parse, compare) : [];
  state.complete = true;
  state.completedAt = now();
  yield { records: tail, checkpoint: snapshot(), meta };
}

function firstPageUrl(entity: SegmentEntity, scope: 'cross-company' | string[]): string {
  return `${entity.entitySet}${queryString({
    filter: entity.companyScoped ? companyFilter(scope) : undefined,
    select: entity.select,
    orderBy: entity.keyFields,
    crossCompany: entity.companyScoped,
  })}`;
}

function safeKey(entity: SegmentEntity, row: Record<string, unknown>): string {
  try {
    return formatKey(entity.entitySet, entity.keyFields, row);
  } catch {
    return '(without key)';
  }
}

/**
 * Keys of the baseline the pass did not see: read again by key. Rows F&O still has are treated as
 * seen (marked, and yielded when they changed); the others become `delete` records (the store
 * forgets them when this pass becomes the baseline).
 */
async function verifyUnseen<R>(
  api: FnoApi,
  spec: FullCompareSpec<R>,
  state: FullCompareCheckpoint,
  store: CompareStateStore,
  parse: (segment: Segment, raw: unknown) => ReadRow,
  compare: (rows: readonly ReadRow[]) => Promise<R[]>,
): Promise<R[]> {
  const out: R[] = [];
  let after: string | null = null;
  for (;;) {
    const keys = await store.unseen(state.pass, after, UNSEEN_BATCH);
    if (keys.length === 0) return out;
    after = keys[keys.length - 1] ?? null;
    const unseen = keys.map((key) => ({ key, ...parseKey(key) }));
    for (const segment of spec.segments) {
      const { entity } = segment;
      const mine = unseen.filter((item) => item.entitySet === entity.entitySet);
      for (let start = 0; start < mine.length; start += VERIFY_CHUNK) {
        const chunk = mine.slice(start, start + VERIFY_CHUNK);
        const filter = chunk.map((item) => keyFilter(entity.keyFields, item.values)).join(' or ');
        const url = `${entity.entitySet}${queryString({ filter, select: entity.select, crossCompany: entity.companyScoped })}`;
        const rows: Record<string, unknown>[] = [];
        for await (const page of api.pages(url, rawRowSchema, 'backfill')) rows.push(...page.rows);
        const found: ReadRow[] = [];
        for (const item of chunk) {
          const row = rows.find((candidate) =>
            sameKey(entity.keyFields, candidate, item.values as KeyValues),
          );
          if (row) {
            found.push(parse(segment, row));
            continue;
          }
          const record = spec.recordSchema.safeParse({
            op: 'delete',
            entitySet: entity.entitySet,
            key: item.key,
            keys: item.values,
            reason: `${entity.entitySet} no longer has this record (read again by its key at the end of a full read).`,
          });
          if (!record.success) throw schemaMismatch(`The delete record ${item.key}`, record.error);
          out.push(record.data);
        }
        out.push(...(await compare(found)));
      }
    }
  }
}

const countPageSchema = z.looseObject({ '@odata.count': z.number().int().nonnegative() });

/**
 * How many rows a full read of these segments returns in the read scope (`$count=true&$top=0` per
 * segment, with the same filter as the read): the total an initial load's progress is measured
 * against. One request per segment.
 */
export async function countFullCompare(
  ctx: ConnectorContext,
  config: FnoConfig,
  segments: readonly Segment[],
): Promise<number> {
  const api = new FnoApi(ctx, config);
  const scope = readScopeOf(config);
  let total = 0;
  for (const { entity } of segments) {
    const filter = entity.companyScoped ? companyFilter(scope) : undefined;
    const query = [
      ...(filter ? [`$filter=${encodeURIComponent(filter)}`] : []),
      '$count=true',
      '$top=0',
      ...(entity.companyScoped ? ['cross-company=true'] : []),
    ].join('&');
    total += (await api.get(`${entity.entitySet}?${query}`, countPageSchema, 'backfill'))['@odata.count'];
  }
  return total;
}
