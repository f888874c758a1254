import { isGuid } from '../../core/random';
import { DataverseError, ErrorCode, errors } from '../errors';
import { readJsonObject } from '../http/body';
import { errorBody, sendEmpty, sendJson } from '../http/respond';
import type { RequestScope } from '../http/scope';
import { parseApiPath } from '../http/url';
import type { EntityModel } from '../metadata/registry';
import { findRecord, type RecordKey, resolveRecordKey } from '../records';
import type { Value } from '../store/types';
import { isJsonRecord, type JsonRecord } from '../write/payload';
import { RecordWriter } from '../write/writer';

/** Bound collection actions the platform offers on the Sales tables. */
export const BULK_ACTIONS = new Set(['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple']);

type BulkAction = 'CreateMultiple' | 'UpdateMultiple' | 'UpsertMultiple';

/**
 * Tables whose message list has the bulk messages. Every standard table does not (the reference:
 * productpricelevel does not); the platform tables (systemuser, sdkmessage…) are left out too.
 */
export const BULK_TABLES: ReadonlySet<string> = new Set([
  'account',
  'contact',
  'opportunity',
  'opportunityproduct',
  'quote',
  'quotedetail',
  'salesorder',
  'salesorderdetail',
  'product',
  'pricelevel',
  'uom',
  'uomschedule',
  'transactioncurrency',
]);

const TYPE_PREFIX = 'Microsoft.Dynamics.CRM.';

/** The error annotation that names the failing target (as the platform does for elastic tables). */
export const BULK_ERROR_DETAILS = 'Microsoft.PowerApps.CDS.ErrorDetails.BulkApiErrorDetails';

/** A target failed: the whole message is undone and answers with that target's error. */
class TargetFailed extends Error {
  override readonly name = 'TargetFailed';
  constructor(
    readonly error: DataverseError,
    readonly index: number,
    readonly id: string | undefined,
  ) {
    super(error.message);
  }
}

/**
 * `POST /<set>/Microsoft.Dynamics.CRM.CreateMultiple|UpdateMultiple|UpsertMultiple`
 * `{"Targets":[{…,"@odata.type":"Microsoft.Dynamics.CRM.<table>"}]}`:
 * - every target must carry `@odata.type` naming the set's table (checked for all targets before
 *   anything is written, as the parameter is deserialized first);
 * - each target is written by `RecordWriter` (the validation, binds, derived columns and state rules
 *   of a single write), all in one `store.transaction`: one failing target undoes the others, and
 *   the committed rows raise their change events (change tracking, webhooks) like single writes;
 * - CreateMultiple → 200 `CreateMultipleResponse` with the `Ids` in target order; UpdateMultiple
 *   (primary key or `@odata.id` in each target, the row must exist) and UpsertMultiple (primary
 *   key, `@odata.id` with the primary or an Active alternate key, or nothing: create) → 204.
 * The failure answers with the failing write's own error; the target (index, id, status) is named
 * in the `@Microsoft.PowerApps.CDS.ErrorDetails.BulkApiErrorDetails` annotation when
 * `odata.include-annotations` asks for it.
 */
export function handleBulkAction(scope: RequestScope, model: EntityModel, action: string): void {
  if (!isBulkAction(action)) throw errors.resourceNotFound(`${TYPE_PREFIX}${action}`);
  if (!BULK_TABLES.has(model.def.logicalName)) {
    throw new DataverseError(
      400,
      ErrorCode.sdkEntityDoesNotSupportMessage,
      `The '${action}' method does not support entities of type '${model.def.logicalName}'. MessageProcessorCache returned MessageProcessor.Empty.`,
      { messageName: 'SdkEntityDoesNotSupportMessage' },
    );
  }
  try {
    const targets = readTargets(scope, model, action);
    const ids = scope.state.store.transaction(() => writeTargets(scope, model, action, targets));
    if (action === 'CreateMultiple') {
      sendJson(
        scope.res,
        200,
        {
          '@odata.context': `${scope.serviceRoot}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`,
          Ids: ids,
        },
        scope.headers(),
      );
      return;
    }
    sendEmpty(scope.res, 204, scope.headers());
  } catch (error) {
    if (!(error instanceof TargetFailed)) throw error;
    scope.ctx.logger.debug(
      { action, index: error.index, code: error.error.code },
      'dataverse bulk target failed',
    );
    sendTargetError(scope, error);
  }
}

