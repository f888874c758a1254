import type { Metadata } from '../metadata/registry';
import type { StoredRow } from '../store/types';
import {
  attributeValue,
  entity,
  entityReference,
  type KeyValue,
  keyValue,
  serializeWcf,
  type Wcf,
  type WcfObject,
  wcfLocalDate,
} from './wcf';

/**
 * Builds the `RemoteExecutionContext` a webhook receives, key for key as the documented sample
 * (`shared/samples/dataverse-webhook/update_contact_from_msdocs.json`): DataContract order
 * (alphabetical), `{"key","value"}` collections, typed values, WCF dates.
 */

/** What one execution of a message looked like (the platform's pipeline context). */
export interface ExecutionInfo {
  messageName: string;
  primaryEntityName: string;
  primaryEntityId: string;
  inputParameters: KeyValue[];
  outputParameters: KeyValue[];
  preEntityImages: KeyValue[];
  postEntityImages: KeyValue[];
  sharedVariables: KeyValue[];
  stage: number;
}

/** What every context of one operation shares. */
export interface OperationInfo {
  businessUnitId: string;
  correlationId: string;
  depth: number;
  userId: string;
  operationCreatedOn: Date;
  /** The system job (`asyncoperation`) id of the delivery. */
  operationId: string;
  organizationId: string;
  organizationName: string;
  /** The step (`sdkmessageprocessingstep`) id. */
  stepId: string;
}

export function executionContext(
  execution: ExecutionInfo,
  operation: OperationInfo,
  parent: WcfObject | null,
): WcfObject {
  return {
    BusinessUnitId: operation.businessUnitId,
    CorrelationId: operation.correlationId,
    Depth: operation.depth,
    InitiatingUserId: operation.userId,
    InputParameters: list(execution.inputParameters),
    IsExecutingOffline: false,
    IsInTransaction: false,
    IsOfflinePlayback: false,
    IsolationMode: 1,
    MessageName: execution.messageName,
    Mode: 1,
    OperationCreatedOn: wcfLocalDate(operation.operationCreatedOn.getTime()),
    OperationId: operation.operationId,
    OrganizationId: operation.organizationId,
    OrganizationName: operation.organizationName,
    OutputParameters: list(execution.outputParameters),
    OwningExtension: {
      Id: operation.stepId,
      KeyAttributes: [],
      LogicalName: 'sdkmessageprocessingstep',
      Name: null,
      RowVersion: null,
    },
    ParentContext: parent,
    PostEntityImages: list(execution.postEntityImages),
    PreEntityImages: list(execution.preEntityImages),
    PrimaryEntityId: execution.primaryEntityId,
    PrimaryEntityName: execution.primaryEntityName,
    RequestId: null,
    SecondaryEntityName: 'none',
    SharedVariables: list(execution.sharedVariables),
    Stage: execution.stage,
    UserId: operation.userId,
  };
}

function list(items: readonly KeyValue[]): Wcf[] {
  return items.map((item) => keyValue(item.key, item.value));
}

/** The columns a Target never carries (internal bookkeeping). */
const HIDDEN = new Set(['versionnumber']);
const SYSTEM_UPDATE_COLUMNS = ['modifiedon', 'modifiedby', 'versionnumber'];

/** `Target` of a Create: every column of the new row. */
export function createTarget(metadata: Metadata, row: StoredRow, logicalName: string): WcfObject {
  const model = metadata.entity(logicalName);
  const attributes: Array<[string, Wcf]> = [];
  for (const [name, value] of Object.entries(row.values)) {
    if (HIDDEN.has(name)) continue;
    attributes.push([name, attributeValue(model.attributes.get(name), value)]);
  }
  return entity(logicalName, row.id, attributes, true);
}

/**
 * `Target` of an Update: the changed columns, the primary key, then `modifiedon`, `modifiedby`
 * and `modifiedonbehalfby` (null), in the sample's order.
 */
