import { randomUUID } from 'node:crypto';
import { errors } from '../errors';
import type { EntityModel } from '../metadata/registry';
import { isLookup } from '../metadata/types';
import type { Store } from './store';
import { type AlternateKeyRecord, isEntityRef, type StoredRow, type Value } from './types';

/** `EntityKeyIndexStatus` of an alternate key. */
export type KeyIndexStatus = 'Pending' | 'InProgress' | 'Active' | 'Failed';

/** Column types an alternate key may use (the platform's list, without the rarely used ones). */
const KEY_TYPES = new Set([
  'String',
  'Integer',
  'Decimal',
  'DateTime',
  'Lookup',
  'Customer',
  'Owner',
  'Picklist',
]);

/**
 * Alternate keys defined at run time through `EntityDefinitions(LogicalName='x')/Keys`. Creating
 * one is asynchronous as on the platform: the key is Pending, then InProgress, then Active once
 * its index is built (after `activationDelayMs`), or Failed if existing rows hold duplicate values.
 * No key exists by default (account.accountnumber is not a key until someone defines it).
 */
export class AlternateKeys {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
    private readonly activationDelayMs: number,
  ) {}

  list(model: EntityModel): AlternateKeyRecord[] {
    return this.store.alternateKeys.filter((k) => k.entityLogicalName === model.def.logicalName);
  }

  status(key: AlternateKeyRecord): KeyIndexStatus {
    if (key.failed) return 'Failed';
    if (key.active) return 'Active';
    const elapsed = this.now().getTime() - key.createdAt;
    if (elapsed < this.activationDelayMs / 2) return 'Pending';
    if (elapsed < this.activationDelayMs) return 'InProgress';
    if (this.hasDuplicates(key)) {
      this.replace({ ...key, failed: true });
      return 'Failed';
    }
    this.replace({ ...key, active: true });
    return 'Active';
  }

  define(
    model: EntityModel,
    spec: { schemaName: string; logicalName?: string; displayName: string; keyAttributes: readonly string[] },
  ): AlternateKeyRecord {
    if (spec.keyAttributes.length === 0 || spec.keyAttributes.length > 16) {
      throw errors.invalidArgument('An entity key must contain between 1 and 16 attributes.');
    }
    for (const name of spec.keyAttributes) {
      const attribute = model.attributes.get(name);
      if (!attribute) {
        throw errors.invalidArgument(
          `The attribute '${name}' does not exist on entity '${model.def.logicalName}'.`,
        );
      }
      if (!KEY_TYPES.has(attribute.type)) {
        throw errors.invalidArgument(
          `The attribute '${name}' of type '${attribute.type}' cannot be part of an entity key.`,
        );
      }
    }
    const logicalName = (spec.logicalName ?? spec.schemaName).toLowerCase();
    if (this.list(model).some((k) => k.logicalName === logicalName)) {
      throw errors.invalidArgument(`An entity key with the name '${logicalName}' already exists.`);
    }
    const key: AlternateKeyRecord = {
      metadataId: randomUUID(),
      entityLogicalName: model.def.logicalName,
      logicalName,
      schemaName: spec.schemaName,
      displayName: spec.displayName,
      keyAttributes: [...spec.keyAttributes],
      createdAt: this.now().getTime(),
    };
    this.store.setAlternateKeys([...this.store.alternateKeys, key]);
    return key;
  }

  remove(key: AlternateKeyRecord): void {
    this.store.setAlternateKeys(this.store.alternateKeys.filter((k) => k.metadataId !== key.metadataId));
  }

  /** The Active key whose columns are exactly `attributes` (order does not matter). */
  activeKey(model: EntityModel, attributes: readonly string[]): AlternateKeyRecord | undefined {
    const wanted = [...attributes].sort().join(',');
    return this.list(model).find(
      (k) => [...k.keyAttributes].sort().join(',') === wanted && this.status(k) === 'Active',
    );
  }

  /** The row whose key columns hold these values (through the store's index of those columns). */
  find(model: EntityModel, values: ReadonlyMap<string, Value | null>): StoredRow | undefined {
    const table = model.def.logicalName;
    const ids = this.store.keyIndex(table, [...values.keys()]).ids(values);
    for (const id of ids) {
      const row = this.store.get(table, id);
      if (row && [...values].every(([name, value]) => sameKeyValue(row.values[name], value))) return row;
    }
    if (ids.size > 0 || [...values.values()].some((value) => value !== null)) return undefined;
    // Every value null: the rows with none of these columns set (not indexed), as a scan finds them.
    for (const row of this.store.rows(table)) {
      if ([...values.keys()].every((name) => row.values[name] === undefined)) return row;
    }
    return undefined;
  }

  /** An Active key another row already holds these values for (the write would duplicate it). */
  violatedBy(
    model: EntityModel,
    values: Readonly<Record<string, Value>>,
    id: string,
  ): AlternateKeyRecord | undefined {
    for (const key of this.list(model)) {
      if (this.status(key) !== 'Active') continue;
      const keyValues = new Map<string, Value | null>(key.keyAttributes.map((a) => [a, values[a] ?? null]));
      if ([...keyValues.values()].every((v) => v === null)) continue;
      const other = this.find(model, keyValues);
      if (other && other.id !== id) return key;
    }
    return undefined;
  }

  private hasDuplicates(key: AlternateKeyRecord): boolean {
    const model = this.store.metadata.entity(key.entityLogicalName);
    const seen = new Set<string>();
    for (const row of this.store.rows(key.entityLogicalName)) {
      const parts = key.keyAttributes.map((name) => {
        const value = row.values[name];
        const attribute = model.attributes.get(name);
        if (value === undefined) return '\u0000';
        if (isEntityRef(value)) return value.id;
        return attribute && !isLookup(attribute) && typeof value === 'string'
          ? value.toLowerCase()
          : String(value);
      });
      if (parts.every((p) => p === '\u0000')) continue;
      const signature = parts.join('\u0001');
      if (seen.has(signature)) return true;
      seen.add(signature);
    }
    return false;
  }

  private replace(key: AlternateKeyRecord): void {
    this.store.setAlternateKeys(
      this.store.alternateKeys.map((k) => (k.metadataId === key.metadataId ? key : k)),
    );
  }
}

function sameKeyValue(stored: Value | undefined, wanted: Value | null): boolean {
  if (stored === undefined) return wanted === null;
  if (wanted === null) return false;
  if (isEntityRef(stored))
    return isEntityRef(wanted) ? stored.id === wanted.id : stored.id === String(wanted).toLowerCase();
  if (typeof stored === 'string' && typeof wanted === 'string')
    return stored.toLowerCase() === wanted.toLowerCase();
  return stored === wanted;
}