function isBulkAction(action: string): action is BulkAction {
  return BULK_ACTIONS.has(action);
}

/** The `Targets` parameter: an array of objects, each typed as the set's table. */
function readTargets(scope: RequestScope, model: EntityModel, action: BulkAction): JsonRecord[] {
  const body = readJsonObject(scope.body);
  for (const name of Object.keys(body)) {
    if (name === 'Targets' || name.startsWith('@')) continue;
    throw errors.badRequest(
      `The parameter '${name}' in the request payload is not a valid parameter for the operation '${action}'.`,
    );
  }
  const raw = body['Targets'];
  if (raw === undefined || raw === null) throw errors.invalidArgument("Required field 'Targets' is missing");
  if (!Array.isArray(raw)) {
    throw errors.badRequest(
      "An unexpected 'StartObject' or primitive node was found when reading from the JSON reader. A 'StartArray' node was expected.",
    );
  }
  const targets: JsonRecord[] = [];
  raw.forEach((target, index) => {
    if (!isJsonRecord(target)) {
      throw new TargetFailed(
        errors.badRequest(
          "An unexpected 'StartArray' or primitive node was found when reading from the JSON reader. A 'StartObject' node was expected.",
        ),
        index,
        undefined,
      );
    }
    targets.push(target);
  });
  // Thrown outside the transaction: nothing was written yet.
  targets.forEach((target, index) => {
    const failure = typeError(scope, model, target['@odata.type']);
    if (failure) throw new TargetFailed(failure, index, undefined);
  });
  return targets;
}

/** Why a target's `@odata.type` is refused, if it is: missing, unknown, or another table. */
function typeError(scope: RequestScope, model: EntityModel, type: unknown): DataverseError | undefined {
  if (type === undefined) {
    return errors.badRequest(
      'An error occurred while validating input parameters: Microsoft.OData.ODataException: Does not support untyped value in non-open type.',
    );
  }
  const name = typeof type === 'string' ? type.replace(/^#/, '') : JSON.stringify(type);
  if (name === model.typeName) return undefined;
  const other = name.startsWith(TYPE_PREFIX)
    ? scope.metadata.findEntity(name.slice(TYPE_PREFIX.length))
    : undefined;
  if (!other) {
    return errors.badRequest(
      `A type named '${name}' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.`,
    );
  }
  return errors.invalidArgument(
    `The entity type '${name}' of a target does not match the entity set '${model.def.entitySetName}'; every target must be of type '${model.typeName}'.`,
  );
}

function writeTargets(
  scope: RequestScope,
  model: EntityModel,
  action: BulkAction,
  targets: readonly JsonRecord[],
): string[] {
  const writer = new RecordWriter(scope.writeContext());
  const { store, keys } = scope.state;
  const ids: string[] = [];
  targets.forEach((target, index) => {
    let id: string | undefined;
    try {
      if (action === 'CreateMultiple') {
        id = primaryKeyOf(model, target);
        ids.push(writer.create(model, target).id);
        return;
      }
      const key = identify(scope, model, target);
      id = key?.kind === 'id' ? key.id : undefined;
      const existing = key ? findRecord(store, keys, model, key) : undefined;
      if (existing) {
        id = existing.id;
        const strip = key?.kind === 'alternate' ? new Set(key.values.keys()) : new Set<string>();
        writer.update(model, existing, target, strip);
        return;
      }
      if (action === 'UpdateMultiple') throw missingForUpdate(model, key);
      if (!key || key.kind === 'id') {
        id = writer.create(model, target, key ? { id: key.id } : {}).id;
        return;
      }
      const columns = new Map<string, Value | null>([...key.values].filter(([name]) => !(name in target)));
      id = writer.create(model, target, { columns }).id;
    } catch (error) {
      if (error instanceof DataverseError) throw new TargetFailed(error, index, id);
      throw error;
    }
  });
  return ids;
}

/** How a target names its row: `@odata.id` (primary or alternate key) or its primary key column. */
function identify(scope: RequestScope, model: EntityModel, target: JsonRecord): RecordKey | undefined {
  const odataId = target['@odata.id'];
  if (odataId !== undefined && odataId !== null) {
    if (typeof odataId !== 'string') throw invalidODataId(String(odataId));
    return keyFromODataId(scope, model, odataId);
  }
  const id = primaryKeyOf(model, target);
  return id === undefined ? undefined : { kind: 'id', id };
}

function primaryKeyOf(model: EntityModel, target: JsonRecord): string | undefined {
  const value = target[model.def.primaryIdAttribute];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !isGuid(value)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    throw errors.badRequest(`Cannot convert the literal '${text}' to the expected type 'Edm.Guid'.`);
  }
  return value.toLowerCase();
}

