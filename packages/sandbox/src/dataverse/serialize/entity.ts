import type { CollectionNavigation, EntityModel } from '../metadata/registry';
import { isLookup, lookupPropertyName } from '../metadata/types';
import { sortRows } from '../query/execute';
import type { ExpandItem } from '../query/options';
import type { Store } from '../store/store';
import { isEntityRef, type StoredRow } from '../store/types';
import { Annotation, type AnnotationFilter } from './annotations';
import { formatValue } from './format';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface SerializeContext {
  store: Store;
  annotations: AnnotationFilter;
  /** `https://host:port/api/data/v9.2/` — links echo the origin of the request. */
  serviceRoot: string;
  /** Maximum rows of an expanded collection (5000, or maxpagesize with nested expands). */
  expandLimit: number;
}

export function etagOf(row: StoredRow): string {
  return `W/"${row.version}"`;
}

/**
 * Turns stored rows into Web API JSON: `@odata.etag` first, then the columns (lookups as
 * `_x_value` with their annotations before them), the primary key always, then expansions.
 * One instance serves one request.
 */
export class EntitySerializer {
  private readonly currencySymbols = new Map<string, string>();

  constructor(private readonly context: SerializeContext) {}

  entity(
    model: EntityModel,
    row: StoredRow,
    select: readonly string[] | undefined,
    expand: readonly ExpandItem[],
  ): JsonObject {
    const out: JsonObject = { '@odata.etag': etagOf(row) };
    for (const property of this.propertiesOf(model, select)) this.writeProperty(out, model, row, property);
    for (const item of expand) this.writeExpansion(out, model, row, item);
    return out;
  }

  /** The properties a row is written with, in order. */
  propertiesOf(model: EntityModel, select: readonly string[] | undefined): string[] {
    if (!select) return [...model.properties.keys()];
    const properties = [...select];
    const pk = model.def.primaryIdAttribute;
    if (!properties.includes(pk)) properties.push(pk);
    const currency = lookupPropertyName('transactioncurrencyid');
    const hasMoney = select.some((p) => model.properties.get(p)?.type === 'Money');
    if (hasMoney && model.properties.has(currency) && !properties.includes(currency))
      properties.push(currency);
    return properties;
  }

  private writeProperty(out: JsonObject, model: EntityModel, row: StoredRow, property: string): void {
    const attribute = model.properties.get(property);
    if (!attribute) return;
    const value = row.values[attribute.logicalName];
    const annotations = this.context.annotations;
    if (isLookup(attribute)) {
      if (isEntityRef(value)) {
        if (annotations.includes(Annotation.formattedValue)) {
          const name = this.primaryName(value.logicalName, value.id);
          if (name !== undefined) out[`${property}@${Annotation.formattedValue}`] = name;
        }
        if (annotations.includes(Annotation.associatedNavigationProperty)) {
          const target = attribute.targets.find((t) => t.entity === value.logicalName);
          out[`${property}@${Annotation.associatedNavigationProperty}`] =
            target?.navigation ?? attribute.logicalName;
        }
        if (annotations.includes(Annotation.lookupLogicalName)) {
          out[`${property}@${Annotation.lookupLogicalName}`] = value.logicalName;
        }
        out[property] = value.id;
      } else {
        out[property] = null;
      }
      return;
    }
    if (value === undefined || isEntityRef(value)) {
      out[property] = null;
      return;
    }
    if (annotations.includes(Annotation.formattedValue)) {
      const formatted = formatValue(attribute, value, this.currencySymbol(row));
      if (formatted !== undefined) out[`${property}@${Annotation.formattedValue}`] = formatted;
    }
    out[property] = value;
  }

  private writeExpansion(out: JsonObject, model: EntityModel, row: StoredRow, item: ExpandItem): void {
    const navigation = item.navigation;
    if (navigation.kind === 'single') {
      const ref = row.values[navigation.attribute.logicalName];
      const target = navigation.target;
      const related =
        isEntityRef(ref) && ref.logicalName === target.def.logicalName
          ? this.context.store.get(target.def.logicalName, ref.id)
          : undefined;
      out[navigation.name] =
        related && (!item.filter || item.filter(related))
          ? this.entity(target, related, item.select, item.expand)
          : null;
      return;
    }
    let children = this.children(navigation, row.id).filter((child) => !item.filter || item.filter(child));
    children = sortRows(navigation.child, children, item.orderby);
    const limit = Math.min(item.top ?? this.context.expandLimit, this.context.expandLimit);
    out[navigation.name] = children
      .slice(0, limit)
      .map((child) => this.entity(navigation.child, child, item.select, item.expand));
    out[`${navigation.name}@odata.nextLink`] =
      `${this.context.serviceRoot}${model.def.entitySetName}(${row.id})/${navigation.name}${optionsQuery(item.rawOptions)}`;
  }

  /**
   * The child rows whose lookup points to `parentId` through this relationship, from the store's
   * index of the lookup column (as the platform reads them through the column's SQL index), not
   * from a scan of the child table per parent.
   */
  private children(navigation: CollectionNavigation, parentId: string): StoredRow[] {
    const table = navigation.child.def.logicalName;
    const column = navigation.childAttribute.logicalName;
    const parentTable = navigation.childAttribute.targets.find(
      (t) => t.relationship === navigation.relationship,
    )?.entity;
    const out: StoredRow[] = [];
    for (const id of this.context.store.keyIndex(table, [column]).ids(new Map([[column, parentId]]))) {
      const child = this.context.store.get(table, id);
      const ref = child?.values[column];
      if (child && isEntityRef(ref) && ref.logicalName === parentTable) out.push(child);
    }
    return out;
  }

  private primaryName(logicalName: string, id: string): string | undefined {
    const row = this.context.store.get(logicalName, id);
    if (!row) return undefined;
    const model = this.context.store.metadata.findEntity(logicalName);
    const value = model ? row.values[model.def.primaryNameAttribute] : undefined;
    return typeof value === 'string' ? value : undefined;
  }

  private currencySymbol(row: StoredRow): string {
    const currency = row.values['transactioncurrencyid'];
    if (!isEntityRef(currency)) return '$';
    let symbol = this.currencySymbols.get(currency.id);
    if (symbol === undefined) {
      const value = this.context.store.get('transactioncurrency', currency.id)?.values['currencysymbol'];
      symbol = typeof value === 'string' ? value : '$';
      this.currencySymbols.set(currency.id, symbol);
    }
    return symbol;
  }
}

/** `?$select=a,b&$filter=…` with only the characters that must be escaped escaped. */
export function optionsQuery(options: ReadonlyMap<string, string>): string {
  const parts = [...options]
    .filter(([key]) => key !== '$expand' && key !== '$top' && key !== '$orderby')
    .map(([key, value]) => `${key}=${encodeQueryValue(value)}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%(24|2C|28|29|27|2F|3A|40)/g, (match) =>
    decodeURIComponent(match),
  );
}

/** `$metadata#accounts(name,primarycontactid(fullname))`, the select part of a context URL. */
export function contextSelection(
  select: readonly string[] | undefined,
  expand: readonly ExpandItem[],
): string {
  const parts = [...(select ?? [])];
  for (const item of expand) {
    parts.push(
      `${item.navigation.name}(${contextSelection(item.select, item.expand).replace(/^\(|\)$/g, '')})`,
    );
  }
  return parts.length > 0 ? `(${parts.join(',')})` : '';
}
