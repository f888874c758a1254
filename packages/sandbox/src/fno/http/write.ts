import type { EntityDef, Value } from '../metadata/types';
import { createEntity, deleteEntity, updateEntity, type WriteEnvironment } from '../write/write';
import { keyPredicate } from './path';
import { entityBody, etagHeader } from './read';
import { json, noContent } from './responses';
import type { FnoRequest, FnoResponse, Session } from './types';

function environment(session: Session): WriteEnvironment {
  return {
    store: session.store,
    now: session.now,
    defaultCompany: session.user.company,
    failureStatus: session.writeFailureStatus,
  };
}

/**
 * POST: 201 with the created entity (OData v4's default return=representation), `Location` and
 * `ETag`; `Prefer: return=minimal` gives 204 with `OData-EntityId` (both headers UNCONFIRMED).
 */
export function postEntity(session: Session, def: EntityDef, request: FnoRequest): FnoResponse {
  const row = createEntity(environment(session), def, request.body);
  session.logger.info(
    { entitySet: def.entitySet, operation: 'create', key: keyPredicate(def, row.values) },
    'fno write',
  );
  const location = `${session.origin}/data/${def.entitySet}(${keyPredicate(def, row.values)})`;
  if (/return=minimal/i.test(request.headers['prefer'] ?? '')) {
    return noContent({
      ...etagHeader(row),
      'OData-EntityId': location,
      'Preference-Applied': 'return=minimal',
    });
  }
  return json(201, entityBody(session, def, row), { ...etagHeader(row), Location: location });
}

/** PATCH and PUT: 204 (no If-Match needed; a wrong one is 412). */
export function patchEntity(
  session: Session,
  def: EntityDef,
  keys: Record<string, Value>,
  request: FnoRequest,
): FnoResponse {
  const row = updateEntity(environment(session), def, keys, request.body, request.headers['if-match']);
  session.logger.info(
    { entitySet: def.entitySet, operation: 'update', key: keyPredicate(def, row.values) },
    'fno write',
  );
  return noContent(etagHeader(row));
}

export function removeEntity(
  session: Session,
  def: EntityDef,
  keys: Record<string, Value>,
  request: FnoRequest,
): FnoResponse {
  deleteEntity(environment(session), def, keys, request.headers['if-match']);
  session.logger.info(
    { entitySet: def.entitySet, operation: 'delete', key: keyPredicate(def, keys) },
    'fno write',
  );
  return noContent();
}
