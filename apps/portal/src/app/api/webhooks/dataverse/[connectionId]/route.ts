import { receiveDataverseWebhook } from '../../../../../server/intake';
import { logger } from '../../../../../server/logger';
import { getServices } from '../../../../../server/services';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** Dataverse webhook (service endpoint with `x-mlc-webhook-secret`): 202 once stored and queued. */
export async function POST(request: Request, context: { params: Promise<{ connectionId: string }> }) {
  const { connectionId } = await context.params;
  return receiveDataverseWebhook(request, connectionId, getServices, logger);
}
