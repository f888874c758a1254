import { errors } from '../errors';
import { handleUnboundAction, isUnboundAction } from '../extensions/actions';
import { handleBatch } from '../extensions/batch';
import { handleBulkAction } from '../extensions/bulk';
import { handleEntityDefinitions } from './entity-definitions';
import {
  readCollection,
  readCount,
  readEntity,
  readNavigation,
  readProperty,
  readServiceDocument,
  readWhoAmI,
} from './read';
import type { RequestScope } from './scope';
import type { ApiPath } from './url';
import { createRecord, deleteRecord, upsertRecord, writeProperty } from './write';

const BOUND_ACTION_PREFIX = 'Microsoft.Dynamics.CRM.';

/** The name the host's request counters use for a path (entity set, function or `$batch`). */
export function resourceName(path: ApiPath): string | undefined {
  return path.segments[0]?.name;
}

/** Dispatches an authenticated Web API request to its handler (by path shape and method). */
export function routeRequest(scope: RequestScope, path: ApiPath): void {
  const [first, second, third, ...rest] = path.segments;
  const method = scope.method;
  if (!first) {
    allow(method, ['GET']);
    readServiceDocument(scope);
    return;
  }
  switch (first.name) {
    case '$metadata':
      throw errors.notImplemented('The $metadata document');
    case '$batch':
      allow(method, ['POST']);
      handleBatch(scope);
      return;
    case 'WhoAmI':
      if (first.args !== undefined && first.args !== '')
        throw errors.resourceNotFound(`WhoAmI(${first.args})`);
      if (second) throw errors.resourceNotFound(second.name);
      allow(method, ['GET']);
      readWhoAmI(scope);
      return;
    case 'EntityDefinitions':
      handleEntityDefinitions(scope, path.segments);
      return;
  }
  if (isUnboundAction(first.name)) {
    if (second) throw errors.resourceNotFound(second.name);
    handleUnboundAction(scope, first.name);
    return;
  }
  const model = scope.metadata.findEntitySet(first.name);
  if (!model) throw errors.resourceNotFound(first.name);
  if (rest.length > 0) throw errors.resourceNotFound(rest[0]?.name ?? '');

  if (first.args === undefined) {
    if (!second) {
      allow(method, ['GET', 'POST']);
      if (method === 'GET') readCollection(scope, model);
      else createRecord(scope, model);
      return;
    }
    if (third) throw errors.resourceNotFound(third.name);
    if (second.name === '$count' && second.args === undefined) {
      allow(method, ['GET']);
      readCount(scope, model);
      return;
    }
    if (second.name.startsWith(BOUND_ACTION_PREFIX)) {
      allow(method, ['POST']);
      handleBulkAction(scope, model, second.name.slice(BOUND_ACTION_PREFIX.length));
      return;
    }
    throw errors.resourceNotFound(second.name);
  }

  const keyArgs = first.args;
  if (!second) {
    allow(method, ['GET', 'PATCH', 'DELETE']);
    if (method === 'GET') readEntity(scope, model, keyArgs);
    else if (method === 'PATCH') upsertRecord(scope, model, keyArgs);
    else deleteRecord(scope, model, keyArgs);
    return;
  }
  if (third) {
    if (third.name === '$ref') throw errors.notImplemented('Associate/disassociate through $ref');
    throw errors.resourceNotFound(third.name);
  }
  if (second.args !== undefined) throw errors.resourceNotFound(`${second.name}(${second.args})`);
  if (model.navigations.has(second.name)) {
    allow(method, ['GET']);
    readNavigation(scope, model, keyArgs, second.name);
    return;
  }
  if (model.properties.has(second.name)) {
    allow(method, ['GET', 'PUT', 'DELETE']);
    if (method === 'GET') readProperty(scope, model, keyArgs, second.name);
    else writeProperty(scope, model, keyArgs, second.name, method === 'DELETE');
    return;
  }
  throw errors.resourceNotFound(second.name);
}

function allow(method: string, methods: readonly string[]): void {
  if (!methods.includes(method)) throw errors.methodNotAllowed(method, methods);
}
