import { randomUUID } from 'node:crypto';
import type { EntityModel, Metadata } from '../metadata/registry';
import { toDataverseDateTime } from '../time';
import { KeyIndex } from './key-index';
import { AutoNumbering, type NumberingState } from './numbering';
import type {
  Actor,
  AlternateKeyRecord,
  ChangeEntry,
  ChangeEvent,
  ChangeOperation,
  StoredRow,
  Value,
} from './types';

/** A column change: a value, or null to clear the column. */
export type Changes = Readonly<Record<string, Value | null>>;

export interface InsertOptions {
  actor: Actor;
  /** Client-chosen primary key (Dataverse accepts one on create). */
  id?: string;
}

/** One table: rows by id, the log of every change made through the API, and its key indexes. */
export class Table {
  readonly rows = new Map<string, StoredRow>();
  readonly changes: ChangeEntry[] = [];
  /** By sorted column names (`keyIndex`): kept on every write, rollback and load. */
  readonly indexes = new Map<string, KeyIndex>();

  constructor(readonly model: EntityModel) {}

  /** Sets (or, with `undefined`, removes) the row of `id`, keeping the indexes in step. */
  put(id: string, row: StoredRow | undefined): void {
    const before = this.rows.get(id);
    if (before) for (const index of this.indexes.values()) index.remove(before);
    if (row) {
      this.rows.set(id, row);
      for (const index of this.indexes.values()) index.add(row);
    } else this.rows.delete(id);
  }
}

export type ChangeListener = (event: ChangeEvent) => void;

interface UndoStep {
  table: Table;
  id: string;
  before: StoredRow | undefined;
}

/** Everything persisted besides the rows. */
export interface StoreMeta {
  seed: number;
  version: number;
  /** Versions at or below this are not in the change logs (seed data, compacted history). */
  changeLogFloor: number;
  numbering: NumberingState;
  alternateKeys: AlternateKeyRecord[];
}

/**
 * The in-memory tables of the simulated org, with a global, monotonically increasing row version
 * and a per-table change log. Writes go through `insert`/`update`/`delete`, which apply the
 * platform's system columns; `transaction` makes a group of writes all-or-nothing.
 */
export class Store {
  private readonly tables = new Map<string, Table>();
  private readonly listeners = new Set<ChangeListener>();
  private numbering: AutoNumbering;
  private undo: UndoStep[] | undefined;
  private pending: ChangeEvent[] = [];
  private readonly dirty = new Set<string>();
  private metaDirty = true;
  /** A store not loaded from a snapshot (seed): every table must be written. */
  private fullWrite = true;
  seed: number;
  version: number;
  changeLogFloor: number;
  alternateKeys: AlternateKeyRecord[];

  constructor(
    readonly metadata: Metadata,
    private readonly now: () => Date,
    meta: StoreMeta,
  ) {
    for (const model of metadata.entities()) this.tables.set(model.def.logicalName, new Table(model));
    this.seed = meta.seed;
    this.version = meta.version;
    this.changeLogFloor = meta.changeLogFloor;
    this.numbering = new AutoNumbering(meta.numbering);
    this.alternateKeys = [...meta.alternateKeys];
  }

  static empty(metadata: Metadata, now: () => Date, seed: number): Store {
    return new Store(metadata, now, {
      seed,
      version: 0,
      changeLogFloor: 0,
      numbering: AutoNumbering.initial(seed).state(),
      alternateKeys: [],
    });
  }

  table(logicalName: string): Table {
    const table = this.tables.get(logicalName);
    if (!table) throw new Error(`Unknown table '${logicalName}'`);
    return table;
  }

  allTables(): Table[] {
    return [...this.tables.values()];
  }

  get(logicalName: string, id: string): StoredRow | undefined {
    return this.table(logicalName).rows.get(id.toLowerCase());
  }

  rows(logicalName: string): IterableIterator<StoredRow> {
    return this.table(logicalName).rows.values();
  }

  /**
   * The index of `logicalName`'s rows by these columns (built on first use, then kept by every
   * write): finding a row by an alternate key without scanning the table.
   */
  keyIndex(logicalName: string, attributes: readonly string[]): KeyIndex {
    const table = this.table(logicalName);
    const sorted = [...attributes].sort();
    const name = sorted.join(',');
    let index = table.indexes.get(name);
    if (!index) {
      index = new KeyIndex(sorted);
      for (const row of table.rows.values()) index.add(row);
      table.indexes.set(name, index);
    }
    return index;
  }

