import { errors } from './errors';
import type { KeyLiteral, KeyPredicate } from './http/url';
import { parseKeyPredicate } from './http/url';
import type { EntityModel } from './metadata/registry';
import { isLookup } from './metadata/types';
import type { AlternateKeys } from './store/alternate-keys';
import type { Store } from './store/store';
import type { AlternateKeyRecord, StoredRow, Value } from './store/types';

/** A record address: its primary key, or the values of one of its Active alternate keys. */
export type RecordKey =
  | { kind: 'id'; id: string }
  | { kind: 'alternate'; key: AlternateKeyRecord; values: Map<string, Value | null> };

/**
 * Resolves the `(…)` of `/accounts(…)`: `<guid>`, `accountid=<guid>`, or the columns of an Active
 * alternate key (`accountnumber='A-1'`, lookups as `_x_value=<guid>`). Anything else is the
 * platform's "The key in the request URI is not valid" error.
 */
export function resolveRecordKey(model: EntityModel, text: string, keys: AlternateKeys): RecordKey {
  const predicate: KeyPredicate | undefined = parseKeyPredicate(text);
  if (!predicate) throw errors.invalidKey(model.typeName);
  if (predicate.kind === 'id') return predicate;
  const [first] = predicate.pairs;
  if (predicate.pairs.length === 1 && first && first[0] === model.def.primaryIdAttribute) {
    if (first[1].type !== 'guid') throw errors.invalidKey(model.typeName);
    return { kind: 'id', id: first[1].value };
  }
  const values = new Map<string, Value | null>();
  for (const [name, literal] of predicate.pairs) {
    const lookupName = /^_(.+)_value$/.exec(name)?.[1];
    const attribute = model.attributes.get(lookupName ?? name);
    if (!attribute || (lookupName !== undefined) !== isLookup(attribute))
      throw errors.invalidKey(model.typeName);
    const value = keyValue(literal);
    if (value === undefined) throw errors.invalidKey(model.typeName);
    const stored =
      isLookup(attribute) && typeof value === 'string'
        ? { id: value, logicalName: attribute.targets[0]?.entity ?? '' }
        : value;
    values.set(attribute.logicalName, stored);
  }
  const key = keys.activeKey(model, [...values.keys()]);
  if (!key) throw errors.invalidKey(model.typeName);
  return { kind: 'alternate', key, values };
}

function keyValue(literal: KeyLiteral): Value | null | undefined {
  switch (literal.type) {
    case 'string':
    case 'guid':
      return literal.value;
    case 'number':
      return literal.value;
    case 'boolean':
      return literal.value;
    case 'null':
      return null;
  }
}

export function findRecord(
  store: Store,
  keys: AlternateKeys,
  model: EntityModel,
  key: RecordKey,
): StoredRow | undefined {
  return key.kind === 'id' ? store.get(model.def.logicalName, key.id) : keys.find(model, key.values);
}

/** The 404 for a key that matched nothing, worded as the platform words it for the operation. */
export function recordNotFound(model: EntityModel, key: RecordKey, operation: 'retrieve' | 'write') {
  if (key.kind === 'alternate') return errors.alternateKeyNotFound(model.def.logicalName);
  return operation === 'retrieve'
    ? errors.retrieveNotFound(model.def.logicalName, key.id, model.def.schemaName)
    : errors.writeNotFound(model.def.logicalName, key.id);
}

/** The key as written in links (`accounts(<id>)` or `accounts(accountnumber='A-1')`). */
export function keyText(key: RecordKey): string {
  if (key.kind === 'id') return key.id;
  return [...key.values]
    .map(([name, value]) => {
      if (value === null) return `${name}=null`;
      if (typeof value === 'object') return `_${name}_value=${value.id}`;
      return typeof value === 'string'
        ? `${name}='${value.replace(/'/g, "''")}'`
        : `${name}=${String(value)}`;
    })
    .join(',');
}
