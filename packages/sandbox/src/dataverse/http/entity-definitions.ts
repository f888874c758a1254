import { z } from 'zod';
import { isGuid } from '../../core/random';
import { DataverseError, ErrorCode, errors } from '../errors';
import { boolean, integer, primaryKey, text } from '../metadata/columns';
import { type EntityModel, Metadata } from '../metadata/registry';
import type { AttributeDef, EntityDef } from '../metadata/types';
import { compileFilter } from '../query/filter/compile';
import { parseFilter } from '../query/filter/parser';
import { parseSelect } from '../query/options';
import { nameBasedGuid } from '../seed/app-users';
import type { JsonObject } from '../serialize/entity';
import type { AlternateKeyRecord, StoredRow, Value } from '../store/types';
import { readJsonObject } from './body';
import { sendEmpty, sendJson } from './respond';
import type { RequestScope } from './scope';
import type { Segment } from './url';
import { parseKeyPredicate } from './url';

/**
 * `EntityDefinitions`: enough of the metadata API for a connector's checks (entity set names,
 * change tracking) and for alternate keys (`EntityDefinitions(LogicalName='account')/Keys`).
 */

const ENTITY_METADATA: EntityDef = {
  logicalName: 'EntityMetadata',
  schemaName: 'EntityMetadata',
  entitySetName: 'EntityDefinitions',
  displayName: 'Entity',
  primaryIdAttribute: 'MetadataId',
  primaryNameAttribute: 'LogicalName',
  ownership: 'BusinessOwned',
  objectTypeCode: 0,
  changeTrackingEnabled: false,
  attributes: [
    primaryKey('MetadataId'),
    text('LogicalName', 64),
    text('SchemaName', 64),
    text('EntitySetName', 64),
    text('LogicalCollectionName', 64),
    text('PrimaryIdAttribute', 64),
    text('PrimaryNameAttribute', 64),
    integer('ObjectTypeCode'),
    text('OwnershipType', 32),
    boolean('ChangeTrackingEnabled'),
    boolean('IsCustomEntity'),
  ] satisfies AttributeDef[],
};

const metadataModel = new Metadata([ENTITY_METADATA]).entity('EntityMetadata');

const keyBodySchema = z.object({
  SchemaName: z.string().min(1).max(100),
  LogicalName: z.string().min(1).max(100).optional(),
  KeyAttributes: z.array(z.string().min(1)).min(1),
  DisplayName: z
    .object({
      LocalizedLabels: z.array(z.object({ Label: z.string(), LanguageCode: z.number() })).default([]),
    })
    .optional(),
});

export function entityMetadataId(logicalName: string): string {
  return nameBasedGuid(`entitymetadata:${logicalName}`);
}

export function handleEntityDefinitions(scope: RequestScope, segments: readonly Segment[]): void {
  const [root, sub, ...rest] = segments;
  if (!root || rest.length > 0) throw errors.resourceNotFound(rest[0]?.name ?? 'EntityDefinitions');
  if (root.args === undefined) {
    if (sub) throw errors.resourceNotFound(sub.name);
    allowOnly(scope, ['GET']);
    listEntities(scope);
    return;
  }
  const model = findEntityByKey(scope, root.args);
  if (!sub) {
    allowOnly(scope, ['GET']);
    const select = parseSelect(scope.url.searchParams.get('$select'), metadataModel);
    sendJson(
      scope.res,
      200,
      {
        '@odata.context': `${scope.serviceRoot}$metadata#EntityDefinitions${select ? `(${select.join(',')})` : ''}/$entity`,
        ...entityJson(model, select),
      },
      scope.headers(),
    );
    return;
  }
  if (sub.name === 'Keys') {
    handleKeys(scope, model, sub.args);
    return;
  }
  if (sub.name === 'Attributes' && sub.args === undefined) {
    allowOnly(scope, ['GET']);
    sendJson(
      scope.res,
      200,
      {
        '@odata.context': `${scope.serviceRoot}$metadata#EntityDefinitions('${model.def.logicalName}')/Attributes`,
        value: model.def.attributes.map((a) => attributeJson(model, a)),
      },
      scope.headers(),
    );
    return;
  }
  throw errors.resourceNotFound(sub.name);
}

