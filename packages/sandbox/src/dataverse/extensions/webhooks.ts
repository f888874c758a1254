import type { Logger } from '@mlc/logger';
import type { Store } from '../store/store';
import type { ChangeEvent } from '../store/types';

/**
 * Webhook delivery. Hook: `attachWebhooks` is called with every store the service uses (start,
 * reset, reseed) and gets each committed change (`ChangeEvent`: table, operation, before/after
 * rows, changed columns, user). The next step matches enabled `sdkmessageprocessingsteps`
 * (message, `sdkmessagefilters.primaryobjecttypecode`, `filteringattributes`) whose
 * `eventhandler` is a `serviceendpoints` row with contract 8, and POSTs the RemoteExecutionContext;
 * failures become `asyncoperations` rows (statuscode 31).
 */
export function attachWebhooks(store: Store, logger: Logger): () => void {
  return store.onChange((event: ChangeEvent) => {
    logger.trace({ entity: event.entity, operation: event.operation, id: event.id }, 'dataverse change');
  });
}
