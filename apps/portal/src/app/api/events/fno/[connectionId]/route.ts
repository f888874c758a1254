import { receiveFnoBusinessEvent } from '../../../../../server/intake';
import { logger } from '../../../../../server/logger';
import { getServices } from '../../../../../server/services';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** F&O business event endpoint (`?code=` is the business-events secret): 202, or 200 for the activation test. */
export async function POST(request: Request, context: { params: Promise<{ connectionId: string }> }) {
  const { connectionId } = await context.params;
  return receiveFnoBusinessEvent(request, connectionId, getServices, logger);
}
