import type { EntityDef, Value } from '../metadata/types';

/**
 * One stored row. `values` is sparse: a property that is absent has its empty value (`""`, 0, the
 * first enum member, 1900-01-01). Updates replace `values` with a new object, so a transaction can
 * undo by putting the old one back.
 */
export interface Row {
  /** Canonical key (case-insensitive, as SQL Server compares F&O keys). */
  readonly key: string;
  values: Readonly<Record<string, Value>>;
  readonly recId: number;
  version: number;
}

const SEPARATOR = '\u0001';

/**
 * The canonical key of a row or key predicate: every key value, strings lower-cased, numbers
 * zero-padded, joined by a separator below every printable character. Comparing canonical keys as
 * strings therefore orders rows by their key values.
 */
export function canonicalKey(def: EntityDef, values: Readonly<Record<string, Value | undefined>>): string {
  let key = '';
  for (let i = 0; i < def.keys.length; i++) {
    const value = values[def.keys[i] as string];
    if (i > 0) key += SEPARATOR;
    key +=
      typeof value === 'number' ? String(Math.trunc(value)).padStart(20, '0') : (value ?? '').toLowerCase();
  }
  return key;
}

/**
 * An in-memory table of one entity set: rows by canonical key plus the rows in key order (the
 * order of reads without `$orderby`, so paging with `$skip` is stable). Inserts and deletes keep
 * the order with a binary search, so large tables are never re-sorted.
 */
export class Table {
  private readonly byKey = new Map<string, Row>();
  private readonly ordered: Row[] = [];
  /** Set by every change; cleared by persistence once written. */
  dirty = false;
  #generation = 0;

  constructor(readonly def: EntityDef) {}

  /** Changes with every insert, removal, value change and load: what a cached query result is of. */
  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.ordered.length;
  }

  /** Rows in key order. Do not mutate the array. */
  rows(): readonly Row[] {
    return this.ordered;
  }

  get(key: string): Row | undefined {
    return this.byKey.get(key);
  }

  find(keyValues: Readonly<Record<string, Value | undefined>>): Row | undefined {
    return this.byKey.get(canonicalKey(this.def, keyValues));
  }

  insert(row: Row): void {
    if (this.byKey.has(row.key)) throw new Error(`${this.def.entitySet}: duplicate key ${row.key}`);
    this.byKey.set(row.key, row);
    this.ordered.splice(this.position(row), 0, row);
    this.dirty = true;
    this.#generation += 1;
  }

  remove(row: Row): void {
    if (this.byKey.get(row.key) !== row) return;
    this.byKey.delete(row.key);
    const index = this.position(row);
    if (this.ordered[index] === row) this.ordered.splice(index, 1);
    else this.ordered.splice(this.ordered.indexOf(row), 1);
    this.dirty = true;
    this.#generation += 1;
  }

  /** Marks a row whose values were replaced in place. */
  touched(): void {
    this.dirty = true;
    this.#generation += 1;
  }

  /** Replaces the whole content (loading from disk or the seed): one sort instead of many inserts. */
  load(rows: readonly Row[]): void {
    this.byKey.clear();
    this.ordered.length = 0;
    for (const row of rows) {
      if (this.byKey.has(row.key)) throw new Error(`${this.def.entitySet}: duplicate key ${row.key}`);
      this.byKey.set(row.key, row);
      this.ordered.push(row);
    }
    this.ordered.sort((a, b) => this.compareKeys(a, b));
    this.#generation += 1;
  }

  private position(row: Row): number {
    let low = 0;
    let high = this.ordered.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.ordered[middle] as Row;
      if (this.compareKeys(other, row) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private compareKeys(a: Row, b: Row): number {
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  }
}
