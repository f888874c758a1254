import { enumType } from './enums';
import type { EntityDef, NavigationDef, PropertyDef, Value, ValueKind } from './types';

export const EMPTY_DATE = '1900-01-01T12:00:00Z';
export const EMPTY_DATETIME = '1900-01-01T00:00:00Z';
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

export interface EntitySpec {
  entitySet: string;
  typeName: string;
  aotName: string;
  tableLabel: string;
  keys: readonly string[];
  /** `Name:Type` per line, `!` = non-nullable (the format of the reference extract). */
  properties: string;
  /** DateTimeOffset properties that are AX UtcDateTime; every other one is an AX Date. */
  utcDateTimes?: readonly string[];
  serviceAssigned?: readonly string[];
  required?: readonly string[];
  navigations?: readonly NavigationDef[];
}

const PRIMITIVE_KINDS: Record<string, ValueKind> = {
  String: 'string',
  Guid: 'guid',
  Decimal: 'decimal',
  Int32: 'int32',
  Int64: 'int64',
};

/** Parses one `Name:Type[!]` list into property definitions. */
export function parsePropertyList(text: string): { name: string; type: string; nullable: boolean }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const match = /^([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9_]+)(!?)$/.exec(line);
      if (!match?.[1] || !match[2]) throw new Error(`bad property line: ${line}`);
      return { name: match[1], type: match[2], nullable: match[3] !== '!' };
    });
}

export function defineEntity(spec: EntitySpec): EntityDef {
  const utc = new Set(spec.utcDateTimes ?? []);
  const assigned = new Set(spec.serviceAssigned ?? []);
  const required = new Set(spec.required ?? []);
  const parsed = parsePropertyList(spec.properties).map(({ name, type, nullable }): PropertyDef => {
    const base = { name, type, nullable, serviceAssigned: assigned.has(name), required: required.has(name) };
    if (type === 'DateTimeOffset') {
      const kind = utc.has(name) ? 'datetime' : 'date';
      return { ...base, kind, empty: kind === 'date' ? EMPTY_DATE : EMPTY_DATETIME };
    }
    const primitive = PRIMITIVE_KINDS[type];
    if (primitive) return { ...base, kind: primitive, empty: emptyOf(primitive) };
    const enumDef = enumType(type);
    if (!enumDef) throw new Error(`${spec.entitySet}.${name}: unknown enum type ${type}`);
    const first = enumDef.members[0];
    if (!first) throw new Error(`enum ${type} has no members`);
    return { ...base, kind: 'enum', enumType: enumDef, empty: first.name };
  });

  const byName = new Map(parsed.map((property) => [property.name, property]));
  for (const key of spec.keys) {
    if (!byName.has(key)) throw new Error(`${spec.entitySet}: key ${key} is not a property`);
  }
  for (const name of [...utc, ...assigned, ...required]) {
    if (!byName.has(name)) throw new Error(`${spec.entitySet}: ${name} is not a property`);
  }
  const keySet = new Set(spec.keys);
  const properties = [
    ...spec.keys.map((key) => byName.get(key) as PropertyDef),
    ...parsed.filter((property) => !keySet.has(property.name)).sort((a, b) => compareNames(a.name, b.name)),
  ];
  const navigations = spec.navigations ?? [];
  const navByName = new Map(navigations.map((nav) => [nav.name, nav]));

  return {
    entitySet: spec.entitySet,
    typeName: spec.typeName,
    aotName: spec.aotName,
    tableLabel: spec.tableLabel,
    keys: spec.keys,
    companySpecific: keySet.has('dataAreaId'),
    properties,
    property: (name) => byName.get(name),
    navigations,
    navigation: (name) => navByName.get(name),
  };
}

function emptyOf(kind: ValueKind): Value {
  switch (kind) {
    case 'decimal':
    case 'int32':
    case 'int64':
      return 0;
    case 'guid':
      return EMPTY_GUID;
    default:
      return '';
  }
}

/** Ordinal comparison, as the reference extract sorts (upper case before lower case). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
