import { randomUUID } from 'node:crypto';
import { DataverseError, ErrorCode, errors } from '../errors';
import { parseApiPath } from '../http/url';
import type { CollectionNavigation, EntityModel, SingleNavigation } from '../metadata/registry';
import { findRecord, resolveRecordKey } from '../records';
import { type EntityRef, isEntityRef, type StoredRow, type Value } from '../store/types';
import { headerTotals } from './computed';
import type { WriteContext, WriteOptions } from './context';
import { deriveColumns, LINE_PARENTS } from './derive';
import { type BindReference, type JsonRecord, type Payload, parsePayload } from './payload';
import { checkCreate, checkDelete, checkUpdate, normalizeState } from './rules';

type Changes = Map<string, Value | null>;

/** A row created as a child of another in a deep insert: the lookup that points to the parent. */
interface ParentLink {
  attribute: string;
  parent: EntityRef;
}

/**
 * Creates, updates and deletes rows the way the platform does: binds and deep inserts resolved,
 * derived columns filled, state rules and SystemRequired columns enforced, alternate keys kept
 * unique, header totals recomputed after line changes, deletes cascaded. Callers wrap each
 * request in `store.transaction` so a failure leaves nothing behind.
 */
export class RecordWriter {
  constructor(
    private readonly context: WriteContext,
    private readonly options: WriteOptions = {},
  ) {}

  create(model: EntityModel, body: JsonRecord, preset: { id?: string; columns?: Changes } = {}): StoredRow {
    return this.createFromPayload(parsePayload(model, body, 'create'), preset, undefined);
  }

  /** Updates a row; `strip` names columns to drop from the body (alternate-key columns on upsert). */
  update(
    model: EntityModel,
    current: StoredRow,
    body: JsonRecord,
    strip: ReadonlySet<string> = new Set(),
  ): StoredRow {
    const payload = parsePayload(model, body, 'update');
    for (const name of strip) payload.columns.delete(name);
    if (payload.deepSingles.length > 0 || payload.deepCollections.length > 0) {
      throw errors.badRequest(
        'Deep update is not supported: nested records can only be created with their parent.',
      );
    }
    return this.updateColumns(model, current, payload.columns, payload);
  }

  /** Sets or clears one column (`PUT`/`DELETE /accounts(id)/name`). */
  setColumn(model: EntityModel, current: StoredRow, column: string, value: Value | null): StoredRow {
    return this.updateColumns(model, current, new Map([[column, value]]), undefined);
  }

  delete(model: EntityModel, row: StoredRow): void {
    const { store, actor } = this.context;
    if (!this.options.bypassStateRules) checkDelete(this.context, model, row);
    for (const navigation of store.metadata.referencesTo(model.def.logicalName)) {
      if (navigation.cascadeDelete === 'NoCascade') continue;
      const column = navigation.childAttribute.logicalName;
      const children = [...store.rows(navigation.child.def.logicalName)].filter((child) => {
        const ref = child.values[column];
        return isEntityRef(ref) && ref.id === row.id && ref.logicalName === model.def.logicalName;
      });
      if (children.length === 0) continue;
      switch (navigation.cascadeDelete) {
        case 'Cascade':
          for (const child of children) {
            if (store.get(navigation.child.def.logicalName, child.id)) this.delete(navigation.child, child);
          }
          break;
        case 'Restrict':
          throw new DataverseError(
            400,
            ErrorCode.restrictDelete,
            'The object you tried to delete is associated with another object and cannot be deleted.',
          );
        case 'RemoveLink':
          for (const child of children)
            store.update(navigation.child.def.logicalName, child.id, { [column]: null }, actor);
          break;
      }
    }
    store.delete(model.def.logicalName, row.id, actor);
    this.recomputeHeader(model, row.values[LINE_PARENTS[model.def.logicalName] ?? '']);
  }

