import { queryNotValid } from '../errors';
import type { EntityDef } from '../metadata/types';
import { NAMESPACE } from '../metadata/types';

export interface OrderBy {
  property: string;
  descending: boolean;
}

/** Options that apply to one entity set (the top level or one expanded navigation). */
export interface SetOptions {
  filter?: string;
  /** Selected properties; undefined = all. */
  select?: readonly string[];
  orderby: readonly OrderBy[];
  top?: number;
  skip?: number;
}

export interface ExpandOption extends SetOptions {
  navigation: string;
}

export interface QueryOptions extends SetOptions {
  count: boolean;
  expand: readonly ExpandOption[];
  /** `cross-company=true`: every company the user can access instead of the default company. */
  crossCompany: boolean;
}

const SYSTEM_OPTIONS = new Set([
  '$filter',
  '$select',
  '$orderby',
  '$top',
  '$skip',
  '$count',
  '$expand',
  '$format',
]);

/**
 * Reads the query options F&O supports (fno.md §4). Names are case-sensitive as in Web API OData;
 * custom options other than `cross-company` are ignored.
 */
export function parseQueryOptions(
  def: EntityDef,
  params: URLSearchParams,
  navTarget: (name: string) => EntityDef,
): QueryOptions {
  for (const name of params.keys()) {
    if (name.startsWith('$') && !SYSTEM_OPTIONS.has(name)) {
      throw queryNotValid(`The query parameter '${name}' is not supported.`);
    }
  }
  const format = params.get('$format');
  if (format !== null && !/^(json|application\/json)/i.test(format)) {
    throw queryNotValid(`The requested format '${format}' is not supported.`);
  }
  const base = parseSetOptions(def, {
    filter: params.get('$filter'),
    select: params.get('$select'),
    orderby: params.get('$orderby'),
    top: params.get('$top'),
    skip: params.get('$skip'),
  });
  const count = params.get('$count');
  if (count !== null && count !== 'true' && count !== 'false') {
    throw queryNotValid(`'${count}' is not a valid count option.`);
  }
  const expand = params.get('$expand');
  const options: QueryOptions = {
    ...base,
    count: count === 'true',
    expand: expand === null ? [] : parseExpand(def, expand, navTarget),
    crossCompany: (params.get('cross-company') ?? '').toLowerCase() === 'true',
  };
  return options;
}

interface RawSetOptions {
  filter: string | null;
  select: string | null;
  orderby: string | null;
  top: string | null;
  skip: string | null;
}

function parseSetOptions(def: EntityDef, raw: RawSetOptions): SetOptions {
  const options: SetOptions = { orderby: raw.orderby === null ? [] : parseOrderBy(def, raw.orderby) };
  if (raw.filter !== null) options.filter = raw.filter;
  if (raw.select !== null) {
    const select = parseSelect(def, raw.select);
    if (select) options.select = select;
  }
  if (raw.top !== null) options.top = nonNegative('$top', raw.top);
  if (raw.skip !== null) options.skip = nonNegative('$skip', raw.skip);
  return options;
}

function nonNegative(option: '$top' | '$skip', text: string): number {
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw queryNotValid(
      `Invalid value '${text}' for ${option} query option found. The ${option} query option requires a non-negative integer value.`,
    );
  }
  return Number(text);
}

function unknownProperty(def: EntityDef, name: string): never {
  throw queryNotValid(`Could not find a property named '${name}' on type '${NAMESPACE}.${def.typeName}'.`);
}

/** `$select`: property (or expanded navigation) names; `*` selects everything. */
function parseSelect(def: EntityDef, text: string): string[] | undefined {
  const names = text.split(',').map((name) => name.trim());
  if (names.includes('*')) return undefined;
  for (const name of names) {
    if (name === '') throw queryNotValid(`Syntax error at position ${text.length} in '${text}'.`);
    if (!def.property(name) && !def.navigation(name)) unknownProperty(def, name);
  }
  return [...new Set(names)];
}

function parseOrderBy(def: EntityDef, text: string): OrderBy[] {
  return text.split(',').map((item) => {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/.exec(item);
    if (!match?.[1])
      throw queryNotValid(`Syntax error at position ${text.indexOf(item) + item.length} in '${text}'.`);
    if (!def.property(match[1])) unknownProperty(def, match[1]);
    return { property: match[1], descending: match[2] === 'desc' };
  });
}

/** `$expand=Nav` or `Nav($select=…;$filter=…;$orderby=…;$top=…;$skip=…)`, one level only. */
function parseExpand(def: EntityDef, text: string, navTarget: (name: string) => EntityDef): ExpandOption[] {
  return splitTopLevel(text, ',').map((item) => {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$/s.exec(item);
    if (!match?.[1]) throw queryNotValid(`Syntax error at position ${text.length} in '${text}'.`);
    const navigation = match[1];
    if (!def.navigation(navigation)) unknownProperty(def, navigation);
    const target = navTarget(navigation);
    const raw: RawSetOptions = { filter: null, select: null, orderby: null, top: null, skip: null };
    for (const part of match[2] === undefined ? [] : splitTopLevel(match[2], ';')) {
      const eq = part.indexOf('=');
      const name = part.slice(0, eq).trim();
      const value = part.slice(eq + 1);
      if (name === '$expand') {
        throw queryNotValid(
          "The request includes a $expand path which is too deep. The maximum depth allowed is 1. To increase the limit, set the 'MaxExpansionDepth' property on EnableQueryAttribute or ODataValidationSettings.",
        );
      }
      const key = name.slice(1) as keyof RawSetOptions;
      if (eq < 0 || !name.startsWith('$') || !(key in raw)) {
        throw queryNotValid(`Syntax error at position ${text.length} in '${text}'.`);
      }
      raw[key] = value;
    }
    return { navigation, ...parseSetOptions(target, raw) };
  });
}

/** Splits on `separator` outside parentheses and quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "'") quoted = !quoted;
    else if (!quoted && char === '(') depth += 1;
    else if (!quoted && char === ')') depth -= 1;
    else if (!quoted && depth === 0 && char === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((part) => part.trim().length > 0);
}
