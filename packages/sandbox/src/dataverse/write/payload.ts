import { isGuid } from '../../core/random';
import { errors } from '../errors';
import type { CollectionNavigation, EntityModel, SingleNavigation } from '../metadata/registry';
import { type AttributeDef, edmTypeOf, isLookup } from '../metadata/types';
import type { Value } from '../store/types';
import { toDataverseDateTime } from '../time';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonRecord = { [key: string]: JsonValue };

/** `"x@odata.bind": "/accounts(…)"`: a reference to an existing row. */
export interface BindReference {
  /** The text as sent (for error messages). */
  text: string;
}

/** A request body for one table, checked against its metadata; nothing resolved yet. */
export interface Payload {
  model: EntityModel;
  /** Column values by logical name, already converted; null clears. */
  columns: Map<string, Value | null>;
  /** Primary key sent in the body (create). */
  id: string | undefined;
  /** Lookups set through `<nav>@odata.bind` (null: `"<nav>@odata.bind": null` clears). */
  binds: Array<{ navigation: SingleNavigation; reference: BindReference | null }>;
  /** Nested single-valued deep insert: `"customerid_account": { … }`. */
  deepSingles: Array<{ navigation: SingleNavigation; body: JsonRecord }>;
  /** Nested collection deep insert: `"order_details": [{ … }]`. */
  deepCollections: Array<{ navigation: CollectionNavigation; bodies: JsonRecord[] }>;
  /** Existing rows linked as children: `"order_details@odata.bind": ["/salesorderdetails(…)"]`. */
  collectionBinds: Array<{ navigation: CollectionNavigation; references: BindReference[] }>;
}

export type WriteMode = 'create' | 'update';

export function isJsonRecord(value: JsonValue | undefined): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a JSON body into a `Payload`: unknown properties, `_x_value` writes, wrong types,
 * too-long strings and out-of-range numbers fail with the platform's errors. Columns the platform
 * computes (createdon, fullname, …) are ignored, as the platform ignores them.
 */
export function parsePayload(model: EntityModel, body: JsonRecord, mode: WriteMode): Payload {
  const payload: Payload = {
    model,
    columns: new Map(),
    id: undefined,
    binds: [],
    deepSingles: [],
    deepCollections: [],
    collectionBinds: [],
  };
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('@')) continue;
    const at = name.indexOf('@');
    if (at > 0) {
      readAnnotation(payload, name.slice(0, at), name.slice(at + 1), value);
      continue;
    }
    const navigation = model.navigations.get(name);
    if (navigation) {
      readNavigation(payload, navigation, name, value);
      continue;
    }
    const property = model.properties.get(name);
    if (property && isLookup(property)) throw errors.directLookupUpdate();
    const attribute = model.attributes.get(name);
    if (!attribute || isLookup(attribute)) throw errors.invalidProperty(model.typeName, name);
    if (attribute.type === 'Uniqueidentifier' && attribute.primaryKey) {
      const id = value === null ? undefined : convert(model, attribute, value);
      if (typeof id === 'string') payload.id = id;
      continue;
    }
    const allowed =
      mode === 'create' ? attribute.validForCreate : attribute.validForUpdate || attribute.validForCreate;
    if (!allowed) continue;
    payload.columns.set(name, value === null ? null : convert(model, attribute, value));
  }
  return payload;
}

