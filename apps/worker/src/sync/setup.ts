import { ensureAlternateKeys, ensureWebhook, verifyChangeTracking } from '@mlc/connectors';
import type { SyncRuntime } from '../flows/index';

/**
 * What "Enable" does in the connected systems before sync starts: the Dataverse alternate keys the
 * catalog and customer upserts address rows by (product number, account number; Dataverse builds
 * their indexes asynchronously and this waits for them), change tracking on the followed tables,
 * and the webhook (service endpoint + steps) pointing at our intake URL with its secret.
 */
export interface EnableOptions {
  webhookUrl: string;
  webhookSecret: string;
}

export async function setUpSales(runtime: SyncRuntime, options: EnableOptions) {
  const { ctx, config } = runtime.sales;
  const keys = await ensureAlternateKeys(ctx, config);
  const tracking = await verifyChangeTracking(ctx, config);
  const webhook = await ensureWebhook(ctx, config, {
    url: options.webhookUrl,
    secret: options.webhookSecret,
  });
  return { keys, tracking, webhook };
}
