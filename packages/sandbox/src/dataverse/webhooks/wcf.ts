import type { AttributeDef } from '../metadata/types';
import { isEntityRef, type Value } from '../store/types';

/**
 * The WCF DataContract JSON the platform serialises a `RemoteExecutionContext` with: collections
 * as `[{"key","value"}]`, typed values with `__type` (`Entity`, `EntityReference`,
 * `OptionSetValue`, `Money`), dates as `\/Date(ms)\/` (UTC) or `\/Date(ms±hhmm)\/` (local time),
 * and every `/` in strings escaped as `\/` (DataContractJsonSerializer does that).
 */

export type Wcf = null | string | number | boolean | Wcf[] | { [key: string]: Wcf };
export type WcfObject = { [key: string]: Wcf };

export interface KeyValue {
  key: string;
  value: Wcf;
}

const CONTRACTS = 'http://schemas.microsoft.com/xrm/2011/Contracts';
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

export function keyValue(key: string, value: Wcf): WcfObject {
  return { key, value };
}

/** `\/Date(1506384247000)\/` for a UTC instant (the escapes are added by `serializeWcf`). */
export function wcfDate(ms: number): string {
  return `/Date(${ms})/`;
}

/** `\/Date(1506409448000+0000)\/`: a local-time DateTime; the sandbox's servers run on UTC. */
export function wcfLocalDate(ms: number): string {
  return `/Date(${ms}+0000)/`;
}

export function entityReference(logicalName: string, id: string, name: string | null = null): WcfObject {
  return {
    __type: `EntityReference:${CONTRACTS}`,
    Id: id,
    KeyAttributes: [],
    LogicalName: logicalName,
    Name: name,
    RowVersion: null,
  };
}

export function optionSetValue(value: number): WcfObject {
  return { __type: `OptionSetValue:${CONTRACTS}`, Value: value };
}

export function money(value: number): WcfObject {
  return { __type: `Money:${CONTRACTS}`, Value: value };
}

/**
 * An `Entity`. `typed` adds the `__type` (InputParameters' Target has it; the sample's post image
 * has none).
 */
export function entity(
  logicalName: string,
  id: string,
  attributes: ReadonlyArray<readonly [string, Wcf]>,
  typed: boolean,
): WcfObject {
  return {
    ...(typed ? { __type: `Entity:${CONTRACTS}` } : {}),
    Attributes: attributes.map(([key, value]) => keyValue(key, value)),
    EntityState: null,
    FormattedValues: [],
    Id: id,
    KeyAttributes: [],
    LogicalName: logicalName,
    RelatedEntities: [],
    RowVersion: null,
  };
}

/** A stored column value in its WCF shape. */
export function attributeValue(attribute: AttributeDef | undefined, value: Value | null | undefined): Wcf {
  if (value === undefined || value === null) return null;
  if (isEntityRef(value)) return entityReference(value.logicalName, value.id);
  switch (attribute?.type) {
    case 'Money':
      return typeof value === 'number' ? money(value) : null;
    case 'Picklist':
    case 'State':
    case 'Status':
      return typeof value === 'number' ? optionSetValue(value) : null;
    case 'DateTime': {
      if (typeof value !== 'string') return null;
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
      return Number.isNaN(ms) ? value : wcfDate(ms);
    }
    default:
      return value;
  }
}

/** JSON text as DataContractJsonSerializer writes it (`/` escaped everywhere; all `/` are in strings). */
export function serializeWcf(value: Wcf): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}
