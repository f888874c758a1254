import { isEntityRef, type StoredRow, type Value } from './types';

/**
 * An index of one table's rows by the values of some of its columns (an alternate key's), kept
 * by the store on every write, rollback and load, so that finding a row by its key, or checking
 * that a write would not duplicate one, costs a map look-up instead of a scan of the table.
 *
 * Values compare as the platform compares key values (`sameKeyValue` in alternate-keys.ts):
 * strings case-insensitively, a lookup by its id (a lookup also matches a GUID given as text),
 * other values exactly; an absent column matches only an absent (null) value.
 */
export class KeyIndex {
  readonly #rows = new Map<string, Set<string>>();

  constructor(readonly attributes: readonly string[]) {}

  /** The signature of these values; `undefined` when every key column is empty (not indexed). */
  signature(values: (name: string) => Value | null | undefined): string | undefined {
    const parts = this.attributes.map((name) => part(values(name)));
    return parts.every((p) => p === EMPTY) ? undefined : parts.join('\u0001');
  }

  add(row: StoredRow): void {
    const signature = this.signature((name) => row.values[name]);
    if (signature === undefined) return;
    const ids = this.#rows.get(signature);
    if (ids) ids.add(row.id);
    else this.#rows.set(signature, new Set([row.id]));
  }

  remove(row: StoredRow): void {
    const signature = this.signature((name) => row.values[name]);
    if (signature === undefined) return;
    const ids = this.#rows.get(signature);
    if (!ids) return;
    ids.delete(row.id);
    if (ids.size === 0) this.#rows.delete(signature);
  }

  /** Ids of the rows holding these values (empty when none, or when every value is null). */
  ids(values: ReadonlyMap<string, Value | null>): ReadonlySet<string> {
    const signature = this.signature((name) => values.get(name) ?? null);
    return (signature === undefined ? undefined : this.#rows.get(signature)) ?? NONE;
  }
}

const EMPTY = '\u0000';
const NONE: ReadonlySet<string> = new Set();

function part(value: Value | null | undefined): string {
  if (value === undefined || value === null) return EMPTY;
  if (isEntityRef(value)) return `s:${value.id.toLowerCase()}`;
  if (typeof value === 'string') return `s:${value.toLowerCase()}`;
  return `${typeof value}:${String(value)}`;
}
