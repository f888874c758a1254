import { entitySetNotFound, noRoute } from '../errors';
import { entityBySet } from '../metadata/entities';
import type { EntityDef, NavigationDef, PropertyDef, Value } from '../metadata/types';

/** What a `/data/…` path addresses. */
export type Target =
  | { kind: 'service-document' }
  | { kind: 'metadata' }
  | { kind: 'batch' }
  | { kind: 'collection'; def: EntityDef }
  | { kind: 'count'; def: EntityDef }
  | { kind: 'entity'; def: EntityDef; keys: Record<string, Value> }
  | { kind: 'navigation'; def: EntityDef; keys: Record<string, Value>; nav: NavigationDef }
  | { kind: 'property'; def: EntityDef; keys: Record<string, Value>; property: PropertyDef };

/**
 * Resolves the part of the path after `/data/`. Entity set names are case-sensitive. A
 * single-entity URL must name every key field (`dataAreaId` included), in any order, or it does
 * not route (fno.md §2); a single-key entity also accepts the bare value (`LegalEntities('usmf')`).
 */
export function resolvePath(rawPath: string, fullUrl: string): Target {
  const path = rawPath.replace(/^\/+/, '').replace(/\/+$/, '');
  if (path === '') return { kind: 'service-document' };
  if (path === '$metadata') return { kind: 'metadata' };
  if (path === '$batch') return { kind: 'batch' };

  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?(?:\/(.+))?$/s.exec(path);
  if (!match?.[1]) throw noRoute(fullUrl);
  const def = entityBySet(match[1]);
  if (!def) throw entitySetNotFound(match[1]);
  const keyText = match[2];
  const rest = match[3];

  if (keyText === undefined) {
    if (rest === undefined) return { kind: 'collection', def };
    if (rest === '$count') return { kind: 'count', def };
    throw noRoute(fullUrl);
  }
  const keys = parseKeys(def, keyText, fullUrl);
  if (rest === undefined) return { kind: 'entity', def, keys };
  const nav = def.navigation(rest);
  if (nav) return { kind: 'navigation', def, keys, nav };
  const property = def.property(rest);
  if (property) return { kind: 'property', def, keys, property };
  throw noRoute(fullUrl);
}

/** `dataAreaId='usmf',CustomerAccount='US-001'` → key values; anything incomplete does not route. */
export function parseKeys(def: EntityDef, text: string, fullUrl: string): Record<string, Value> {
  const parts = splitKeyParts(text);
  if (!parts) throw noRoute(fullUrl);
  const keys: Record<string, Value> = {};
  if (
    parts.length === 1 &&
    def.keys.length === 1 &&
    !/^\s*[A-Za-z_][A-Za-z0-9_]*\s*=/.test(parts[0] as string)
  ) {
    const value = parseKeyValue(def.property(def.keys[0] as string) as PropertyDef, parts[0] as string);
    if (value === undefined) throw noRoute(fullUrl);
    keys[def.keys[0] as string] = value;
    return keys;
  }
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) throw noRoute(fullUrl);
    const name = part.slice(0, eq).trim();
    const property = def.keys.includes(name) ? def.property(name) : undefined;
    if (!property || name in keys) throw noRoute(fullUrl);
    const value = parseKeyValue(property, part.slice(eq + 1));
    if (value === undefined) throw noRoute(fullUrl);
    keys[name] = value;
  }
  if (def.keys.some((key) => !(key in keys))) throw noRoute(fullUrl);
  return keys;
}

function parseKeyValue(property: PropertyDef, raw: string): Value | undefined {
  const text = raw.trim();
  if (property.kind === 'decimal' || property.kind === 'int32' || property.kind === 'int64') {
    return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  }
  const quoted = /^(?:[A-Za-z_][A-Za-z0-9_.]*)?'((?:[^']|'')*)'$/.exec(text);
  return quoted ? (quoted[1] as string).replace(/''/g, "'") : undefined;
}

/** Splits on commas outside quotes; undefined when a quote is unbalanced. */
function splitKeyParts(text: string): string[] | undefined {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "'") quoted = !quoted;
    else if (char === ',' && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) return undefined;
  parts.push(text.slice(start));
  return parts;
}

/** The canonical key predicate of a row, for `Location` and context URLs. */
export function keyPredicate(def: EntityDef, values: Readonly<Record<string, Value | undefined>>): string {
  return def.keys
    .map((key) => {
      const value = values[key] ?? '';
      return `${key}=${typeof value === 'number' ? value : `'${String(value).replace(/'/g, "''")}'`}`;
    })
    .join(',');
}