  count(logicalName: string): number {
    return this.table(logicalName).rows.size;
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  nextAutoNumber(prefix: string): string {
    this.metaDirty = true;
    return this.numbering.next(prefix);
  }

  /**
   * Runs `fn` as one unit: if it throws, every row it wrote is restored and its change-log
   * entries and events are dropped. Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => T): T {
    if (this.undo) return fn();
    this.undo = [];
    const logLengths = new Map([...this.tables].map(([name, t]) => [name, t.changes.length]));
    try {
      const result = fn();
      const events = this.pending;
      this.undo = undefined;
      this.pending = [];
      for (const event of events) for (const listener of this.listeners) listener(event);
      return result;
    } catch (error) {
      const steps = this.undo ?? [];
      this.undo = undefined;
      this.pending = [];
      for (const step of steps.reverse()) {
        step.table.put(step.id, step.before);
      }
      for (const [name, length] of logLengths) {
        const table = this.table(name);
        if (table.changes.length > length) table.changes.length = length;
      }
      throw error;
    }
  }

  insert(logicalName: string, values: Changes, options: InsertOptions): StoredRow {
    const table = this.table(logicalName);
    const def = table.model.def;
    const id = (options.id ?? randomUUID()).toLowerCase();
    const version = this.bumpVersion();
    const stamp = toDataverseDateTime(this.now());
    const user = { id: options.actor.userId, logicalName: 'systemuser' };
    const row: Record<string, Value> = {};
    for (const [name, value] of Object.entries(values)) if (value !== null) row[name] = value;
    row[def.primaryIdAttribute] = id;
    row['createdon'] = stamp;
    row['modifiedon'] = stamp;
    row['createdby'] = user;
    row['modifiedby'] = user;
    row['versionnumber'] = version;
    if (def.ownership === 'UserOwned') {
      row['ownerid'] ??= user;
      row['owningbusinessunit'] = { id: options.actor.businessUnitId, logicalName: 'businessunit' };
    }
    if (def.ownership === 'OrganizationOwned') {
      row['organizationid'] = { id: options.actor.organizationId, logicalName: 'organization' };
    }
    applyStateDefaults(table.model, row);
    if (def.autoNumber && row[def.autoNumber.attribute] === undefined) {
      row[def.autoNumber.attribute] = this.nextAutoNumber(def.autoNumber.prefix);
    }
    const stored: StoredRow = { id, version, values: row };
    this.write(table, id, stored, 'create', undefined, Object.keys(row), options.actor.userId);
    return stored;
  }

  update(logicalName: string, id: string, changes: Changes, actor: Actor): StoredRow {
    const table = this.table(logicalName);
    const key = id.toLowerCase();
    const before = table.rows.get(key);
    if (!before) throw new Error(`update of a missing ${logicalName} row ${id}`);
    const version = this.bumpVersion();
    const row: Record<string, Value> = { ...before.values };
    const changed: string[] = [];
    for (const [name, value] of Object.entries(changes)) {
      if (!sameValue(row[name], value)) changed.push(name);
      if (value === null) delete row[name];
      else row[name] = value;
    }
    row['modifiedon'] = toDataverseDateTime(this.now());
    row['modifiedby'] = { id: actor.userId, logicalName: 'systemuser' };
    row['versionnumber'] = version;
    const stored: StoredRow = { id: key, version, values: row };
    this.write(table, key, stored, 'update', before, changed, actor.userId);
    return stored;
  }

  delete(logicalName: string, id: string, actor: Actor): StoredRow {
    const table = this.table(logicalName);
    const key = id.toLowerCase();
    const before = table.rows.get(key);
    if (!before) throw new Error(`delete of a missing ${logicalName} row ${id}`);
    const version = this.bumpVersion();
    this.write(table, key, undefined, 'delete', before, [], actor.userId, version);
    return before;
  }

  /** Loads rows as they are (seed, snapshot): no system columns, no change log, no events. */
  load(logicalName: string, rows: Iterable<StoredRow>): void {
    const table = this.table(logicalName);
    for (const row of rows) table.put(row.id, row);
    this.dirty.add(logicalName);
  }

  /** Appends loaded change-log entries (snapshot). */
  loadChanges(logicalName: string, entries: Iterable<ChangeEntry>): void {
    const table = this.table(logicalName);
    for (const entry of entries) table.changes.push(entry);
  }

  /** A version for rows written outside `insert`/`update` (the seed). */
  bumpVersion(): number {
    this.version += 1;
    this.metaDirty = true;
    return this.version;
  }

  setAlternateKeys(keys: AlternateKeyRecord[]): void {
    this.alternateKeys = keys;
    this.metaDirty = true;
  }

  meta(): StoreMeta {
    return {
      seed: this.seed,
      version: this.version,
      changeLogFloor: this.changeLogFloor,
      numbering: this.numbering.state(),
      alternateKeys: this.alternateKeys,
    };
  }

  /** Tables written since the last `markClean` (persistence rewrites only those). */
  dirtyTables(): ReadonlySet<string> {
    return this.fullWrite ? new Set(this.tables.keys()) : this.dirty;
  }

  isDirty(): boolean {
    return this.metaDirty || this.dirty.size > 0;
  }

  markTableDirty(logicalName: string): void {
    this.dirty.add(logicalName);
    this.metaDirty = true;
  }

  markClean(): void {
    this.dirty.clear();
    this.metaDirty = false;
    this.fullWrite = false;
  }

  private write(
    table: Table,
    id: string,
    row: StoredRow | undefined,
    operation: ChangeOperation,
    before: StoredRow | undefined,
    changedColumns: string[],
    userId: string,
    deleteVersion?: number,
  ): void {
    this.undo?.push({ table, id, before });
    table.put(id, row);
    const version = row?.version ?? deleteVersion ?? this.version;
    table.changes.push({ version, id, operation });
    this.dirty.add(table.model.def.logicalName);
    const event: ChangeEvent = {
      entity: table.model.def.logicalName,
      operation,
      id,
      version,
      before,
      after: row,
      changedColumns,
      userId,
    };
    if (this.undo) this.pending.push(event);
    else for (const listener of this.listeners) listener(event);
  }
}

function applyStateDefaults(model: EntityModel, row: Record<string, Value>): void {
  const stateAttribute = model.attributes.get('statecode');
  if (stateAttribute?.type !== 'State') return;
  const stateValue = typeof row['statecode'] === 'number' ? row['statecode'] : 0;
  row['statecode'] = stateValue;
  if (row['statuscode'] === undefined) {
    const option = stateAttribute.options.find((o) => o.value === stateValue);
    if (option) row['statuscode'] = option.defaultStatus;
  }
}

function sameValue(a: Value | undefined, b: Value | null): boolean {
  if (a === undefined) return b === null;
  if (b === null) return false;
  if (typeof a === 'object' && typeof b === 'object') return a.id === b.id && a.logicalName === b.logicalName;
  return a === b;
}
