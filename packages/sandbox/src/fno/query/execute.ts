import type { EntityDef, PropertyDef, Value } from '../metadata/types';
import type { Row, Table } from '../store/table';
import { compileFilter, type RowPredicate } from './filter';
import type { OrderBy, SetOptions } from './options';

/**
 * Company scoping (fno.md §2): without `cross-company=true` a company-specific entity shows only
 * the caller's default company; with it, every company. `$filter=dataAreaId eq '…'` then narrows
 * like any other filter, so a non-default company needs both. Shared entities are never scoped.
 */
export function companyScope(
  def: EntityDef,
  crossCompany: boolean,
  defaultCompany: string,
): RowPredicate | undefined {
  if (!def.companySpecific || crossCompany) return undefined;
  const company = defaultCompany.toLowerCase();
  return (row) => String(row.values['dataAreaId'] ?? '').toLowerCase() === company;
}

/**
 * `$orderby`: each row's sort values are read once (strings lower-cased, enums as their numeric
 * value, as SQL stores them), then sorted; ties fall back to key order, so paging is stable.
 */
export function sortRows(def: EntityDef, rows: readonly Row[], orderby: readonly OrderBy[]): Row[] {
  const readers = orderby.map(({ property }) => sortValue(def.property(property) as PropertyDef));
  const signs = orderby.map(({ descending }) => (descending ? -1 : 1));
  const decorated = rows.map((row) => ({ row, values: readers.map((read) => read(row)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < signs.length; i++) {
      const left = a.values[i] as Value;
      const right = b.values[i] as Value;
      if (left !== right) return (left < right ? -1 : 1) * (signs[i] as number);
    }
    return a.row.key < b.row.key ? -1 : a.row.key > b.row.key ? 1 : 0;
  });
  return decorated.map((entry) => entry.row);
}

function sortValue(prop: PropertyDef): (row: Row) => Value {
  const name = prop.name;
  const empty = prop.empty;
  const enumDef = prop.enumType;
  if (enumDef) {
    const values = new Map(enumDef.members.map((member) => [member.name, member.value]));
    return (row) => values.get(String(row.values[name] ?? empty)) ?? 0;
  }
  if (prop.kind === 'string' || prop.kind === 'guid')
    return (row) => String(row.values[name] ?? empty).toLowerCase();
  return (row) => row.values[name] ?? empty;
}

export interface Selection {
  /** Rows of this page. */
  rows: Row[];
  /** Rows matching scope and filter, ignoring $top/$skip (for `$count`). */
  total: number;
  /** Set when the page was cut by the server's page size: the `$skip` and `$top` of the next page. */
  next?: { skip: number; top: number | undefined };
}

/**
 * Scope, filter, order, skip, top and server-driven paging over one table (or a subset of its
 * rows, for navigations). A page holds at most `maxPageSize` rows; the next page's `$top` is the
 * caller's `$top` minus this page (Web API OData's next-link rule).
 */
export function selectRows(
  def: EntityDef,
  source: readonly Row[] | Table,
  options: SetOptions,
  scope: RowPredicate | undefined,
  maxPageSize: number,
  /**
   * What decides the matching rows and their order (scope, `$filter`, `$orderby`), when `source`
   * is a table: the next pages of one query then reuse the rows the first page matched and sorted,
   * while the table is unchanged, instead of filtering and sorting it again for every page.
   */
  cacheKey?: string,
): Selection {
  const matched =
    cacheKey !== undefined && 'rows' in source
      ? cachedMatch(source, cacheKey, () => match(def, source.rows(), options, scope))
      : match(def, 'rows' in source ? source.rows() : source, options, scope);

  const skip = options.skip ?? 0;
  const wanted =
    options.top === undefined ? matched.length - skip : Math.min(options.top, matched.length - skip);
  const take = Math.max(0, Math.min(wanted, maxPageSize));
  const selection: Selection = { rows: matched.slice(skip, skip + take), total: matched.length };
  if (wanted > maxPageSize) {
    selection.next = {
      skip: skip + maxPageSize,
      top: options.top === undefined ? undefined : options.top - maxPageSize,
    };
  }
  return selection;
}

/** Rows matching scope and filter, in `$orderby` order. */
function match(
  def: EntityDef,
  rows: readonly Row[],
  options: SetOptions,
  scope: RowPredicate | undefined,
): readonly Row[] {
  const filter = options.filter === undefined ? undefined : compileFilter(def, options.filter);
  let matched: Row[];
  if (!scope && !filter) matched = rows.slice();
  else {
    matched = [];
    for (const row of rows) {
      if (scope && !scope(row)) continue;
      if (filter && !filter(row)) continue;
      matched.push(row);
    }
  }
  return options.orderby.length > 0 ? sortRows(def, matched, options.orderby) : matched;
}

/** Matches kept per table (a few queries paged at once), dropped when the table changes. */
const MATCHES_PER_TABLE = 8;
const matches = new WeakMap<Table, { generation: number; byKey: Map<string, readonly Row[]> }>();

function cachedMatch(table: Table, key: string, compute: () => readonly Row[]): readonly Row[] {
  let entry = matches.get(table);
  if (!entry || entry.generation !== table.generation) {
    entry = { generation: table.generation, byKey: new Map() };
    matches.set(table, entry);
  }
  const hit = entry.byKey.get(key);
  if (hit) {
    // Most recently used last: the oldest query goes first when the cache is full.
    entry.byKey.delete(key);
    entry.byKey.set(key, hit);
    return hit;
  }
  const rows = compute();
  entry.byKey.set(key, rows);
  if (entry.byKey.size > MATCHES_PER_TABLE) entry.byKey.delete(entry.byKey.keys().next().value as string);
  return rows;
}
