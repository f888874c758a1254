import { errors } from '../errors';
import type { RequestScope } from '../http/scope';
import type { EntityModel } from '../metadata/registry';

/** Bound collection actions the platform offers on the Sales tables. */
export const BULK_ACTIONS = new Set(['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple']);

/**
 * `POST /<set>/Microsoft.Dynamics.CRM.CreateMultiple|UpdateMultiple|UpsertMultiple`. Hook for the
 * bulk operations: use `RecordWriter` inside one `store.transaction` (all-or-nothing, as on
 * standard tables); `@odata.type` is mandatory on each target, UpsertMultiple identifies rows by
 * `@odata.id` (alternate keys through `resolveRecordKey`).
 */
export function handleBulkAction(_scope: RequestScope, _model: EntityModel, action: string): void {
  if (!BULK_ACTIONS.has(action)) throw errors.resourceNotFound(`Microsoft.Dynamics.CRM.${action}`);
  throw errors.notImplemented(`The ${action} message`);
}
