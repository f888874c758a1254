import { errors } from '../errors';
import type { EntityModel, Navigation } from '../metadata/registry';
import type { AttributeDef } from '../metadata/types';
import { compileFilter, type FilterContext, type RowPredicate } from './filter/compile';
import { parseFilter } from './filter/parser';
import { type IndexSeek, indexSeekOf } from './index-seek';

/** One `$orderby` key. */
export interface OrderKey {
  property: string;
  attribute: AttributeDef;
  descending: boolean;
}

/** One `$expand` item with its inner options. */
export interface ExpandItem {
  navigation: Navigation;
  select: string[] | undefined;
  filter: RowPredicate | undefined;
  /** The inner options as text, for the `<nav>@odata.nextLink` of a collection. */
  rawOptions: Map<string, string>;
  orderby: OrderKey[];
  top: number | undefined;
  expand: ExpandItem[];
}

/** The system query options of a request, checked against the table. */
export interface QueryOptions {
  select: string[] | undefined;
  filter: RowPredicate | undefined;
  /** Rows the filter can match, found through an index instead of a scan (`index-seek.ts`). */
  seek: IndexSeek | undefined;
  hasFilter: boolean;
  orderby: OrderKey[];
  top: number | undefined;
  count: boolean;
  expand: ExpandItem[];
  skiptoken: string | undefined;
  deltatoken: string | undefined;
}

/** The platform's limit on expanded navigations per query (link-entities). */
export const MAX_EXPANDS = 15;

const SUPPORTED = new Set([
  '$select',
  '$filter',
  '$orderby',
  '$top',
  '$count',
  '$expand',
  '$skiptoken',
  '$deltatoken',
  '$format',
]);
const EXPAND_OPTIONS = new Set(['$select', '$filter', '$orderby', '$top', '$expand']);

export function parseQueryOptions(
  params: URLSearchParams,
  model: EntityModel,
  context: FilterContext,
): QueryOptions {
  const aliases = new Map<string, string>();
  for (const [name, value] of params) {
    if (name.startsWith('@')) aliases.set(name, value);
    else if (name.startsWith('$') && !SUPPORTED.has(name)) {
      if (name === '$apply') throw errors.notImplemented('The $apply (aggregation) query option');
      throw errors.queryOptionNotSupported(name);
    }
  }
  const filterText = params.get('$filter');
  const expandText = params.get('$expand');
  const expand = expandText ? parseExpand(expandText, model, context, aliases) : [];
  const total = countExpands(expand);
  if (total > MAX_EXPANDS)
    throw errors.badRequest('Number of link entities in query exceeded maximum limit.');
  if (hasNestedExpand(expand)) assertNoTopOrOrderInNested(expand);
  const count = params.get('$count');
  if (count !== null && count !== 'true' && count !== 'false') {
    throw errors.badRequest(`'${count}' is not a valid count option.`);
  }
  const filterExpr = filterText ? parseFilter(filterText, aliases) : undefined;
  return {
    select: parseSelect(params.get('$select'), model),
    filter: filterExpr ? compileFilter(filterExpr, model, context) : undefined,
    seek: filterExpr ? indexSeekOf(filterExpr, model) : undefined,
    hasFilter: filterText !== null,
    orderby: parseOrderBy(params.get('$orderby'), model),
    top: parseTop(params.get('$top')),
    count: count === 'true',
    expand,
    skiptoken: params.get('$skiptoken') ?? undefined,
    deltatoken: params.get('$deltatoken') ?? undefined,
  };
}

export function parseSelect(text: string | null, model: EntityModel): string[] | undefined {
  if (text === null || text.trim() === '' || text.trim() === '*') return undefined;
  const names = text.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!model.properties.has(name)) throw errors.propertyNotFound(model.typeName, name);
  }
  return [...new Set(names)];
}

