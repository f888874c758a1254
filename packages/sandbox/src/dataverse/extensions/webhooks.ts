import type { Logger } from '@mlc/logger';
import type { Store } from '../store/store';
import { type DispatcherOptions, WebhookDispatcher } from '../webhooks/dispatcher';

/**
 * Webhook delivery (`webhooks/`): `attachWebhooks` is called with every store the service uses
 * (start, reset, reseed), matches each committed change against the enabled
 * `sdkmessageprocessingsteps` whose `eventhandler` is a webhook `serviceendpoints` row (contract 8)
 * and POSTs the RemoteExecutionContext after the request; failures become `asyncoperations` rows
 * (statuscode 31). Returns the detach function (stops pending deliveries).
 */
export function attachWebhooks(store: Store, logger: Logger, options: DispatcherOptions): () => void {
  const dispatcher = new WebhookDispatcher(store, logger, options);
  return () => dispatcher.stop();
}
