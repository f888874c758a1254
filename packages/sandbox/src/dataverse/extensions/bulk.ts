/**
 * `POST /<set>/Microsoft.Dynamics.CRM.CreateMultiple|UpdateMultiple|UpsertMultiple`: implemented
 * in `../bulk/` (RecordWriter inside one `store.transaction`, all-or-nothing).
 */
export { BULK_ACTIONS, handleBulkAction } from '../bulk/bulk';