export function updateTarget(
  metadata: Metadata,
  row: StoredRow,
  logicalName: string,
  changedColumns: readonly string[],
  system: boolean,
): WcfObject {
  const model = metadata.entity(logicalName);
  const pk = model.def.primaryIdAttribute;
  const attributes: Array<[string, Wcf]> = [];
  for (const name of changedColumns) {
    if (name === pk || SYSTEM_UPDATE_COLUMNS.includes(name)) continue;
    attributes.push([name, attributeValue(model.attributes.get(name), row.values[name])]);
  }
  attributes.push([pk, row.id]);
  if (system) {
    attributes.push([
      'modifiedon',
      attributeValue(model.attributes.get('modifiedon'), row.values['modifiedon']),
    ]);
    attributes.push([
      'modifiedby',
      attributeValue(model.attributes.get('modifiedby'), row.values['modifiedby']),
    ]);
    attributes.push(['modifiedonbehalfby', null]);
  }
  return entity(logicalName, row.id, attributes, true);
}

/** The image async steps get: the row's primary name and key (`AsynchronousStepPrimaryName`). */
export function primaryNameImage(metadata: Metadata, row: StoredRow, logicalName: string): KeyValue {
  const def = metadata.entity(logicalName).def;
  const name = row.values[def.primaryNameAttribute];
  return {
    key: 'AsynchronousStepPrimaryName',
    value: entity(
      logicalName,
      row.id,
      [
        [def.primaryNameAttribute, typeof name === 'string' ? name : null],
        [def.primaryIdAttribute, row.id],
      ],
      false,
    ),
  };
}

/**
 * A registered image (`sdkmessageprocessingstepimages`): the row's values of `columns` (every
 * column when empty, `versionnumber` included), the primary key always, as `{key: alias, value:
 * Entity}`. Columns without a value are left out, as a Retrieve leaves them out; no `__type`, as
 * the sample's image.
 */
export function entityImage(
  metadata: Metadata,
  row: StoredRow,
  logicalName: string,
  alias: string,
  columns: readonly string[],
): KeyValue {
  const model = metadata.entity(logicalName);
  const pk = model.def.primaryIdAttribute;
  const names = columns.length > 0 ? [...columns] : Object.keys(row.values);
  if (!names.includes(pk)) names.push(pk);
  const attributes: Array<[string, Wcf]> = [];
  for (const name of names) {
    const value = name === pk ? row.id : row.values[name];
    if (value === undefined) continue;
    attributes.push([name, attributeValue(model.attributes.get(name), value)]);
  }
  return { key: alias, value: entity(logicalName, row.id, attributes, false) };
}

export function targetReference(logicalName: string, id: string): WcfObject {
  return entityReference(logicalName, id);
}

/** `ChangedEntityTypes`, the shared variable the sample's parent context carries. */
export function changedEntityTypes(changes: ReadonlyArray<readonly [string, string]>): KeyValue {
  return {
    key: 'ChangedEntityTypes',
    value: changes.map(([entityName, message]) => ({
      __type: 'KeyValuePairOfstringstring:#System.Collections.Generic',
      key: entityName,
      value: message,
    })),
  };
}

/** Payloads above this many bytes lose their parameters, images and parent context. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
const REMOVED_WHEN_TOO_LARGE = ['ParentContext', 'InputParameters', 'PreEntityImages', 'PostEntityImages'];

/**
 * The body as sent: the serialised context, or, above `maxBytes`, the context without
 * `ParentContext`, `InputParameters` and the images (and `sizeExceeded` set, for the header).
 */
export function webhookBody(
  context: WcfObject,
  maxBytes: number = MAX_MESSAGE_BYTES,
): { body: Buffer; sizeExceeded: boolean } {
  const full = Buffer.from(serializeWcf(context), 'utf8');
  if (full.length <= maxBytes) return { body: full, sizeExceeded: false };
  const reduced: WcfObject = {};
  for (const [key, value] of Object.entries(context)) {
    if (!REMOVED_WHEN_TOO_LARGE.includes(key)) reduced[key] = value;
  }
  return { body: Buffer.from(serializeWcf(reduced), 'utf8'), sizeExceeded: true };
}
