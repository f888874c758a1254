/**
 * `POST /$batch` (multipart/mixed, changesets, Content-ID references, continue-on-error):
 * implemented in `../batch/` (each inner request runs through `routeRequest` under the batch's
 * authentication; a changeset is one `store.transaction`).
 */
export { handleBatch } from '../batch/batch';
