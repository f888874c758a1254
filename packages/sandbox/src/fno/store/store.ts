import { ENTITIES } from '../metadata/entities';
import type { EntityDef, Value } from '../metadata/types';
import { ChangeFeed, type EntityChange } from './changes';
import { NumberSequences, type SequencesState } from './numbering';
import { canonicalKey, type Row, Table } from './table';

/** What the seed was built from; kept with the state so a reload knows what `reset()` rebuilds. */
export interface SeedInfo {
  seed: number;
  /** Released products per legal entity. */
  products: number;
}

/** The first RecId handed out, shaped like the real ones (5637144576 = 0x150000000). */
export const FIRST_REC_ID = 5_637_144_576;

/**
 * Drops values equal to the property's empty value (keys always stay). The result is spread into a
 * fresh literal: V8 turns objects that grew by many computed-key stores into hash-table
 * ("dictionary") mode, which costs 3-4 times the memory of 100,000 products.
 */
export function compactValues(
  def: EntityDef,
  values: Readonly<Record<string, Value>>,
): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [name, value] of Object.entries(values)) {
    const property = def.property(name);
    if (!property) continue;
    if (value === property.empty && !def.keys.includes(name)) continue;
    out[name] = value;
  }
  return { ...out };
}

/**
 * The simulated F&O database: one table per entity set, the number sequences and the RecId
 * counter. All writes go through `transact`, which undoes everything when the callback throws
 * (a `$batch` changeset is one transaction) and publishes the committed changes afterwards.
 */
export class FnoStore {
  readonly changes = new ChangeFeed();
  private readonly tables = new Map<string, Table>();
  private active: Transaction | undefined;

  constructor(
    readonly seedInfo: SeedInfo,
    readonly sequences: NumberSequences,
    private recIdCounter: number,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {
    for (const def of ENTITIES) this.tables.set(def.entitySet, new Table(def));
  }

  static empty(seedInfo: SeedInfo, sequences: SequencesState = {}): FnoStore {
    return new FnoStore(seedInfo, new NumberSequences(sequences), FIRST_REC_ID);
  }

  get nextRecId(): number {
    return this.recIdCounter;
  }

  table(entitySet: string): Table {
    const table = this.tables.get(entitySet);
    if (!table) throw new Error(`no table ${entitySet}`);
    return table;
  }

  allTables(): readonly Table[] {
    return [...this.tables.values()];
  }

  takeRecId(): number {
    const recId = this.recIdCounter;
    this.recIdCounter += 1;
    return recId;
  }

  /** Legal entity ids (lower case), from the LegalEntities table. */
  legalEntities(): string[] {
    return this.table('LegalEntities')
      .rows()
      .map((row) => String(row.values['LegalEntityId'] ?? '').toLowerCase());
  }

  isLegalEntity(id: string): boolean {
    return this.table('LegalEntities').find({ LegalEntityId: id }) !== undefined;
  }

  /** Runs `work` as one transaction; nested calls join the outer one. */
  transact<T>(now: Date, work: (tx: Transaction) => T): T {
    if (this.active) return work(this.active);
    const tx = new Transaction(this, now);
    this.active = tx;
    let result: T;
    try {
      result = work(tx);
    } catch (error) {
      tx.rollback();
      throw error;
    } finally {
      this.active = undefined;
    }
    this.changes.publish(tx.committed(), this.onListenerError);
    return result;
  }
}

type Undo = () => void;

/** The write side of one transaction: inserts, updates and deletes with an undo log. */
export class Transaction {
  private readonly undo: Undo[] = [];
  private readonly changeLog: EntityChange[] = [];

  constructor(
    readonly store: FnoStore,
    readonly now: Date,
  ) {}

  /** Inserts a row; `recId` when the caller already took one (entities that expose their RecId). */
  insert(entitySet: string, values: Readonly<Record<string, Value>>, recId?: number): Row {
    const table = this.store.table(entitySet);
    const compact = compactValues(table.def, values);
    const row: Row = {
      key: canonicalKey(table.def, compact),
      values: compact,
      recId: recId ?? this.store.takeRecId(),
      version: 1,
    };
    table.insert(row);
    this.undo.push(() => table.remove(row));
    this.log(table, 'create', row.values, []);
    return row;
  }

  /** Replaces a row's values (keys must not change); bumps its version. */
  update(entitySet: string, row: Row, values: Readonly<Record<string, Value>>): Row {
    const table = this.store.table(entitySet);
    const before = row.values;
    const beforeVersion = row.version;
    const after = compactValues(table.def, values);
    const changed = changedProperties(before, after);
    if (changed.length === 0) return row;
    row.values = after;
    row.version += 1;
    table.touched();
    this.undo.push(() => {
      row.values = before;
      row.version = beforeVersion;
      table.touched();
    });
    this.log(table, 'update', after, changed);
    return row;
  }

  remove(entitySet: string, row: Row): void {
    const table = this.store.table(entitySet);
    table.remove(row);
    this.undo.push(() => table.insert(row));
    this.log(table, 'delete', row.values, []);
  }

  rollback(): void {
    for (const step of this.undo.reverse()) step();
    this.undo.length = 0;
    this.changeLog.length = 0;
  }

  committed(): readonly EntityChange[] {
    return this.changeLog;
  }

  private log(
    table: Table,
    operation: EntityChange['operation'],
    values: Readonly<Record<string, Value>>,
    changed: readonly string[],
  ): void {
    const keys: Record<string, Value> = {};
    for (const key of table.def.keys) keys[key] = values[key] ?? '';
    const legalEntity = table.def.companySpecific ? String(values['dataAreaId'] ?? '') : undefined;
    this.changeLog.push({
      entitySet: table.def.entitySet,
      operation,
      keys,
      legalEntity,
      values,
      changed,
      at: this.now,
    });
  }
}

function changedProperties(
  before: Readonly<Record<string, Value>>,
  after: Readonly<Record<string, Value>>,
): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]);
}