  private createFromPayload(
    payload: Payload,
    preset: { id?: string; columns?: Changes },
    link: ParentLink | undefined,
  ): StoredRow {
    const { store, keys, actor } = this.context;
    const model = payload.model;
    const entity = model.def.logicalName;
    const changes: Changes = new Map([...(preset.columns ?? []), ...payload.columns]);
    for (const { navigation, body } of payload.deepSingles) {
      const related = this.createFromPayload(parsePayload(navigation.target, body, 'create'), {}, undefined);
      changes.set(navigation.attribute.logicalName, {
        id: related.id,
        logicalName: navigation.target.def.logicalName,
      });
    }
    for (const { navigation, reference } of payload.binds) {
      changes.set(
        navigation.attribute.logicalName,
        reference ? this.resolveBind(navigation, reference) : null,
      );
    }
    if (link) changes.set(link.attribute, link.parent);

    const id = (preset.id ?? payload.id ?? randomUUID()).toLowerCase();
    if (store.get(entity, id)) throw errors.duplicateId();
    normalizeState(model, undefined, changes);
    deriveColumns(this.context, model, undefined, changes);
    if (!this.options.bypassStateRules) checkCreate(this.context, model, changes);
    const values = compact(changes);
    checkRequired(model, values);
    const violated = keys.violatedBy(model, values, id);
    if (violated) throw duplicateKey(model, violated.displayName, violated.keyAttributes);

    const row = store.insert(entity, values, { actor, id });
    const parentRef: EntityRef = { id: row.id, logicalName: entity };
    for (const { navigation, bodies } of payload.deepCollections) {
      for (const body of bodies) {
        const child = parsePayload(navigation.child, body, 'create');
        this.createFromPayload(
          child,
          {},
          { attribute: navigation.childAttribute.logicalName, parent: parentRef },
        );
      }
    }
    for (const { navigation, references } of payload.collectionBinds)
      this.associate(navigation, parentRef, references);
    this.recomputeHeader(model, row.values[LINE_PARENTS[entity] ?? '']);
    return store.get(entity, row.id) ?? row;
  }

  private updateColumns(
    model: EntityModel,
    current: StoredRow,
    columns: Changes,
    payload: Payload | undefined,
  ): StoredRow {
    const { store, keys, actor } = this.context;
    const entity = model.def.logicalName;
    const changes: Changes = new Map(columns);
    for (const name of [...changes.keys()]) {
      const attribute = model.attributes.get(name);
      if (!attribute || attribute.validForUpdate) continue;
      if (!sameValue(current.values[name], changes.get(name) ?? null)) {
        throw errors.invalidArgument(`The '${name}' attribute of the '${entity}' entity cannot be modified.`);
      }
      changes.delete(name);
    }
    for (const { navigation, reference } of payload?.binds ?? []) {
      changes.set(
        navigation.attribute.logicalName,
        reference ? this.resolveBind(navigation, reference) : null,
      );
    }
    normalizeState(model, current, changes);
    if (!this.options.bypassStateRules) checkUpdate(this.context, model, current, changes);
    deriveColumns(this.context, model, current, changes);
    for (const [name, value] of changes) {
      const attribute = model.attributes.get(name);
      if (value === null && attribute?.requiredLevel === 'SystemRequired') throw requiredMissing(model, name);
    }
    const merged: Record<string, Value> = { ...current.values };
    for (const [name, value] of changes) {
      if (value === null) delete merged[name];
      else merged[name] = value;
    }
    const violated = keys.violatedBy(model, merged, current.id);
    if (violated) throw duplicateKey(model, violated.displayName, violated.keyAttributes);

    const row = store.update(entity, current.id, Object.fromEntries(changes), actor);
    const parentColumn = LINE_PARENTS[entity];
    if (parentColumn) {
      this.recomputeHeader(model, row.values[parentColumn]);
      const previousParent = current.values[parentColumn];
      const newParent = row.values[parentColumn];
      if (isEntityRef(previousParent) && (!isEntityRef(newParent) || previousParent.id !== newParent.id)) {
        this.recomputeHeader(model, previousParent);
      }
    }
    for (const { navigation, references } of payload?.collectionBinds ?? []) {
      this.associate(navigation, { id: row.id, logicalName: entity }, references);
    }
    return store.get(entity, row.id) ?? row;
  }

  /** Points existing rows' lookup at a parent (`"order_details@odata.bind": [...]`). */
  private associate(
    navigation: CollectionNavigation,
    parent: EntityRef,
    references: readonly BindReference[],
  ): void {
    const childModel = navigation.child;
    for (const reference of references) {
      const ref = this.resolveReference(reference, [childModel.def.logicalName], navigation.name);
      const child = this.context.store.get(ref.logicalName, ref.id);
      if (!child) throw errors.writeNotFound(ref.logicalName, ref.id);
      this.updateColumns(
        childModel,
        child,
        new Map([[navigation.childAttribute.logicalName, parent]]),
        undefined,
      );
    }
  }

  private resolveBind(navigation: SingleNavigation, reference: BindReference): EntityRef {
    return this.resolveReference(reference, [navigation.target.def.logicalName], navigation.name);
  }