export function parseOrderBy(text: string | null, model: EntityModel): OrderKey[] {
  if (text === null || text.trim() === '') return [];
  return text.split(',').map((item) => {
    const parts = item.trim().split(/\s+/);
    const [property, direction, extra] = parts;
    if (
      !property ||
      extra !== undefined ||
      (direction !== undefined && direction !== 'asc' && direction !== 'desc')
    ) {
      throw errors.badRequest(`Syntax error at position ${text.indexOf(item) + item.length} in '${text}'.`);
    }
    if (property.includes('/')) {
      throw errors.badRequest(`The $orderby on a related table's column ('${property}') is not supported.`);
    }
    const attribute = model.properties.get(property);
    if (!attribute) throw errors.propertyNotFound(model.typeName, property);
    return { property, attribute, descending: direction === 'desc' };
  });
}

export function parseTop(text: string | null): number | undefined {
  if (text === null) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw errors.badRequest(
      `Invalid value '${text}' for $top query option found. The $top query option requires a non-negative integer value.`,
    );
  }
  return value;
}

/** Splits on a separator at parenthesis depth 0, outside quoted literals. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of text) {
    if (char === "'") quoted = !quoted;
    if (!quoted) {
      if (char === '(') depth++;
      if (char === ')') depth--;
      if (char === separator && depth === 0) {
        parts.push(current);
        current = '';
        continue;
      }
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

function parseExpand(
  text: string,
  model: EntityModel,
  context: FilterContext,
  aliases: ReadonlyMap<string, string>,
): ExpandItem[] {
  return splitTopLevel(text, ',').map((raw) => {
    const item = raw.trim();
    const open = item.indexOf('(');
    const name = (open < 0 ? item : item.slice(0, open)).trim();
    if (open >= 0 && !item.endsWith(')')) {
      throw errors.badRequest(`Syntax error at position ${item.length} in '${text}'.`);
    }
    const navigation = model.navigations.get(name);
    if (!navigation) throw errors.propertyNotFound(model.typeName, name);
    const target = navigation.kind === 'single' ? navigation.target : navigation.child;
    const rawOptions = new Map<string, string>();
    if (open >= 0) {
      for (const option of splitTopLevel(item.slice(open + 1, -1), ';')) {
        const eq = option.indexOf('=');
        const key = (eq < 0 ? option : option.slice(0, eq)).trim();
        if (key === '') continue;
        if (!EXPAND_OPTIONS.has(key)) throw errors.queryOptionNotSupported(key);
        rawOptions.set(key, eq < 0 ? '' : option.slice(eq + 1).trim());
      }
    }
    const filterText = rawOptions.get('$filter');
    const expandText = rawOptions.get('$expand');
    const orderby = parseOrderBy(rawOptions.get('$orderby') ?? null, target);
    const top = parseTop(rawOptions.get('$top') ?? null);
    if (navigation.kind === 'single' && (orderby.length > 0 || top !== undefined))
      throw onlySelectAndFilter();
    return {
      navigation,
      select: parseSelect(rawOptions.get('$select') ?? null, target),
      filter: filterText ? compileFilter(parseFilter(filterText, aliases), target, context) : undefined,
      rawOptions,
      orderby,
      top,
      expand: expandText ? parseExpand(expandText, target, context, aliases) : [],
    };
  });
}

function onlySelectAndFilter() {
  return errors.badRequest(
    'Only $select and $filter clause can be provided while doing $expand on many-to-one relationship or nested one-to-many relationship.',
  );
}

function countExpands(items: readonly ExpandItem[]): number {
  return items.reduce((sum, item) => sum + 1 + countExpands(item.expand), 0);
}

function hasNestedExpand(items: readonly ExpandItem[]): boolean {
  return items.some((item) => item.expand.length > 0);
}

/** With a nested expand anywhere, `$top`/`$orderby` are refused inside every expand. */
function assertNoTopOrOrderInNested(items: readonly ExpandItem[]): void {
  for (const item of items) {
    if (item.orderby.length > 0 || item.top !== undefined) throw onlySelectAndFilter();
    assertNoTopOrOrderInNested(item.expand);
  }
}
