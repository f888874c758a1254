import { errors } from '../errors';
import type { RequestScope } from '../http/scope';

/**
 * `POST /$batch` (multipart/mixed, changesets, Content-ID references, continue-on-error). Hook:
 * each inner request can be run through the same router (`routeRequest`) with a `RequestScope`
 * whose `writeContext().resolveContentId` resolves `$n`; a changeset is one `store.transaction`.
 */
export function handleBatch(_scope: RequestScope): void {
  throw errors.notImplemented('$batch');
}
