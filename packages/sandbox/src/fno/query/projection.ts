import { entity } from '../metadata/entities';
import type { EntityDef, NavigationDef, PropertyDef, Value } from '../metadata/types';
import { canonicalKey, type Row, type Table } from '../store/table';
import { weakEtag } from '../wire';
import { selectRows } from './execute';
import type { ExpandOption } from './options';

export type JsonEntity = Record<string, unknown>;

/** Looks up tables by entity set (the store); kept narrow so projection stays pure. */
export type TableLookup = (entitySet: string) => Table;

/**
 * One row on the wire (`odata.metadata=minimal`): `@odata.etag`, then every selected property in
 * metadata order with its empty value when unset (`""`, 0, the first enum member, 1900-01-01).
 */
export function projectRow(def: EntityDef, row: Row, select: readonly string[] | undefined): JsonEntity {
  const out: JsonEntity = { '@odata.etag': weakEtag(row.recId, row.version) };
  const properties: readonly PropertyDef[] = select
    ? def.properties.filter((property) => select.includes(property.name))
    : def.properties;
  for (const property of properties) out[property.name] = row.values[property.name] ?? property.empty;
  return out;
}

/** Rows plus their expanded navigations (one level), computed with one pass per navigation. */
export function projectRows(
  def: EntityDef,
  rows: readonly Row[],
  options: { select?: readonly string[] | undefined; expand: readonly ExpandOption[] },
  tables: TableLookup,
): JsonEntity[] {
  const projected = rows.map((row) => projectRow(def, row, options.select));
  for (const item of options.expand) {
    const nav = def.navigation(item.navigation) as NavigationDef;
    const target = entity(nav.target);
    const from = nav.on.map(([name]) => name);
    const related = relatedRows(def, nav, target, rows, tables(nav.target));
    rows.forEach((row, index) => {
      const out = projected[index] as JsonEntity;
      const matches = related.get(joinKey(def, row, from)) ?? [];
      if (nav.collection) {
        const page = selectRows(target, matches, item, undefined, Number.MAX_SAFE_INTEGER);
        out[nav.name] = page.rows.map((match) => projectRow(target, match, item.select));
      } else {
        const match = matches[0];
        out[nav.name] = match ? projectRow(target, match, item.select) : null;
      }
    });
  }
  return projected;
}

/** Target rows grouped by their join values, limited to the values the source rows need. */
function relatedRows(
  source: EntityDef,
  nav: NavigationDef,
  target: EntityDef,
  sources: readonly Row[],
  table: Table,
): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  const from = nav.on.map(([name]) => name);
  const to = nav.on.map(([, name]) => name);
  // A single-valued navigation on the target's full key is a direct lookup.
  if (!nav.collection && to.length === target.keys.length && target.keys.every((key) => to.includes(key))) {
    for (const row of sources) {
      const keyValues: Record<string, Value> = {};
      nav.on.forEach(([fromName, toName]) => {
        keyValues[toName] = propertyValue(source, row, fromName);
      });
      const found = table.get(canonicalKey(target, keyValues));
      if (found) groups.set(joinKey(source, row, from), [found]);
    }
    return groups;
  }
  const needed = new Set(sources.map((row) => joinKey(source, row, from)));
  if (needed.size === 0) return groups;
  for (const row of table.rows()) {
    const key = joinKey(target, row, to);
    if (!needed.has(key)) continue;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

function propertyValue(def: EntityDef, row: Row, name: string): Value {
  return row.values[name] ?? def.property(name)?.empty ?? '';
}

function joinKey(def: EntityDef, row: Row, names: readonly string[]): string {
  return names.map((name) => String(propertyValue(def, row, name)).toLowerCase()).join('\u0001');
}

/**
 * `@odata.context`: `{origin}/data/$metadata#Set`, with the selection in parentheses
 * (`#SalesOrderHeadersV2(SalesOrderNumber,SalesOrderLines,SalesOrderLines(InventoryLotId,ItemNumber))`)
 * and `/$entity` for a single entity. An expansion without `$select` is written `Nav()` (UNCONFIRMED).
 */
export function contextUrl(
  origin: string,
  path: string,
  options: { select?: readonly string[] | undefined; expand?: readonly ExpandOption[] },
  single: boolean,
): string {
  const parts: string[] = [...(options.select ?? [])];
  for (const item of options.expand ?? []) {
    if (options.select && !parts.includes(item.navigation)) parts.push(item.navigation);
    parts.push(`${item.navigation}(${(item.select ?? []).join(',')})`);
  }
  const selection = parts.length > 0 ? `(${parts.join(',')})` : '';
  return `${origin}/data/$metadata#${path}${selection}${single ? '/$entity' : ''}`;
}
