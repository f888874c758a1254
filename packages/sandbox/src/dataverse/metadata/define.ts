import { primaryKey, systemColumns } from './columns';
import type { AttributeDef, EntityDef, OwnershipType } from './types';

export interface TableSpec {
  logicalName: string;
  schemaName: string;
  entitySetName: string;
  displayName: string;
  primaryNameAttribute: string;
  ownership: OwnershipType;
  objectTypeCode: number;
  changeTrackingEnabled: boolean;
  columns: AttributeDef[];
  autoNumber?: { attribute: string; prefix: string };
}

/** A table: its primary key first, then its own columns, then the system columns of its ownership. */
export function defineTable(spec: TableSpec): EntityDef {
  const primaryIdAttribute = `${spec.logicalName}id`;
  const definition: EntityDef = {
    logicalName: spec.logicalName,
    schemaName: spec.schemaName,
    entitySetName: spec.entitySetName,
    displayName: spec.displayName,
    primaryIdAttribute,
    primaryNameAttribute: spec.primaryNameAttribute,
    ownership: spec.ownership,
    objectTypeCode: spec.objectTypeCode,
    changeTrackingEnabled: spec.changeTrackingEnabled,
    attributes: [
      primaryKey(primaryIdAttribute),
      ...spec.columns,
      ...systemColumns(spec.logicalName, spec.entitySetName, spec.ownership),
    ],
  };
  if (spec.autoNumber) definition.autoNumber = spec.autoNumber;
  return definition;
}
