/** A lookup value: the row it points to and that row's table (polymorphic lookups need both). */
export interface EntityRef {
  readonly id: string;
  readonly logicalName: string;
}

/** A stored column value; a column without a value (null) is simply absent from the row. */
export type Value = string | number | boolean | EntityRef;

/** Column values by logical name. Dates are ISO strings (`2025-01-31T10:00:00Z`, or `2025-01-31`). */
export type RowValues = Readonly<Record<string, Value>>;

/** One row. Immutable: an update stores a new object, so snapshots can hold references. */
export interface StoredRow {
  readonly id: string;
  /** Global row version: `@odata.etag` is `W/"<version>"`. */
  readonly version: number;
  readonly values: RowValues;
}

export type ChangeOperation = 'create' | 'update' | 'delete';

/** One entry of a table's change log (the source of change tracking deltas). */
export interface ChangeEntry {
  readonly version: number;
  readonly id: string;
  readonly operation: ChangeOperation;
}

/** What a committed write did; webhooks (and anything else watching) listen to these. */
export interface ChangeEvent {
  readonly entity: string;
  readonly operation: ChangeOperation;
  readonly id: string;
  readonly version: number;
  /** The row before the change (update, delete). */
  readonly before: StoredRow | undefined;
  /** The row after the change (create, update). */
  readonly after: StoredRow | undefined;
  /** Logical names of the columns whose values changed (create: all set columns). */
  readonly changedColumns: readonly string[];
  /** The systemuser that made the change. */
  readonly userId: string;
}

/** Who is writing: used for createdby/modifiedby/ownerid defaults. */
export interface Actor {
  readonly userId: string;
  readonly businessUnitId: string;
  readonly organizationId: string;
}

/** An alternate key defined through `EntityDefinitions(LogicalName='x')/Keys`. */
export interface AlternateKeyRecord {
  readonly metadataId: string;
  readonly entityLogicalName: string;
  readonly logicalName: string;
  readonly schemaName: string;
  readonly displayName: string;
  readonly keyAttributes: readonly string[];
  /** Epoch ms when it was requested; it becomes Active after the activation delay. */
  readonly createdAt: number;
  /** Set when activation found duplicate values. */
  readonly failed?: boolean;
  /** Set once the index was built without duplicates (no further checks needed). */
  readonly active?: boolean;
}

export function isEntityRef(value: Value | null | undefined): value is EntityRef {
  return typeof value === 'object' && value !== null;
}
