import { type InfologEntry, WriteFailedError, type WriteOperation } from '../errors';
import type { EntityDef, Value } from '../metadata/types';
import type { FnoStore, Transaction } from '../store/store';
import type { Row } from '../store/table';

export type Values = Record<string, Value>;

/** What a write rule sees: the transaction, the entity, the company, and how to fail. */
export interface WriteContext {
  tx: Transaction;
  store: FnoStore;
  def: EntityDef;
  operation: WriteOperation;
  /** Company of the row being written (lower case); '' for shared entities. */
  legalEntity: string;
  now: Date;
  /** HTTP status of write failures (fno.md §5: 500 in the real capture; configurable). */
  failureStatus: number;
}

export function fail(ctx: WriteContext, entries: readonly InfologEntry[]): never {
  throw new WriteFailedError(ctx.def.aotName, entries, ctx.operation, ctx.failureStatus);
}

/** Collects Infolog entries across several checks, then fails once with all of them. */
export class Infolog {
  readonly entries: InfologEntry[] = [];

  warning(text: string): this {
    this.entries.push({ level: 'Warning', text });
    return this;
  }

  error(text: string): this {
    this.entries.push({ level: 'Error', text });
    return this;
  }

  info(text: string): this {
    this.entries.push({ level: 'Info', text });
    return this;
  }

  /** A foreign key miss, as validateField reports it (fno.md §5, real customer-group sample). */
  notInRelatedTable(
    ctx: WriteContext,
    field: string,
    label: string,
    value: Value,
    relatedTable: string,
  ): this {
    this.warning(
      `The value '${value}' in field '${label}' is not found in the related table '${relatedTable}'.`,
    );
    return this.warning(`validateField failed on field '${ctx.def.aotName}.${field}'`);
  }

  /** A mandatory field left empty (validateWrite). */
  mustBeFilled(label: string): this {
    return this.warning(`Field '${label}' must be filled in.`);
  }

  get failed(): boolean {
    return this.entries.length > 0;
  }

  /** Throws the collected entries, closing with `validateWrite failed on data source …` when given. */
  throwIfFailed(ctx: WriteContext, dataSource?: string): void {
    if (!this.failed) return;
    if (dataSource && !this.entries.some((entry) => entry.text.startsWith('validateField failed'))) {
      this.warning(`validateWrite failed on data source '${dataSource} (${dataSource})'`);
    }
    fail(ctx, this.entries);
  }
}

/** Lookup of a row by key values in the store (case-insensitive). */
export function findRow(store: FnoStore, entitySet: string, keys: Values): Row | undefined {
  return store.table(entitySet).find(keys);
}

export function str(values: Values, name: string): string {
  const value = values[name];
  return value === undefined ? '' : String(value);
}

export function num(values: Values, name: string, fallback = 0): number {
  const value = values[name];
  return typeof value === 'number' ? value : fallback;
}
