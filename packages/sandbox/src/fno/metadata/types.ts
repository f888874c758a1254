/** OData namespace of every F&O entity type and enum type. */
export const NAMESPACE = 'Microsoft.Dynamics.DataEntities';

/** Primitive Edm types that occur on the served entities (the reference extract has no others). */
export type PrimitiveType = 'String' | 'Decimal' | 'Int32' | 'Int64' | 'DateTimeOffset' | 'Guid';

/**
 * How a property's value is held and put on the wire:
 * - `string`, `guid`: JSON strings (`""` when empty, never null);
 * - `decimal`, `int32`, `int64`: JSON numbers;
 * - `enum`: the member name as a JSON string;
 * - `date`: an AX Date, a DateTimeOffset at `T12:00:00Z` (empty = `1900-01-01T12:00:00Z`);
 * - `datetime`: an AX UtcDateTime, a DateTimeOffset with a real time (empty = `1900-01-01T00:00:00Z`).
 */
export type ValueKind = 'string' | 'guid' | 'decimal' | 'int32' | 'int64' | 'enum' | 'date' | 'datetime';

/** A value as stored and as sent: strings (incl. dates and enum members) or numbers. */
export type Value = string | number;

export interface EnumDef {
  name: string;
  members: readonly { name: string; value: number }[];
}

export interface PropertyDef {
  name: string;
  /** `String`, `Decimal`, …, or the enum type name (e.g. `NoYes`). */
  type: string;
  kind: ValueKind;
  /** Set for `kind === 'enum'`. */
  enumType?: EnumDef;
  nullable: boolean;
  /** Computed or assigned by the service; a value in a request body is ignored. */
  serviceAssigned: boolean;
  /** Annotated `IsRequired=true` in the real metadata. */
  required: boolean;
  /** Value of a row that never set it (the AX field's empty value, in wire form). */
  empty: Value;
}

export interface NavigationDef {
  name: string;
  /** Entity set the navigation leads to. */
  target: string;
  collection: boolean;
  /** Property of this entity → property of the target that must be equal. */
  on: readonly (readonly [from: string, to: string])[];
}

export interface EntityDef {
  /** Public collection name, e.g. `CustomersV3`. */
  entitySet: string;
  /** Public entity (type) name, e.g. `CustomerV3`. */
  typeName: string;
  /** AOT entity name, used in Infolog messages, e.g. `CustCustomerV3Entity`. */
  aotName: string;
  /** Label of the table behind the entity, used in Infolog messages, e.g. `Customer groups (CustGroup)`. */
  tableLabel: string;
  /** Key properties in their canonical order (`dataAreaId` first for company-specific entities). */
  keys: readonly string[];
  /** Company-specific entities carry `dataAreaId`; shared ones (LegalEntities, ProductsV2, …) do not. */
  companySpecific: boolean;
  /** Properties in wire order: keys first, then the rest alphabetically. */
  properties: readonly PropertyDef[];
  property(name: string): PropertyDef | undefined;
  navigations: readonly NavigationDef[];
  navigation(name: string): NavigationDef | undefined;
}
