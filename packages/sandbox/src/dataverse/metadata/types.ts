/**
 * Typed table (entity) metadata: what the simulator knows about each Dataverse table. Names follow
 * the real service (logical names, entity set names, `_x_value` lookups, relationship schema names
 * used as collection-valued navigation property names).
 */

export type RequiredLevel = 'None' | 'ApplicationRequired' | 'SystemRequired';

export interface OptionDef {
  value: number;
  label: string;
}

/** A statuscode option belongs to one statecode. */
export interface StatusOptionDef extends OptionDef {
  state: number;
}

/** A statecode option names the statuscode a record gets when it enters that state. */
export interface StateOptionDef extends OptionDef {
  defaultStatus: number;
}

/** What deleting the referenced row does to referencing rows (`NoCascade`: nothing, system columns). */
export type CascadeDelete = 'Cascade' | 'Restrict' | 'RemoveLink' | 'NoCascade';

/** One table a lookup column may point to (a customer lookup has two). */
export interface LookupTarget {
  entity: string;
  /** Single-valued navigation property on the referencing table, e.g. `customerid_account`. */
  navigation: string;
  /** Relationship schema name; also the collection-valued navigation property on the target. */
  relationship: string;
  cascadeDelete: CascadeDelete;
}

interface AttributeCommon {
  logicalName: string;
  displayName: string;
  requiredLevel: RequiredLevel;
  /** False for columns the platform computes (createdon, fullname, productnumber on lines). */
  validForCreate: boolean;
  /** False for columns that cannot change after create (ordernumber, quotenumber). */
  validForUpdate: boolean;
  /** False for write-only columns (serviceendpoint.authvalue): never returned, not selectable. */
  validForRead: boolean;
  /** A column a solution added (`IsCustomAttribute`), e.g. `mlc_erpordernumber` of ours. */
  custom?: { schemaName: string };
}

export type StringFormat = 'Text' | 'Email' | 'Url' | 'Phone';

export type AttributeDef =
  | (AttributeCommon & { type: 'String'; maxLength: number; format: StringFormat })
  | (AttributeCommon & { type: 'Memo'; maxLength: number })
  | (AttributeCommon & { type: 'Integer'; min: number; max: number })
  | (AttributeCommon & { type: 'BigInt' })
  | (AttributeCommon & { type: 'Decimal'; precision: number; min: number; max: number })
  | (AttributeCommon & { type: 'Money'; precision: number; min: number; max: number })
  | (AttributeCommon & { type: 'Boolean'; trueLabel: string; falseLabel: string })
  | (AttributeCommon & { type: 'DateTime'; format: 'DateAndTime' | 'DateOnly' })
  | (AttributeCommon & { type: 'Picklist'; options: OptionDef[] })
  | (AttributeCommon & { type: 'State'; options: StateOptionDef[] })
  | (AttributeCommon & { type: 'Status'; options: StatusOptionDef[] })
  | (AttributeCommon & { type: 'Lookup' | 'Customer' | 'Owner'; targets: LookupTarget[] })
  | (AttributeCommon & { type: 'Uniqueidentifier'; primaryKey: boolean });

export type AttributeType = AttributeDef['type'];
export type LookupAttributeDef = Extract<AttributeDef, { type: 'Lookup' | 'Customer' | 'Owner' }>;

export type OwnershipType = 'UserOwned' | 'OrganizationOwned' | 'BusinessOwned';

export interface EntityDef {
  logicalName: string;
  schemaName: string;
  entitySetName: string;
  displayName: string;
  primaryIdAttribute: string;
  primaryNameAttribute: string;
  ownership: OwnershipType;
  objectTypeCode: number;
  changeTrackingEnabled: boolean;
  /** Columns, in the order responses list them. */
  attributes: AttributeDef[];
  /** Automatic numbering of a column on create (ordernumber, quotenumber). */
  autoNumber?: { attribute: string; prefix: string };
}

export function isLookup(attribute: AttributeDef): attribute is LookupAttributeDef {
  return attribute.type === 'Lookup' || attribute.type === 'Customer' || attribute.type === 'Owner';
}

/** `customerid` → `_customerid_value`, the name a lookup has in Web API payloads. */
export function lookupPropertyName(attribute: string): string {
  return `_${attribute}_value`;
}

/** The OData (EDM) type a column has in the Web API's model. */
export function edmTypeOf(attribute: AttributeDef): EdmType {
  switch (attribute.type) {
    case 'String':
    case 'Memo':
      return 'Edm.String';
    case 'Integer':
    case 'Picklist':
    case 'State':
    case 'Status':
      return 'Edm.Int32';
    case 'BigInt':
      return 'Edm.Int64';
    case 'Decimal':
    case 'Money':
      return 'Edm.Decimal';
    case 'Boolean':
      return 'Edm.Boolean';
    case 'DateTime':
      return attribute.format === 'DateOnly' ? 'Edm.Date' : 'Edm.DateTimeOffset';
    case 'Lookup':
    case 'Customer':
    case 'Owner':
    case 'Uniqueidentifier':
      return 'Edm.Guid';
  }
}

export type EdmType =
  | 'Edm.String'
  | 'Edm.Int32'
  | 'Edm.Int64'
  | 'Edm.Decimal'
  | 'Edm.Double'
  | 'Edm.Boolean'
  | 'Edm.DateTimeOffset'
  | 'Edm.Date'
  | 'Edm.Guid';
