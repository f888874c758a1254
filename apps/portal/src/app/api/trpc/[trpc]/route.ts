import { env } from '../../../../env';
import { handleTrpcRequest } from '../../../../server/api/http';
import { getDb } from '../../../../server/db';
import { logger } from '../../../../server/logger';
import { getServices } from '../../../../server/services';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

function handler(request: Request): Promise<Response> {
  return handleTrpcRequest(request, { publicUrl: env.PUBLIC_URL, getDb, getServices, logger });
}

export { handler as GET, handler as POST };
