import { z } from 'zod';
import { ConnectorError } from '../core/errors';
import { bodyAsJson, parseWcfDate } from '../core/wire';
import { schemaMismatch } from '../http/errors';
import { parseRowVersion } from './row-version';

/**
 * `parseRemoteExecutionContext(body, headers)`: a Dataverse webhook body (a serialised
 * `RemoteExecutionContext`, DataContract JSON) → a typed event.
 *
 * Attribute values are converted from their WCF shapes:
 * - `EntityReference` → `{ logicalName, id, name }`
 * - `OptionSetValue`, `Money`, and any other typed wrapper with a `Value` → that value
 * - `/Date(ms)/` and `/Date(ms±hhmm)/` → ISO 8601 (UTC) strings
 * - `EntityCollection` and arrays (multi-select choices) → arrays of converted values
 * - `Entity` → `{ logicalName, id, attributes }`
 * - plain values as they are.
 *
 * `postImageVersion` is the record's `versionnumber` after the operation, from a post image that
 * carries it (the connector registers `mlc_post` with it, see `setup.ts`): a decimal string, exact
 * for any 64-bit value (a number beyond 2^53 is no version at all rather than a rounded one).
 *
 * Unknown extra keys are ignored. When the message exceeded 256 KB, Dataverse sends the header
 * `x-ms-dynamics-msg-size-exceeded` and drops `InputParameters`, `ParentContext` and the images:
 * the event then has `truncated: true` and no target; read the record by its id instead.
 */
export interface EntityReferenceValue {
  logicalName: string;
  id: string;
  name: string | null;
}

export interface EntityValue {
  logicalName: string;
  id: string | null;
  attributes: Record<string, AttributeValue>;
}

export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | EntityReferenceValue
  | EntityValue
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export interface RemoteExecutionEvent {
  messageName: string;
  primaryEntityName: string;
  primaryEntityId: string;
  /** `undefined` when Dataverse says `none`. */
  secondaryEntityName: string | undefined;
  /** 10 pre-validation, 20 pre-operation, 30 main operation, 40 post-operation. */
  stage: number;
  /** 0 synchronous, 1 asynchronous. */
  mode: number;
  depth: number;
  correlationId: string;
  requestId: string | undefined;
  operationId: string | undefined;
  /** ISO 8601. */
  operationCreatedOn: string | undefined;
  initiatingUserId: string;
  userId: string;
  businessUnitId: string | undefined;
  organizationId: string;
  organizationName: string;
  /** The step (`sdkmessageprocessingstep`) that sent this. */
  owningExtension: EntityReferenceValue | undefined;
  /** `InputParameters.Target`: the entity (Create/Update) or a reference to it (Delete, ...). */
  target: EntityValue | EntityReferenceValue | undefined;
  /** The Target's attributes: for Update, the changed columns (plus system columns). */
  changedAttributes: Record<string, AttributeValue>;
  /** Every input parameter, converted (Target included). */
  inputParameters: Record<string, AttributeValue>;
  preImages: Record<string, EntityValue>;
  postImages: Record<string, EntityValue>;
  /** Attributes of the post images merged (first image wins on a clash); `undefined` without images. */
  postImageAttributes: Record<string, AttributeValue> | undefined;
  /**
   * `versionnumber` of the record after the operation (decimal string), from the first post image
   * that has it; `undefined` without one (no such image registered, Delete, truncated message).
   */
  postImageVersion: string | undefined;
  /** The message exceeded 256 KB: parameters and images were left out by Dataverse. */
  truncated: boolean;
}

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
const guid = z
  .string()
  .regex(GUID, 'expected a GUID')
  .transform((value) => value.replace(/[{}]/g, '').toLowerCase());

const keyValueList = z.array(z.object({ key: z.string(), value: z.unknown() }));

const entityReferenceWire = z.looseObject({
  Id: guid,
  LogicalName: z.string(),
  Name: z.string().nullish(),
});

