import type { EntityModel } from '../metadata/registry';
import { type AttributeDef, isLookup } from '../metadata/types';
import type { Store } from '../store/store';
import type { StoredRow } from '../store/types';
import type { FilterExpr } from './filter/ast';
import { queryFunctionAttribute } from './filter/compile';

/**
 * An index seek: the rows a `$filter` can match all hold one of `values` in `attribute`. The
 * platform answers such queries from SQL indexes (primary key, lookup columns, alternate keys);
 * the simulator does the same with the store's key indexes instead of scanning the table. The
 * compiled filter still runs on every row the seek returns, so a seek only narrows the rows
 * looked at and never changes what a query answers.
 */
export interface IndexSeek {
  attribute: AttributeDef;
  values: string[];
}

/** Column kinds a seek can use: compared case-insensitively as text, as the key index keeps them. */
function seekable(attribute: AttributeDef): boolean {
  return attribute.type === 'String' || attribute.type === 'Uniqueidentifier' || isLookup(attribute);
}

/**
 * The seek a filter allows, if any: `col eq 'v'`, `Microsoft.Dynamics.CRM.In(PropertyName='col',
 * PropertyValues=[…])`, an `or` of those on one column, or an `and` with one of them on either side
 * (the side with fewer values is used).
 */
export function indexSeekOf(expr: FilterExpr, model: EntityModel): IndexSeek | undefined {
  switch (expr.kind) {
    case 'compare': {
      if (expr.operator !== 'eq') return undefined;
      const [property, literal] =
        expr.left.kind === 'property' ? [expr.left, expr.right] : [expr.right, expr.left];
      if (property.kind !== 'property' || property.path.length !== 1) return undefined;
      if (literal.kind !== 'literal' || typeof literal.value !== 'string') return undefined;
      if (literal.type !== 'Edm.String' && literal.type !== 'Edm.Guid') return undefined;
      const attribute = model.properties.get(property.path[0] ?? '');
      return attribute && seekable(attribute) ? { attribute, values: [literal.value] } : undefined;
    }
    case 'call': {
      if (expr.name !== 'Microsoft.Dynamics.CRM.In') return undefined;
      const name = expr.named.get('PropertyName');
      const list = expr.named.get('PropertyValues');
      if (name?.kind !== 'literal' || typeof name.value !== 'string') return undefined;
      const attribute = queryFunctionAttribute(model, name.value);
      if (!attribute || !seekable(attribute)) return undefined;
      const items = list?.kind === 'array' ? list.items : list ? [list] : [];
      const values: string[] = [];
      for (const item of items) {
        if (item.kind !== 'literal') return undefined;
        if (item.value !== null) values.push(String(item.value));
      }
      return { attribute, values };
    }
    case 'logical': {
      const left = indexSeekOf(expr.left, model);
      const right = indexSeekOf(expr.right, model);
      if (expr.operator === 'and') {
        if (!left || !right) return left ?? right;
        return left.values.length <= right.values.length ? left : right;
      }
      if (!left || !right || left.attribute !== right.attribute) return undefined;
      return { attribute: left.attribute, values: [...left.values, ...right.values] };
    }
    default:
      return undefined;
  }
}

/** The rows of a table a seek finds (each once), from the primary key or a key index of the column. */
export function seekRows(store: Store, model: EntityModel, seek: IndexSeek): StoredRow[] {
  const table = model.def.logicalName;
  const column = seek.attribute.logicalName;
  const ids = new Set<string>();
  if (column === model.def.primaryIdAttribute) {
    for (const value of seek.values) ids.add(value.toLowerCase());
  } else {
    const index = store.keyIndex(table, [column]);
    for (const value of seek.values) for (const id of index.ids(new Map([[column, value]]))) ids.add(id);
  }
  const rows: StoredRow[] = [];
  for (const id of ids) {
    const row = store.get(table, id);
    if (row) rows.push(row);
  }
  return rows;
}