function listEntities(scope: RequestScope): void {
  const params = scope.url.searchParams;
  const select = parseSelect(params.get('$select'), metadataModel);
  const filterText = params.get('$filter');
  const filter = filterText
    ? compileFilter(parseFilter(filterText), metadataModel, scope.filterContext())
    : undefined;
  const value = scope.metadata
    .entities()
    .map((model) => ({ model, row: metadataRow(model) }))
    .filter(({ row }) => !filter || filter(row))
    .map(({ model }) => entityJson(model, select));
  sendJson(
    scope.res,
    200,
    {
      '@odata.context': `${scope.serviceRoot}$metadata#EntityDefinitions${select ? `(${select.join(',')})` : ''}`,
      value,
    },
    scope.headers(),
  );
}

function handleKeys(scope: RequestScope, model: EntityModel, keyArgs: string | undefined): void {
  const keys = scope.state.keys;
  const context = `${scope.serviceRoot}$metadata#EntityDefinitions('${model.def.logicalName}')/Keys`;
  if (keyArgs === undefined) {
    if (scope.method === 'POST') {
      const parsed = keyBodySchema.safeParse(readJsonObject(scope.body));
      if (!parsed.success) {
        throw errors.badRequest(
          `The entity key definition is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      const body = parsed.data;
      const key = scope.state.store.transaction(() =>
        keys.define(model, {
          schemaName: body.SchemaName,
          ...(body.LogicalName ? { logicalName: body.LogicalName } : {}),
          displayName: body.DisplayName?.LocalizedLabels[0]?.Label ?? body.SchemaName,
          keyAttributes: body.KeyAttributes,
        }),
      );
      sendEmpty(
        scope.res,
        204,
        scope.headers({
          'OData-EntityId': `${scope.serviceRoot}EntityDefinitions(${entityMetadataId(model.def.logicalName)})/Keys(${key.metadataId})`,
        }),
      );
      return;
    }
    allowOnly(scope, ['GET', 'POST']);
    sendJson(
      scope.res,
      200,
      { '@odata.context': context, value: keys.list(model).map((k) => keyJson(scope, k)) },
      scope.headers(),
    );
    return;
  }
  const predicate = parseKeyPredicate(keyArgs);
  const key = keys.list(model).find((k) => {
    if (predicate?.kind === 'id') return k.metadataId === predicate.id;
    const [pair] = predicate?.pairs ?? [];
    return (
      pair?.[0] === 'LogicalName' &&
      pair[1].type === 'string' &&
      pair[1].value.toLowerCase() === k.logicalName
    );
  });
  if (!key) {
    throw new DataverseError(
      404,
      ErrorCode.objectDoesNotExist,
      `Could not find the entity key '${keyArgs}' on entity '${model.def.logicalName}'.`,
    );
  }
  if (scope.method === 'DELETE') {
    scope.state.store.transaction(() => keys.remove(key));
    sendEmpty(scope.res, 204, scope.headers());
    return;
  }
  allowOnly(scope, ['GET', 'DELETE']);
  sendJson(
    scope.res,
    200,
    { '@odata.context': `${context}/$entity`, ...keyJson(scope, key) },
    scope.headers(),
  );
}

function findEntityByKey(scope: RequestScope, args: string): EntityModel {
  const trimmed = args.trim();
  if (isGuid(trimmed)) {
    const model = scope.metadata
      .entities()
      .find((m) => entityMetadataId(m.def.logicalName) === trimmed.toLowerCase());
    if (model) return model;
  } else {
    const predicate = parseKeyPredicate(trimmed);
    const [pair] = predicate?.kind === 'named' ? predicate.pairs : [];
    if (pair?.[0] === 'LogicalName' && pair[1].type === 'string') {
      const model = scope.metadata.findEntity(pair[1].value);
      if (model) return model;
      throw new DataverseError(
        404,
        ErrorCode.objectDoesNotExist,
        `Could not find entity with name '${pair[1].value}'.`,
      );
    }
  }
  throw errors.invalidKey('Microsoft.Dynamics.CRM.EntityMetadata');
}

function metadataRow(model: EntityModel): StoredRow {
  const def = model.def;
  const values: Record<string, Value> = {
    MetadataId: entityMetadataId(def.logicalName),
    LogicalName: def.logicalName,
    SchemaName: def.schemaName,
    EntitySetName: def.entitySetName,
    LogicalCollectionName: def.entitySetName,
    PrimaryIdAttribute: def.primaryIdAttribute,
    PrimaryNameAttribute: def.primaryNameAttribute,
    ObjectTypeCode: def.objectTypeCode,
    OwnershipType: def.ownership,
    ChangeTrackingEnabled: def.changeTrackingEnabled,
    IsCustomEntity: false,
  };
  return { id: entityMetadataId(def.logicalName), version: 1, values };
}

function entityJson(model: EntityModel, select: readonly string[] | undefined): JsonObject {
  const row = metadataRow(model);
  const out: JsonObject = {};
  for (const name of select ?? [...metadataModel.properties.keys()]) {
    const value = row.values[name];
    out[name] = typeof value === 'object' || value === undefined ? null : value;
  }
  if (!select) out['DisplayName'] = label(model.def.displayName);
  out['MetadataId'] = row.id;
  return out;
}

function keyJson(scope: RequestScope, key: AlternateKeyRecord): JsonObject {
  return {
    MetadataId: key.metadataId,
    HasChanged: null,
    LogicalName: key.logicalName,
    SchemaName: key.schemaName,
    EntityLogicalName: key.entityLogicalName,
    KeyAttributes: [...key.keyAttributes],
    EntityKeyIndexStatus: scope.state.keys.status(key),
    IsManaged: false,
    IsCustomizable: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: 'iscustomizable' },
    IsSecondaryKey: false,
    DisplayName: label(key.displayName),
  };
}

function attributeJson(model: EntityModel, attribute: AttributeDef): JsonObject {
  const out: JsonObject = {
    MetadataId: nameBasedGuid(`attributemetadata:${model.def.logicalName}.${attribute.logicalName}`),
    LogicalName: attribute.logicalName,
    EntityLogicalName: model.def.logicalName,
    AttributeType: attribute.type,
    RequiredLevel: {
      Value: attribute.requiredLevel,
      CanBeChanged: true,
      ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings',
    },
    IsValidForCreate: attribute.validForCreate,
    IsValidForUpdate: attribute.validForUpdate,
    IsValidForRead: attribute.validForRead,
    IsPrimaryId: attribute.logicalName === model.def.primaryIdAttribute,
    IsPrimaryName: attribute.logicalName === model.def.primaryNameAttribute,
    DisplayName: label(attribute.displayName),
  };
  if (attribute.type === 'String' || attribute.type === 'Memo') out['MaxLength'] = attribute.maxLength;
  if (attribute.type === 'Lookup' || attribute.type === 'Customer' || attribute.type === 'Owner') {
    out['Targets'] = attribute.targets.map((t) => t.entity);
  }
  return out;
}

function label(text: string): JsonObject {
  const localized = {
    Label: text,
    LanguageCode: 1033,
    IsManaged: true,
    MetadataId: nameBasedGuid(`label:${text}`),
    HasChanged: null,
  };
  return { LocalizedLabels: [localized], UserLocalizedLabel: localized };
}

function allowOnly(scope: RequestScope, methods: readonly string[]): void {
  if (!methods.includes(scope.method)) throw errors.methodNotAllowed(scope.method, methods);
}
