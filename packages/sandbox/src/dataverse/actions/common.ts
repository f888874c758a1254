import { isGuid } from '../../core/random';
import { errors } from '../errors';
import { readJsonObject } from '../http/body';
import { sendEmpty, sendJson } from '../http/respond';
import type { RequestScope } from '../http/scope';
import { parseApiPath } from '../http/url';
import type { EntityModel } from '../metadata/registry';
import { isLookup, lookupPropertyName } from '../metadata/types';
import { MAX_PAGE_SIZE } from '../query/execute';
import { findRecord, resolveRecordKey } from '../records';
import { EntitySerializer, type JsonObject } from '../serialize/entity';
import type { StoredRow, Value } from '../store/types';
import { isJsonRecord, type JsonRecord, type JsonValue } from '../write/payload';

/** Helpers the sales messages share: parameters, binds, close statuses, responses. */

export type Columns = Map<string, Value | null>;

/** The body of an action with only the given parameters (OData's error for any other). */
export function actionBody(scope: RequestScope, action: string, parameters: readonly string[]): JsonRecord {
  const body = readJsonObject(scope.body);
  for (const name of Object.keys(body)) {
    if (name.startsWith('@') || parameters.includes(name)) continue;
    throw errors.badRequest(
      `The parameter '${name}' in the request payload is not a valid parameter for the operation '${action}'.`,
    );
  }
  return body;
}

export function missingParameter(action: string, name: string) {
  return errors.badRequest(`The parameter '${name}' is required for the operation '${action}'.`);
}

function cannotConvert(value: JsonValue, type: string) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return errors.badRequest(`Cannot convert the literal '${text}' to the expected type '${type}'.`);
}

export function int32Parameter(body: JsonRecord, action: string, name: string): number;
export function int32Parameter(
  body: JsonRecord,
  action: string,
  name: string,
  optional: true,
): number | undefined;
export function int32Parameter(
  body: JsonRecord,
  action: string,
  name: string,
  optional = false,
): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (optional) return undefined;
    throw missingParameter(action, name);
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) throw cannotConvert(value, 'Edm.Int32');
  return value;
}

export function guidParameter(body: JsonRecord, action: string, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) throw missingParameter(action, name);
  if (typeof value !== 'string' || !isGuid(value)) throw cannotConvert(value, 'Edm.Guid');
  return value.toLowerCase();
}

export function stringParameter(body: JsonRecord, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw cannotConvert(value, 'Edm.String');
  return value;
}

/** An entity-typed parameter (`OpportunityClose`, `QuoteClose`, `OrderClose`). */
export function entityParameter(body: JsonRecord, action: string, name: string): JsonRecord {
  const value = body[name];
  if (value === undefined || value === null) throw missingParameter(action, name);
  if (!isJsonRecord(value)) {
    throw errors.badRequest(
      `A node of type '${Array.isArray(value) ? 'StartArray' : 'PrimitiveValue'}' was read from the JSON reader when trying to read the value of the parameter '${name}'; however, a 'StartObject' node was expected.`,
    );
  }
  return value;
}

/**
 * The row a close activity points at through `<navigation>@odata.bind` (`/opportunities(<id>)`,
 * an alternate key, an absolute URL or a batch `$n`), checked before anything is written.
 */
