import { errors } from '../errors';
import type { EntityModel } from '../metadata/registry';
import { isLookup } from '../metadata/types';
import { parseQueryOptions } from '../query/options';
import { findRecord, keyText, recordNotFound, resolveRecordKey } from '../records';
import { etagOf } from '../serialize/entity';
import type { StoredRow, Value } from '../store/types';
import { convert } from '../write/payload';
import { RecordWriter } from '../write/writer';
import { readJsonObject } from './body';
import { sendEntity } from './read';
import { sendEmpty } from './respond';
import type { RequestScope } from './scope';

const RETURN_REPRESENTATION = 'return=representation';

/** `POST /accounts`: 204 + OData-EntityId, or 201 + the row with return=representation. */
export function createRecord(scope: RequestScope, model: EntityModel): void {
  const body = readJsonObject(scope.body);
  const { store } = scope.state;
  const row = store.transaction(() => new RecordWriter(scope.writeContext()).create(model, body));
  respondWritten(scope, model, row, 201, row.id);
}

/**
 * `PATCH /accounts(<key>)`: update, or create when the key matches nothing (upsert).
 * `If-Match: *` forbids the create (404), `If-None-Match: *` forbids the update (412),
 * `If-Match: W/"n"` requires that version (412 otherwise).
 */
export function upsertRecord(scope: RequestScope, model: EntityModel, keyArgs: string): void {
  const { store, keys } = scope.state;
  const key = resolveRecordKey(model, keyArgs, keys);
  const body = readJsonObject(scope.body);
  const ifMatch = scope.header('if-match')?.trim();
  const ifNoneMatch = scope.header('if-none-match')?.trim();
  let created = false;
  const row = store.transaction(() => {
    const existing = findRecord(store, keys, model, key);
    const writer = new RecordWriter(scope.writeContext());
    if (existing) {
      if (ifNoneMatch === '*') throw errors.recordExists();
      checkIfMatch(ifMatch, existing);
      const strip = key.kind === 'alternate' ? new Set(key.values.keys()) : new Set<string>();
      return writer.update(model, existing, body, strip);
    }
    if (ifMatch !== undefined) throw recordNotFound(model, key, 'write');
    created = true;
    if (key.kind === 'id') return writer.create(model, body, { id: key.id });
    const columns = new Map<string, Value | null>([...key.values].filter(([name]) => !(name in body)));
    return writer.create(model, body, { columns });
  });
  respondWritten(scope, model, row, created ? 201 : 200, keyText(key));
}

/** `DELETE /accounts(<key>)`: 204; 404 when missing; 412 on an If-Match version mismatch. */
export function deleteRecord(scope: RequestScope, model: EntityModel, keyArgs: string): void {
  const { store, keys } = scope.state;
  const key = resolveRecordKey(model, keyArgs, keys);
  store.transaction(() => {
    const row = findRecord(store, keys, model, key);
    if (!row) throw recordNotFound(model, key, 'write');
    checkIfMatch(scope.header('if-match')?.trim(), row);
    new RecordWriter(scope.writeContext()).delete(model, row);
  });
  sendEmpty(scope.res, 204, scope.headers());
}

/** `PUT /accounts(<id>)/name` with `{"value": …}`, or `DELETE /accounts(<id>)/name` (value null). */
export function writeProperty(
  scope: RequestScope,
  model: EntityModel,
  keyArgs: string,
  property: string,
  clear: boolean,
): void {
  const { store, keys } = scope.state;
  const attribute = model.properties.get(property);
  if (!attribute) throw errors.resourceNotFound(property);
  if (isLookup(attribute)) throw errors.directLookupUpdate();
  let value: Value | null = null;
  if (!clear) {
    const body = readJsonObject(scope.body);
    if (!('value' in body)) throw errors.badRequest("The property 'value' is missing from the request body.");
    const raw = body['value'];
    value = raw === null || raw === undefined ? null : convert(model, attribute, raw);
  }
  const key = resolveRecordKey(model, keyArgs, keys);
  store.transaction(() => {
    const row = findRecord(store, keys, model, key);
    if (!row) throw recordNotFound(model, key, 'write');
    checkIfMatch(scope.header('if-match')?.trim(), row);
    if (!attribute.validForUpdate && !attribute.validForCreate) return;
    new RecordWriter(scope.writeContext()).setColumn(model, row, attribute.logicalName, value);
  });
  sendEmpty(scope.res, 204, scope.headers());
}

function checkIfMatch(ifMatch: string | undefined, row: StoredRow): void {
  if (ifMatch === undefined || ifMatch === '*') return;
  const etag = etagOf(row);
  if (!ifMatch.split(',').some((tag) => tag.trim() === etag)) throw errors.versionMismatch();
}

function respondWritten(
  scope: RequestScope,
  model: EntityModel,
  row: StoredRow,
  representationStatus: number,
  key: string,
): void {
  if (scope.prefer.returnRepresentation) {
    // With return=representation the platform answers with the row and no OData-EntityId.
    const options = parseQueryOptions(scope.url.searchParams, model, scope.filterContext());
    sendEntity(scope, model, row, options, representationStatus, {}, [RETURN_REPRESENTATION]);
    return;
  }
  const entityId = `${scope.serviceRoot}${model.def.entitySetName}(${key})`;
  sendEmpty(scope.res, 204, scope.headers({ 'OData-EntityId': entityId }));
}