/** `accounts(accountnumber='A-1')`, `/accounts(<id>)` or an absolute URL of the set. */
function keyFromODataId(scope: RequestScope, model: EntityModel, text: string): RecordKey {
  let path = text.trim();
  if (path.includes('/api/data/')) {
    let pathname: string;
    try {
      pathname = new URL(path, 'http://odata-id.invalid').pathname;
    } catch {
      throw invalidODataId(text);
    }
    const segments = parseApiPath(pathname)?.segments ?? [];
    path = segments.map((s) => (s.args === undefined ? s.name : `${s.name}(${s.args})`)).join('/');
  }
  path = path.replace(/^\//, '');
  const open = path.indexOf('(');
  if (open < 0 || !path.endsWith(')') || path.indexOf('/') >= 0) throw invalidODataId(text);
  if (path.slice(0, open) !== model.def.entitySetName) {
    throw errors.badRequest(
      `The '@odata.id' value '${text}' does not address a row of the entity set '${model.def.entitySetName}'.`,
    );
  }
  return resolveRecordKey(model, path.slice(open + 1, -1), scope.state.keys);
}

function invalidODataId(text: string): DataverseError {
  return errors.badRequest(`The '@odata.id' value '${text}' is not a valid entity URL.`);
}

/** UpdateMultiple of a row that does not exist (wording of the bulk-operations troubleshooting list). */
function missingForUpdate(model: EntityModel, key: RecordKey | undefined): DataverseError {
  if (!key) return errors.invalidArgument('Entity Id must be specified for Update');
  if (key.kind === 'alternate') return errors.alternateKeyNotFound(model.def.logicalName);
  return new DataverseError(
    404,
    ErrorCode.objectDoesNotExist,
    `${model.def.logicalName} With Ids = ${key.id} Do Not Exist`,
    { messageName: 'ObjectDoesNotExist' },
  );
}

/** The failing write's error envelope, naming the target when annotations ask for it. */
function sendTargetError(scope: RequestScope, failure: TargetFailed): void {
  const envelope = errorBody(failure.error, scope.prefer.annotations, scope.ctx.requestId);
  const inner = envelope['error'];
  if (
    scope.prefer.annotations.includes(BULK_ERROR_DETAILS) &&
    typeof inner === 'object' &&
    inner !== null &&
    !Array.isArray(inner)
  ) {
    inner[`@${BULK_ERROR_DETAILS}`] = JSON.stringify([
      { RequestIndex: failure.index, Id: failure.id ?? null, StatusCode: failure.error.status },
    ]);
  }
  sendJson(scope.res, failure.error.status, envelope, scope.headers(failure.error.headers));
}