export function boundRecord(
  scope: RequestScope,
  activity: JsonRecord,
  parameter: string,
  navigation: string,
  expected: EntityModel,
  action: string,
): StoredRow {
  const raw = activity[`${navigation}@odata.bind`];
  if (raw === undefined || raw === null) throw missingParameter(action, `${parameter}.${navigation}`);
  if (typeof raw !== 'string') {
    throw errors.badRequest(
      `The value of the '${navigation}@odata.bind' annotation must be a URL of an entity (a string), or an array of them for a collection.`,
    );
  }
  const { store, keys } = scope.state;
  let text = raw.trim();
  if (text.startsWith('$')) {
    const ref = scope.writeContext().resolveContentId?.(text);
    const row = ref ? store.get(ref.logicalName, ref.id) : undefined;
    if (!row) throw errors.badRequest(`Content-ID Reference: '${text}' does not exist in the batch context.`);
    return row;
  }
  if (text.includes('/api/data/')) {
    const path = parseApiPath(new URL(text, 'http://bind.invalid').pathname);
    const segment = path?.segments[0];
    if (segment) text = segment.args === undefined ? segment.name : `${segment.name}(${segment.args})`;
  }
  text = text.replace(/^\//, '');
  const open = text.indexOf('(');
  if (open < 0 || !text.endsWith(')'))
    throw errors.badRequest(`The @odata.bind value '${raw}' is not a valid entity URL.`);
  const model = scope.metadata.findEntitySet(text.slice(0, open));
  if (!model) throw errors.resourceNotFound(text.slice(0, open));
  if (model !== expected) {
    throw errors.badRequest(
      `An entity of type '${model.typeName}' was found in a navigation link for the '${navigation}' navigation property; however, the navigation property expects entities of type '${expected.typeName}'.`,
    );
  }
  const key = resolveRecordKey(model, text.slice(open + 1, -1), keys);
  const row = findRecord(store, keys, model, key);
  if (!row) {
    throw key.kind === 'id'
      ? errors.writeNotFound(model.def.logicalName, key.id)
      : errors.alternateKeyNotFound(model.def.logicalName);
  }
  return row;
}

/** A row by id for a Guid parameter (`QuoteId`, `OpportunityId`). */
export function recordById(scope: RequestScope, model: EntityModel, id: string): StoredRow {
  const row = scope.state.store.get(model.def.logicalName, id);
  if (!row) throw errors.writeNotFound(model.def.logicalName, id);
  return row;
}

export function stateLabel(model: EntityModel, state: number): string {
  const attribute = model.attributes.get('statecode');
  const option = attribute?.type === 'State' ? attribute.options.find((o) => o.value === state) : undefined;
  return option?.label ?? String(state);
}

/**
 * The statuscode a message closes a row with: `-1` means the state's default status; any other
 * value must be a status of that state (the platform's "is not a valid status code" error).
 */
export function closingStatus(model: EntityModel, state: number, status: number, rowId: string): number {
  const stateAttribute = model.attributes.get('statecode');
  const statusAttribute = model.attributes.get('statuscode');
  if (stateAttribute?.type !== 'State' || statusAttribute?.type !== 'Status') return status;
  if (status === -1) return stateAttribute.options.find((o) => o.value === state)?.defaultStatus ?? status;
  const option = statusAttribute.options.find((o) => o.value === status);
  if (option?.state === state) return status;
  throw errors.invalidArgument(
    `${status} is not a valid status code for state code ${model.def.schemaName}State.${stateLabel(model, state)} on ${model.def.logicalName} with Id ${rowId}.`,
  );
}

export function alreadyClosed(model: EntityModel) {
  return errors.invalidArgument(`The ${model.def.logicalName} is already closed.`);
}

/**
 * `ColumnSet` (`{"AllColumns": true}` or `{"Columns": ["name", "totalamount"]}`) → the properties
 * to answer with; undefined = all. Without a ColumnSet only the primary key comes back.
 */
export function columnSetParameter(body: JsonRecord, model: EntityModel): string[] | undefined {
  const value = body['ColumnSet'];
  if (value === undefined || value === null) return [model.def.primaryIdAttribute];
  if (!isJsonRecord(value)) throw cannotConvert(value, 'Microsoft.Dynamics.CRM.ColumnSet');
  if (value['AllColumns'] === true) return undefined;
  const columns = value['Columns'] ?? [];
  if (!Array.isArray(columns)) throw cannotConvert(columns, 'Collection(Edm.String)');
  const properties: string[] = [];
  for (const column of columns) {
    if (typeof column !== 'string') throw cannotConvert(column, 'Edm.String');
    const attribute = model.attributes.get(column.toLowerCase());
    if (!attribute?.validForRead) {
      throw errors.invalidArgument(
        `'${model.def.logicalName}' entity doesn't contain attribute with Name = '${column}' and NameMapping = 'Logical'.`,
      );
    }
    properties.push(isLookup(attribute) ? lookupPropertyName(attribute.logicalName) : attribute.logicalName);
  }
  return properties.length > 0 ? properties : [model.def.primaryIdAttribute];
}

/** An action's entity result: `200` with `$metadata#<set>/$entity` and the ColumnSet's columns. */
export function sendEntityResult(
  scope: RequestScope,
  model: EntityModel,
  row: StoredRow,
  select: readonly string[] | undefined,
): void {
  const serializer = new EntitySerializer({
    store: scope.state.store,
    annotations: scope.prefer.annotations,
    serviceRoot: scope.serviceRoot,
    expandLimit: MAX_PAGE_SIZE,
  });
  const body: JsonObject = {
    '@odata.context': `${scope.serviceRoot}$metadata#${model.def.entitySetName}/$entity`,
    ...serializer.entity(model, row, select, []),
  };
  sendJson(scope.res, 200, body, scope.headers());
}

export function sendNoContent(scope: RequestScope): void {
  sendEmpty(scope.res, 204, scope.headers());
}

/** Copies the named columns of a row (absent ones are left out). */
export function copyColumns(row: StoredRow, names: readonly string[]): Columns {
  const columns: Columns = new Map();
  for (const name of names) {
    const value = row.values[name];
    if (value !== undefined) columns.set(name, value);
  }
  return columns;
}
