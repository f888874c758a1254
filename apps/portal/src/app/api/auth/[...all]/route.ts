import { correlationIdFrom } from '../../../../server/correlation';
import { logger } from '../../../../server/logger';
import { getServices } from '../../../../server/services';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** better-auth's routes: `/api/auth/sign-up/email`, `/sign-in/email`, `/sign-out`, `/get-session`… */
async function handler(request: Request): Promise<Response> {
  let services: Awaited<ReturnType<typeof getServices>>;
  try {
    services = await getServices();
  } catch (error) {
    logger.error({ err: error, correlationId: correlationIdFrom(request.headers) }, 'auth unavailable');
    return Response.json({ message: 'The portal cannot reach its database.' }, { status: 503 });
  }
  return services.auth.handler(request);
}

export { handler as GET, handler as POST };