function readAnnotation(payload: Payload, property: string, annotation: string, value: JsonValue): void {
  const model = payload.model;
  if (annotation !== 'odata.bind') return; // instance annotations sent back by clients are ignored
  const navigation = model.navigations.get(property);
  if (!navigation) {
    throw errors.badRequest(
      `An undeclared property '${property}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
    );
  }
  if (navigation.kind === 'single') {
    if (value !== null && typeof value !== 'string') throw bindShape(property);
    payload.binds.push({ navigation, reference: value === null ? null : { text: value } });
    return;
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string'))
    throw bindShape(property);
  payload.collectionBinds.push({ navigation, references: value.map((text) => ({ text })) });
}

function readNavigation(
  payload: Payload,
  navigation: SingleNavigation | CollectionNavigation,
  name: string,
  value: JsonValue,
): void {
  if (navigation.kind === 'single') {
    if (!isJsonRecord(value)) {
      throw errors.badRequest(
        `A node of type '${nodeType(value)}' was read from the JSON reader when trying to read the contents of the navigation property '${name}'; however, a 'StartObject' node was expected.`,
      );
    }
    payload.deepSingles.push({ navigation, body: value });
    return;
  }
  if (!Array.isArray(value) || !value.every(isJsonRecord)) {
    throw errors.badRequest(
      `A node of type '${nodeType(value)}' was read from the JSON reader when trying to read the contents of the navigation property '${name}'; however, a 'StartArray' node was expected.`,
    );
  }
  payload.deepCollections.push({ navigation, bodies: value });
}

function nodeType(value: JsonValue): string {
  if (Array.isArray(value)) return 'StartArray';
  if (value !== null && typeof value === 'object') return 'StartObject';
  return 'PrimitiveValue';
}

function bindShape(property: string) {
  return errors.badRequest(
    `The value of the '${property}@odata.bind' annotation must be a URL of an entity (a string), or an array of them for a collection.`,
  );
}

function cannotConvert(value: JsonValue, type: string) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return errors.badRequest(`Cannot convert the literal '${text}' to the expected type '${type}'.`);
}

/** Converts and validates one JSON value for a column. */
export function convert(model: EntityModel, attribute: AttributeDef, value: JsonValue): Value {
  const entity = model.def.logicalName;
  const name = attribute.logicalName;
  const edm = edmTypeOf(attribute);
  switch (attribute.type) {
    case 'String':
    case 'Memo': {
      if (typeof value !== 'string') throw cannotConvert(value, edm);
      if (value.length > attribute.maxLength) {
        throw errors.validation(
          `The length of the '${name}' attribute of the '${entity}' entity exceeded the maximum allowed length of '${attribute.maxLength}'.`,
        );
      }
      return value;
    }
    case 'Integer':
    case 'BigInt': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw cannotConvert(value, edm);
      if (attribute.type === 'Integer' && (value < attribute.min || value > attribute.max))
        throw outOfRange(value, name, entity, attribute.min, attribute.max);
      return value;
    }
    case 'Decimal':
    case 'Money': {
      const number = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) throw cannotConvert(value, edm);
      if (number < attribute.min || number > attribute.max)
        throw outOfRange(number, name, entity, attribute.min, attribute.max);
      const factor = 10 ** attribute.precision;
      return Math.round(number * factor) / factor;
    }
    case 'Boolean':
      if (typeof value !== 'boolean') throw cannotConvert(value, edm);
      return value;
    case 'DateTime': {
      if (typeof value !== 'string') throw cannotConvert(value, edm);
      if (attribute.format === 'DateOnly') {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
          throw cannotConvert(value, edm);
        }
        return value;
      }
      if (
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
        Number.isNaN(Date.parse(value))
      ) {
        throw cannotConvert(value, edm);
      }
      return toDataverseDateTime(new Date(value));
    }
    case 'Picklist':
    case 'State':
    case 'Status': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw cannotConvert(value, edm);
      if (!attribute.options.some((o) => o.value === value)) {
        throw errors.validation(
          `The value ${value} of '${name}' on record of type '${entity}' is outside the valid range. Accepted Values: ${attribute.options.map((o) => o.value).join(',')}`,
        );
      }
      return value;
    }
    case 'Uniqueidentifier':
      if (typeof value !== 'string' || !isGuid(value)) throw cannotConvert(value, edm);
      return value.toLowerCase();
    case 'Lookup':
    case 'Customer':
    case 'Owner':
      throw errors.directLookupUpdate();
  }
}

function outOfRange(value: number, name: string, entity: string, min: number, max: number) {
  return errors.validation(
    `The value ${value} of '${name}' on record of type '${entity}' is outside the valid range. Accepted range: ${min} to ${max}`,
  );
}
