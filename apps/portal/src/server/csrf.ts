/**
 * CSRF defence of the tRPC API (session cookies are SameSite=Lax, which already keeps them off
 * cross-site POSTs in current browsers; this is the second layer):
 * - a mutation is a POST whose `Content-Type` is `application/json`: a cross-site HTML form can only
 *   send `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain`, and a
 *   cross-site `fetch` with JSON needs a CORS preflight, which the portal never grants;
 * - its `Origin` must be the portal's own: `PUBLIC_URL`'s origin, or the origin the request was
 *   addressed to (`Host`, or `X-Forwarded-Host`/`-Proto` behind a proxy). Browsers always send
 *   `Origin` on POST, so a missing one is refused too.
 * Queries (GET) change nothing and are not checked.
 */
export function checkMutationRequest(request: Request, publicUrl: string): Response | null {
  if (request.method !== 'POST') return null;
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    return refuse(415, 'Mutations take a JSON body (Content-Type: application/json).');
  }
  const origin = request.headers.get('origin');
  if (!origin || origin === 'null') return refuse(403, 'The request has no Origin; it is refused.');
  if (!allowedOrigins(request, publicUrl).has(origin.toLowerCase())) {
    return refuse(403, 'Cross-site request refused.');
  }
  return null;
}

function allowedOrigins(request: Request, publicUrl: string): Set<string> {
  const allowed = new Set<string>([new URL(publicUrl).origin.toLowerCase()]);
  const forwardedHost = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const host = forwardedHost || request.headers.get('host');
  if (host) {
    const proto =
      request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() ||
      new URL(request.url).protocol.replace(':', '');
    allowed.add(`${proto}://${host}`.toLowerCase());
  }
  return allowed;
}

function refuse(status: 403 | 415, message: string): Response {
  return Response.json(
    { error: { message, code: status === 403 ? 'FORBIDDEN' : 'UNSUPPORTED_MEDIA_TYPE' } },
    { status, headers: { 'cache-control': 'no-store' } },
  );
}