const contextWire = z.looseObject({
  MessageName: z.string().min(1),
  PrimaryEntityName: z.string().min(1),
  PrimaryEntityId: guid,
  SecondaryEntityName: z.string().nullish(),
  Stage: z.number().int(),
  Mode: z.number().int(),
  Depth: z.number().int(),
  CorrelationId: guid,
  RequestId: guid.nullish(),
  OperationId: guid.nullish(),
  OperationCreatedOn: z.string().nullish(),
  InitiatingUserId: guid,
  UserId: guid,
  BusinessUnitId: guid.nullish(),
  OrganizationId: guid,
  OrganizationName: z.string(),
  OwningExtension: entityReferenceWire.nullish(),
  InputParameters: keyValueList.nullish(),
  PreEntityImages: keyValueList.nullish(),
  PostEntityImages: keyValueList.nullish(),
});

const SIZE_EXCEEDED_HEADER = 'x-ms-dynamics-msg-size-exceeded';

export function parseRemoteExecutionContext(
  body: unknown,
  headers: Readonly<Record<string, string | undefined>> = {},
): RemoteExecutionEvent {
  const what = 'The Dataverse webhook body (RemoteExecutionContext)';
  const parsed = contextWire.safeParse(bodyAsJson(body, what));
  if (!parsed.success) throw schemaMismatch(what, parsed.error);
  const wire = parsed.data;

  const sizeExceeded = Object.keys(headers).some(
    (name) => name.toLowerCase() === SIZE_EXCEEDED_HEADER && headers[name] !== undefined,
  );
  const truncated = sizeExceeded || wire.InputParameters == null;

  const inputParameters = truncated ? {} : keyValuesToRecord(wire.InputParameters ?? []);
  const rawTarget = truncated
    ? undefined
    : wire.InputParameters?.find((item) => item.key === 'Target')?.value;
  const target = rawTarget === undefined || rawTarget === null ? undefined : convertTarget(rawTarget);
  const preImages = truncated ? {} : imagesToRecord(wire.PreEntityImages ?? [], 'PreEntityImages');
  const postImages = truncated ? {} : imagesToRecord(wire.PostEntityImages ?? [], 'PostEntityImages');
  const postImageList = Object.values(postImages);

  return {
    messageName: wire.MessageName,
    primaryEntityName: wire.PrimaryEntityName,
    primaryEntityId: wire.PrimaryEntityId,
    secondaryEntityName:
      wire.SecondaryEntityName && wire.SecondaryEntityName !== 'none' ? wire.SecondaryEntityName : undefined,
    stage: wire.Stage,
    mode: wire.Mode,
    depth: wire.Depth,
    correlationId: wire.CorrelationId,
    requestId: wire.RequestId ?? undefined,
    operationId: wire.OperationId ?? undefined,
    operationCreatedOn: wire.OperationCreatedOn
      ? dateOrThrow(wire.OperationCreatedOn, 'OperationCreatedOn')
      : undefined,
    // Lower case, as WhoAmI ids are kept: GUIDs compare case-insensitively.
    initiatingUserId: wire.InitiatingUserId.toLowerCase(),
    userId: wire.UserId.toLowerCase(),
    businessUnitId: wire.BusinessUnitId ?? undefined,
    organizationId: wire.OrganizationId,
    organizationName: wire.OrganizationName,
    owningExtension: wire.OwningExtension
      ? {
          logicalName: wire.OwningExtension.LogicalName,
          id: wire.OwningExtension.Id,
          name: wire.OwningExtension.Name ?? null,
        }
      : undefined,
    target,
    changedAttributes: target && 'attributes' in target ? target.attributes : {},
    inputParameters,
    preImages,
    postImages,
    postImageAttributes: postImageList.length === 0 ? undefined : mergeAttributes(postImageList),
    postImageVersion: versionOf(postImageList),
    truncated,
  };
}

function versionOf(images: readonly EntityValue[]): string | undefined {
  for (const image of images) {
    const version = parseRowVersion(image.attributes['versionnumber']);
    if (version !== undefined) return version;
  }
  return undefined;
}

function mergeAttributes(images: readonly EntityValue[]): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const image of images) {
    for (const [key, value] of Object.entries(image.attributes)) if (!(key in out)) out[key] = value;
  }
  return out;
}

function dateOrThrow(text: string, field: string): string {
  const iso =
    parseWcfDate(text) ?? (Number.isNaN(Date.parse(text)) ? undefined : new Date(text).toISOString());
  if (!iso) {
    throw new ConnectorError(
      'schema_mismatch',
      `The Dataverse webhook body has an unreadable date in ${field}: "${text}".`,
    );
  }
  return iso;
}

