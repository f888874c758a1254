import { handleTrpcRequest } from '../server/api/http';
import { receiveDataverseWebhook, receiveFnoBusinessEvent } from '../server/intake';
import type { PortalServices } from '../server/services';
import type { Send } from './transport';

/**
 * The portal's API routes without Next: the same handlers the route files call (intake, tRPC,
 * better-auth) on the given services. For fast tests; the soak goes over HTTP to `next start`.
 */
export function inProcessSend(services: PortalServices, origin = services.config.publicUrl): Send {
  const getServices = async () => services;
  const handle = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const segment = (prefix: string) => {
      const rest = path.slice(prefix.length);
      return rest.includes('/') ? null : decodeURIComponent(rest);
    };
    if (path.startsWith('/api/webhooks/dataverse/')) {
      const id = segment('/api/webhooks/dataverse/');
      if (id !== null) return receiveDataverseWebhook(request, id, getServices, services.logger);
    }
    if (path.startsWith('/api/events/fno/')) {
      const id = segment('/api/events/fno/');
      if (id !== null) return receiveFnoBusinessEvent(request, id, getServices, services.logger);
    }
    if (path.startsWith('/api/trpc/')) {
      return handleTrpcRequest(request, {
        publicUrl: services.config.publicUrl,
        getDb: async () => services.db,
        getServices,
        logger: services.logger,
      });
    }
    if (path.startsWith('/api/auth/')) return services.auth.handler(request);
    return Response.json({ error: `No route for ${path}.` }, { status: 404 });
  };
  return (path, init) => handle(new Request(`${origin}${path}`, init));
}
