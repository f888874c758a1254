import { preconditionFailed, resourceNotFound } from '../errors';
import type { EntityDef } from '../metadata/types';
import type { FnoStore } from '../store/store';
import type { Row } from '../store/table';
import { weakEtag } from '../wire';
import { parseEntityBody } from './body';
import { fail, Infolog, str, type Values, type WriteContext } from './context';
import { rulesFor } from './rules';

export interface WriteEnvironment {
  store: FnoStore;
  now: Date;
  /** The caller's default company: where a create without `dataAreaId` goes. */
  defaultCompany: string;
  /** HTTP status of business-logic failures (default 500, fno.md §5). */
  failureStatus: number;
}

/**
 * POST: parse the body, pick the company (`dataAreaId` of the body, else the caller's default
 * company), run the entity's defaulting and validation, refuse duplicate keys, insert.
 */
export function createEntity(env: WriteEnvironment, def: EntityDef, body: Buffer): Row {
  const provided = parseEntityBody(def, body);
  return env.store.transact(env.now, (tx) => {
    const legalEntity = def.companySpecific
      ? str(provided, 'dataAreaId').toLowerCase() || env.defaultCompany
      : '';
    const ctx: WriteContext = {
      tx,
      store: env.store,
      def,
      operation: 'create',
      legalEntity,
      now: env.now,
      failureStatus: env.failureStatus,
    };
    if (def.companySpecific) {
      if (!env.store.isLegalEntity(legalEntity)) {
        // UNCONFIRMED wording.
        fail(ctx, [{ level: 'Error', text: `Company ${legalEntity} does not exist` }]);
      }
      provided['dataAreaId'] = legalEntity;
    }
    const rules = rulesFor(def.entitySet);
    const values = rules.create ? rules.create(ctx, provided) : provided;
    if (def.companySpecific) values['dataAreaId'] = legalEntity;

    const missing = new Infolog();
    for (const key of def.keys) if (str(values, key).trim() === '') missing.mustBeFilled(key);
    missing.throwIfFailed(ctx, rules.dataSource);
    if (env.store.table(def.entitySet).find(values)) {
      fail(ctx, [
        {
          level: 'Info',
          text: `Cannot create a record in ${def.tableLabel}. ${rules.title(values)}.\nThe record already exists.`,
        },
      ]);
    }
    const recId =
      def.keys.includes('RecordId') && typeof values['RecordId'] === 'number'
        ? values['RecordId']
        : undefined;
    const row = tx.insert(def.entitySet, values, recId);
    rules.afterWrite?.(ctx, row.values);
    return row;
  });
}

/** PATCH and PUT (F&O treats PUT as a partial update too, fno.md §5). */
export function updateEntity(
  env: WriteEnvironment,
  def: EntityDef,
  keys: Values,
  body: Buffer,
  ifMatch: string | undefined,
): Row {
  const provided = parseEntityBody(def, body);
  return env.store.transact(env.now, (tx) => {
    const row = existing(env, def, keys, ifMatch);
    const ctx = contextFor(env, def, row, tx, 'update');
    for (const key of def.keys) {
      if (!(key in provided)) continue;
      if (str(provided, key).toLowerCase() !== str(row.values, key).toLowerCase()) {
        // UNCONFIRMED wording: F&O does not rename records through OData.
        fail(ctx, [{ level: 'Error', text: `The key field '${key}' cannot be changed` }]);
      }
      delete provided[key];
    }
    const rules = rulesFor(def.entitySet);
    const merged: Values = { ...row.values, ...provided };
    const values = rules.update ? rules.update(ctx, row, merged, provided) : merged;
    tx.update(def.entitySet, row, values);
    rules.afterWrite?.(ctx, row.values);
    return row;
  });
}

export function deleteEntity(
  env: WriteEnvironment,
  def: EntityDef,
  keys: Values,
  ifMatch: string | undefined,
): void {
  env.store.transact(env.now, (tx) => {
    const row = existing(env, def, keys, ifMatch);
    const ctx = contextFor(env, def, row, tx, 'delete');
    const rules = rulesFor(def.entitySet);
    rules.beforeDelete?.(ctx, row);
    tx.remove(def.entitySet, row);
    rules.afterWrite?.(ctx, row.values);
  });
}

function existing(env: WriteEnvironment, def: EntityDef, keys: Values, ifMatch: string | undefined): Row {
  const row = env.store.table(def.entitySet).find(keys);
  if (!row) throw resourceNotFound(def.entitySet);
  if (ifMatch !== undefined && ifMatch.trim() !== '*') {
    const current = weakEtag(row.recId, row.version);
    const accepted = ifMatch.split(',').map((tag) => tag.trim());
    if (!accepted.includes(current)) throw preconditionFailed();
  }
  return row;
}

function contextFor(
  env: WriteEnvironment,
  def: EntityDef,
  row: Row,
  tx: WriteContext['tx'],
  operation: 'update' | 'delete',
): WriteContext {
  return {
    tx,
    store: env.store,
    def,
    operation,
    legalEntity: def.companySpecific ? String(row.values['dataAreaId'] ?? '').toLowerCase() : '',
    now: env.now,
    failureStatus: env.failureStatus,
  };
}
