import { Verifier, type VerifierOptions } from '@pact-foundation/pact';
import type { Provider } from './pact';
import { batchPactFile, pactFile } from './paths';
import type { ProviderWorld } from './provider-world';
import type { StateHandlers } from './states';
import { startFront } from './tls-front';

/**
 * Verifies the pact files of a provider (or the one given) against the running sandbox. Pact's verifier sends each interaction's
 * example request through its proxy; the request filter swaps the example credentials for real
 * ones (a fresh sandbox token for Dataverse/F&O; for Entra the sandbox's tenant, app and a resource
 * it serves), so that the pacts never hold a secret. Everything else is replayed as pinned.
 */
export async function verifyAgainstSandbox(
  world: ProviderWorld,
  provider: Provider,
  options: { pactUrl?: string; stateHandlers?: StateHandlers } = {},
): Promise<void> {
  const service = provider === 'entra-id' ? 'entra' : provider;
  const auth = provider === 'entra-id' ? undefined : await world.bearer(provider);
  const front = await startFront({ target: world.sandbox.urls[service], targetCaPem: world.sandbox.caPem });
  const verifier = new Verifier({
    provider,
    providerBaseUrl: front.origin,
    // Dataverse and F&O: their `$batch` interactions are in a V4 pact of their own (README "`$batch`").
    pactUrls: options.pactUrl
      ? [options.pactUrl]
      : [pactFile(provider), ...(provider === 'entra-id' ? [] : [batchPactFile(provider)])],
    logLevel: 'error',
    stateHandlers: (options.stateHandlers ?? {}) as NonNullable<VerifierOptions['stateHandlers']>,
    requestFilter: (req, _res, next) => {
      if (auth && req.headers.authorization) req.headers.authorization = auth;
      if (provider === 'entra-id') rewriteEntraRequest(world, req);
      next();
    },
  });
  try {
    await verifier.verifyProvider();
  } finally {
    await front.close();
  }
}

interface FilterRequest {
  url: string;
  body?: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** The example tenant, client and resource of the Entra pact → the sandbox's. */
function rewriteEntraRequest(world: ProviderWorld, req: FilterRequest): void {
  req.url = req.url.replace(/^\/[0-9a-f-]{36}\//i, `/${world.sandbox.tenantId}/`);
  const body = req.body;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body) && 'client_id' in body) {
    // Pact's proxy parsed the form; it would send it on as JSON: encode it again.
    const form = { ...(body as Record<string, string>) };
    form['client_id'] = world.clientId;
    form['client_secret'] = world.clientSecret;
    if (form['scope']) form['scope'] = `${world.sandbox.urls.dataverse}/.default`;
    const encoded = Buffer.from(new URLSearchParams(form).toString());
    req.body = encoded;
    req.headers['content-length'] = String(encoded.length);
  }
}