function convertTarget(value: unknown): EntityValue | EntityReferenceValue {
  const converted = convertValue(value, 'InputParameters.Target');
  if (isEntity(converted) || isEntityReference(converted)) return converted;
  throw new ConnectorError(
    'schema_mismatch',
    'The Dataverse webhook body has a Target that is neither an entity nor an entity reference.',
  );
}

function imagesToRecord(list: { key: string; value: unknown }[], path: string): Record<string, EntityValue> {
  const out: Record<string, EntityValue> = {};
  for (const { key, value } of list) {
    const converted = convertValue(value, `${path}.${key}`);
    if (!isEntity(converted)) {
      throw new ConnectorError(
        'schema_mismatch',
        `The Dataverse webhook body has an image "${key}" that is not an entity.`,
      );
    }
    out[key] = converted;
  }
  return out;
}

function keyValuesToRecord(
  list: readonly { key: string; value: unknown }[],
  path = '',
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of list) out[key] = convertValue(value, path ? `${path}.${key}` : key);
  return out;
}

function isEntity(value: AttributeValue): value is EntityValue {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'attributes' in value;
}

function isEntityReference(value: AttributeValue): value is EntityReferenceValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'logicalName' in value &&
    'id' in value &&
    !('attributes' in value)
  );
}

function typeName(value: Record<string, unknown>): string | undefined {
  const type = value['__type'];
  return typeof type === 'string' ? type.split(':')[0] : undefined;
}

function isKeyValueList(value: unknown[]): value is { key: string; value: unknown }[] {
  return (
    value.length > 0 &&
    value.every(
      (item) =>
        typeof item === 'object' &&
        item !== null &&
        typeof (item as Record<string, unknown>)['key'] === 'string' &&
        'value' in item,
    )
  );
}

/** One WCF DataContract JSON value → plain data. `path` is only for error messages. */
export function convertValue(value: unknown, path: string): AttributeValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return parseWcfDate(value) ?? value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    if (isKeyValueList(value)) return keyValuesToRecord(value, path);
    return value.map((item, index) => convertValue(item, `${path}[${index}]`));
  }
  if (typeof value !== 'object') {
    throw new ConnectorError(
      'schema_mismatch',
      `The Dataverse webhook body has an unreadable value at ${path}.`,
    );
  }
  const object = value as Record<string, unknown>;
  const type = typeName(object);

  if (type === 'EntityCollection' || (type === undefined && Array.isArray(object['Entities']))) {
    const entities = object['Entities'];
    if (!Array.isArray(entities)) {
      throw new ConnectorError(
        'schema_mismatch',
        `The Dataverse webhook body has an EntityCollection without Entities at ${path}.`,
      );
    }
    return entities.map((item, index) => convertValue(item, `${path}[${index}]`));
  }
  if (
    type === 'Entity' ||
    (Array.isArray(object['Attributes']) && typeof object['LogicalName'] === 'string')
  ) {
    const attributes = object['Attributes'];
    const logicalName = object['LogicalName'];
    const id = object['Id'];
    if (!Array.isArray(attributes) || typeof logicalName !== 'string') {
      throw new ConnectorError(
        'schema_mismatch',
        `The Dataverse webhook body has an Entity without Attributes or LogicalName at ${path}.`,
      );
    }
    return {
      logicalName,
      id: typeof id === 'string' && GUID.test(id) ? id.replace(/[{}]/g, '').toLowerCase() : null,
      attributes: isKeyValueList(attributes) ? keyValuesToRecord(attributes, path) : {},
    };
  }
  if (
    type === 'EntityReference' ||
    (typeof object['LogicalName'] === 'string' && typeof object['Id'] === 'string')
  ) {
    const reference = entityReferenceWire.safeParse(object);
    if (!reference.success) throw schemaMismatch(`The entity reference at ${path}`, reference.error);
    return {
      logicalName: reference.data.LogicalName,
      id: reference.data.Id,
      name: reference.data.Name ?? null,
    };
  }
  if ('Value' in object && (type !== undefined || Object.keys(object).length === 1)) {
    // OptionSetValue, Money, BooleanManagedProperty, AliasedValue, ...
    return convertValue(object['Value'], path);
  }
  const out: Record<string, AttributeValue> = {};
  for (const [key, item] of Object.entries(object)) {
    if (key !== '__type') out[key] = convertValue(item, `${path}.${key}`);
  }
  return out;
}
