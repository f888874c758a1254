import type { EntityModel } from '../metadata/registry';
import type { StoredRow } from '../store/types';
import type { RowPredicate } from './filter/compile';
import { toComparable } from './filter/compile';
import type { OrderKey } from './options';
import { type CookieColumn, decodeSkipToken, encodeSkipToken } from './paging';

/** The platform's page and count ceiling. */
export const MAX_PAGE_SIZE = 5000;

export interface CollectionRequest {
  filter: RowPredicate | undefined;
  orderby: readonly OrderKey[];
  pageSize: number;
  /** Paging: undefined for the first page. */
  skiptoken: string | undefined;
  /** Whether the total number of matching rows is needed (`$count=true`). */
  count: boolean;
  /** Change tracking: the version the initial sync started at, carried in the cookie. */
  trackingVersion?: number;
}

export interface CollectionPage {
  rows: StoredRow[];
  /** The `$skiptoken` of the next page, when there is one. */
  nextSkipToken: string | undefined;
  /** Matching rows in total (only computed when asked). */
  total: number | undefined;
  /** The tracking version of the cookie this page continued from (or of the request). */
  trackingVersion: number | undefined;
}

/**
 * Filters, sorts (the `$orderby` keys, then the primary key, so order is total and stable) and
 * pages a table. Null sorts first ascending, like SQL Server; strings compare case-insensitively.
 */
export function queryCollection(
  model: EntityModel,
  rows: Iterable<StoredRow>,
  request: CollectionRequest,
): CollectionPage {
  const columns: CookieColumn[] = [
    ...request.orderby.map((key) => ({ name: key.attribute.logicalName, attribute: key.attribute })),
    { name: model.def.primaryIdAttribute, attribute: pkAttribute(model) },
  ];
  const descending = [...request.orderby.map((k) => k.descending), false];
  const cursor = request.skiptoken ? decodeSkipToken(request.skiptoken, columns) : undefined;
  const cursorKeys = cursor
    ? columns.map((column, i) => toComparable(column.attribute, cursor.last[i]))
    : undefined;

  // Sort keys are computed once per row (not per comparison): paging 100,000 rows stays fast.
  const keyed: Array<{ keys: Comparable[]; row: StoredRow }> = [];
  let total = 0;
  for (const row of rows) {
    if (request.filter && !request.filter(row)) continue;
    total++;
    const keys = columns.map((column) =>
      toComparable(column.attribute, row.values[column.attribute.logicalName]),
    );
    if (cursorKeys && compareKeys(keys, cursorKeys, descending) <= 0) continue;
    keyed.push({ keys, row });
  }
  keyed.sort((a, b) => compareKeys(a.keys, b.keys, descending));
  const page = keyed.slice(0, request.pageSize).map((entry) => entry.row);
  const first = page[0];
  const last = page[page.length - 1];
  const pageNumber = cursor?.pageNumber ?? 1;
  const trackingVersion = cursor?.trackingVersion ?? request.trackingVersion;
  const nextSkipToken =
    keyed.length > request.pageSize && first && last
      ? encodeSkipToken(pageNumber, columns, first, last, trackingVersion)
      : undefined;
  return { rows: page, nextSkipToken, total: request.count ? total : undefined, trackingVersion };
}

/** Sorts rows by `$orderby` (used for expanded collections too). */
export function sortRows(model: EntityModel, rows: StoredRow[], orderby: readonly OrderKey[]): StoredRow[] {
  const columns: CookieColumn[] = [
    ...orderby.map((key) => ({ name: key.attribute.logicalName, attribute: key.attribute })),
    { name: model.def.primaryIdAttribute, attribute: pkAttribute(model) },
  ];
  return rows.sort(rowComparator(columns, [...orderby.map((k) => k.descending), false]));
}

function pkAttribute(model: EntityModel) {
  const attribute = model.attributes.get(model.def.primaryIdAttribute);
  if (!attribute) throw new Error(`${model.def.logicalName} has no primary key column`);
  return attribute;
}

type Comparable = string | number | boolean | null;

function rowComparator(columns: readonly CookieColumn[], descending: readonly boolean[]) {
  return (a: StoredRow, b: StoredRow): number =>
    compareKeys(
      columns.map((c) => toComparable(c.attribute, a.values[c.attribute.logicalName])),
      columns.map((c) => toComparable(c.attribute, b.values[c.attribute.logicalName])),
      descending,
    );
}

function compareKeys(
  a: readonly Comparable[],
  b: readonly Comparable[],
  descending: readonly boolean[],
): number {
  for (let i = 0; i < a.length; i++) {
    const result = compareValues(a[i] ?? null, b[i] ?? null);
    if (result !== 0) return descending[i] ? -result : result;
  }
  return 0;
}

function compareValues(a: Comparable, b: Comparable): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