  /** Resolves `/accounts(<id>)`, `accounts(accountnumber='X')`, an absolute URL, or `$1`. */
  private resolveReference(
    reference: BindReference,
    expected: readonly string[],
    navigationName: string,
  ): EntityRef {
    const { store, keys } = this.context;
    let text = reference.text.trim();
    if (text.startsWith('$')) {
      const ref = this.context.resolveContentId?.(text);
      if (!ref)
        throw errors.badRequest(`Content-ID Reference: '${text}' does not exist in the batch context.`);
      return ref;
    }
    const apiIndex = text.indexOf('/api/data/');
    if (apiIndex >= 0) {
      const path = parseApiPath(new URL(text, 'http://bind.invalid').pathname);
      text =
        path?.segments.map((s) => (s.args === undefined ? s.name : `${s.name}(${s.args})`)).join('/') ?? text;
    }
    text = text.replace(/^\//, '');
    const open = text.indexOf('(');
    if (open < 0 || !text.endsWith(')'))
      throw errors.badRequest(`The @odata.bind value '${reference.text}' is not a valid entity URL.`);
    const set = text.slice(0, open);
    const model = store.metadata.findEntitySet(set);
    if (!model) throw errors.resourceNotFound(set);
    if (!expected.includes(model.def.logicalName)) {
      throw errors.badRequest(
        `An entity of type '${model.typeName}' was found in a navigation link for the '${navigationName}' navigation property; however, the navigation property expects entities of type 'Microsoft.Dynamics.CRM.${expected[0] ?? ''}'.`,
      );
    }
    const key = resolveRecordKey(model, text.slice(open + 1, -1), keys);
    const row = findRecord(store, keys, model, key);
    if (!row) {
      throw key.kind === 'id'
        ? errors.writeNotFound(model.def.logicalName, key.id)
        : errors.alternateKeyNotFound(model.def.logicalName);
    }
    return { id: row.id, logicalName: model.def.logicalName };
  }

  /** After a line changed: the header's totals (and an opportunity's system-calculated revenue). */
  private recomputeHeader(lineModel: EntityModel, parentRef: Value | undefined): void {
    const parentColumn = LINE_PARENTS[lineModel.def.logicalName];
    if (!parentColumn || !isEntityRef(parentRef)) return;
    const { store, actor } = this.context;
    const header = store.get(parentRef.logicalName, parentRef.id);
    if (!header) return;
    const lines = [...store.rows(lineModel.def.logicalName)]
      .filter((line) => {
        const ref = line.values[parentColumn];
        return isEntityRef(ref) && ref.id === header.id;
      })
      .map((line) => line.values);
    const totals: Record<string, Value | null> = headerTotals(header.values, lines);
    const model = store.metadata.entity(parentRef.logicalName);
    for (const name of Object.keys(totals)) if (!model.attributes.has(name)) delete totals[name];
    if (parentRef.logicalName === 'opportunity' && header.values['isrevenuesystemcalculated'] === true) {
      totals['estimatedvalue'] = totals['totalamount'] ?? null;
    }
    const changed = Object.entries(totals).filter(([name, value]) => !sameValue(header.values[name], value));
    if (changed.length > 0)
      store.update(parentRef.logicalName, header.id, Object.fromEntries(changed), actor);
  }
}

/** SystemRequired columns must have a value after defaults (auto-numbers, state, owner are defaulted). */
function checkRequired(model: EntityModel, values: Readonly<Record<string, Value>>): void {
  const def = model.def;
  for (const attribute of def.attributes) {
    if (attribute.requiredLevel !== 'SystemRequired') continue;
    const name = attribute.logicalName;
    if (name === def.primaryIdAttribute || name === def.autoNumber?.attribute) continue;
    if (attribute.type === 'State' || attribute.type === 'Status' || attribute.type === 'Owner') continue;
    if (values[name] === undefined) throw requiredMissing(model, name);
  }
}

function requiredMissing(model: EntityModel, name: string) {
  return errors.validation(
    `The '${name}' attribute of the '${model.def.logicalName}' entity is required (SystemRequired) and cannot be null.`,
  );
}

function duplicateKey(model: EntityModel, keyName: string, attributes: readonly string[]) {
  const names = attributes.map((a) => model.attributes.get(a)?.displayName ?? a).join(', ');
  return new DataverseError(
    412,
    ErrorCode.duplicateAlternateKey,
    `A record that has the attribute values ${names} already exists. The entity key ${keyName} requires that this set of attributes contains unique values. Select unique values and try again.`,
    { messageName: 'DuplicateRecordEntityKey' },
  );
}

function compact(changes: Changes): Record<string, Value> {
  const values: Record<string, Value> = {};
  for (const [name, value] of changes) if (value !== null) values[name] = value;
  return values;
}

function sameValue(a: Value | undefined, b: Value | null): boolean {
  if (a === undefined) return b === null;
  if (b === null) return false;
  if (isEntityRef(a) && isEntityRef(b)) return a.id === b.id;
  return a === b;
}
