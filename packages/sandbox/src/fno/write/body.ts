import { badRequestBody } from '../errors';
import { enumMember } from '../metadata/enums';
import type { EntityDef, PropertyDef, Value } from '../metadata/types';
import { NAMESPACE } from '../metadata/types';
import { parseInstant, toDateOnly, toUtcDateTime } from '../wire';

/** Values a request body supplied, converted to stored form; service-assigned ones are dropped. */
export type Provided = Record<string, Value>;

/**
 * Reads a POST/PATCH/PUT body the way ODataLib deserialises it: a JSON object whose properties
 * must exist on the type, with values of the property's type. Annotations (`@odata.type`, …) are
 * ignored. Dates are normalised to the wire form (AX Dates at 12:00:00Z); `null` on a nullable
 * string becomes `""` (X++ has no null).
 */
export function parseEntityBody(def: EntityDef, body: Buffer): Provided {
  const text = body.toString('utf8').trim();
  if (text.length === 0) throw badRequestBody('The request entity is empty.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badRequestBody('Invalid JSON. The request body could not be parsed as JSON.');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw badRequestBody(
      "An unexpected 'StartArray' node was found when reading from the JSON reader. A 'StartObject' node was expected.",
    );
  }
  const provided: Provided = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name.includes('@')) continue;
    const property = def.property(name);
    if (!property) {
      if (def.navigation(name)) {
        // Deep insert of lines inside a header is not supported by F&O (fno.md §5, UNCONFIRMED).
        throw badRequestBody(`Deep insert through the navigation property '${name}' is not supported.`);
      }
      throw badRequestBody(
        `The property '${name}' does not exist on type '${NAMESPACE}.${def.typeName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
    const value = convert(property, raw);
    if (property.serviceAssigned) continue;
    provided[name] = value;
  }
  return provided;
}

function convert(property: PropertyDef, raw: unknown): Value {
  const edm = property.enumType ? `${NAMESPACE}.${property.enumType.name}` : `Edm.${property.type}`;
  const invalid = (): never => {
    throw badRequestBody(`Cannot convert the literal '${String(raw)}' to the expected type '${edm}'.`);
  };
  if (raw === null) {
    if (!property.nullable) {
      throw badRequestBody(
        `A null value was found for the property named '${property.name}', which has the expected type '${edm}[Nullable=False]'. The expected type '${edm}[Nullable=False]' does not allow null values.`,
      );
    }
    return property.empty;
  }
  switch (property.kind) {
    case 'string':
      return typeof raw === 'string' ? raw : invalid();
    case 'guid':
      return typeof raw === 'string' &&
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)
        ? raw.toLowerCase()
        : invalid();
    case 'decimal':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : invalid();
    case 'int32':
      return typeof raw === 'number' && Number.isInteger(raw) && Math.abs(raw) <= 2_147_483_647
        ? raw
        : invalid();
    case 'int64':
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? raw : invalid();
    case 'enum': {
      if (typeof raw !== 'string' || !property.enumType) return invalid();
      const member = enumMember(property.enumType, raw);
      if (member === undefined) {
        throw badRequestBody(`The value '${raw}' is not a valid member of the enumeration type '${edm}'.`);
      }
      return member;
    }
    case 'date':
    case 'datetime': {
      if (typeof raw !== 'string') return invalid();
      const instant = parseInstant(raw);
      if (!instant) return invalid();
      return property.kind === 'date' ? toDateOnly(instant) : toUtcDateTime(instant);
    }
  }
}
