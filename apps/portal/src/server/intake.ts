import { createHash, timingSafeEqual } from 'node:crypto';
import { createSecretsRepository, eq, type SecretName, schema } from '@mlc/db';
import { type Logger, withContext } from '@mlc/logger';
import { IntakeError } from '@mlc/worker';
import { isUuid } from './api/scope';
import { CORRELATION_HEADER, correlationIdFrom } from './correlation';
import type { PortalServices } from './services';

/**
 * The intake routes: Dataverse webhooks (`POST /api/webhooks/dataverse/{connectionId}`, secret in
 * `x-mlc-webhook-secret`) and F&O business events (`POST /api/events/fno/{connectionId}?code=…`).
 *
 * Order of the checks: the connection exists (404), the secret matches (401, compared in constant
 * time on SHA-256 digests so neither length nor content leaks), the body is at most 256 KB (413;
 * Dataverse truncates larger messages itself and flags them, and those are accepted), then the
 * worker's intake parses (400 with the parser's message), stores it once under its dedup key and
 * queues it (202). Nothing here logs or stores the secret.
 */
export const MAX_BODY_BYTES = 256 * 1024;
export const WEBHOOK_SECRET_HEADER = 'x-mlc-webhook-secret';

/** Request headers kept with the message (the parser reads Dataverse's `x-ms-*` ones); never credentials. */
const DROPPED_HEADERS = new Set([WEBHOOK_SECRET_HEADER, 'authorization', 'cookie', 'proxy-authorization']);

type Source = 'dataverse' | 'fno';

const SECRET_OF: Record<Source, SecretName> = {
  dataverse: 'webhook_secret',
  fno: 'business_events_secret',
};

function json(status: number, body: unknown, correlationId: string): Response {
  return Response.json(body, {
    status,
    headers: { 'cache-control': 'no-store', [CORRELATION_HEADER]: correlationId },
  });
}

/** Constant-time equality of two secrets of any length (their SHA-256 digests are compared). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

class TooLarge extends Error {}

/** The body as text, refusing (without reading on) anything over the limit. */
async function readBody(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) throw new TooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function keptHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!DROPPED_HEADERS.has(name.toLowerCase())) out[name.toLowerCase()] = value;
  });
  return out;
}

async function receive(
  source: Source,
  request: Request,
  connectionId: string,
  getServices: () => Promise<PortalServices>,
  fallbackLogger: Logger,
): Promise<Response> {
  const correlationId = correlationIdFrom(request.headers);
  let services: PortalServices;
  try {
    services = await getServices();
  } catch (error) {
    withContext(fallbackLogger, { correlationId }).error({ err: error }, 'intake unavailable');
    return json(
      503,
      { error: 'The portal cannot reach its database; the sender will retry.' },
      correlationId,
    );
  }
  const log = withContext(services.logger, {
    correlationId,
    connectionId: isUuid(connectionId) ? connectionId : 'invalid',
    intake: source,
  });
  const notFound = () => {
    log.warn('intake for an unknown connection');
    return json(404, { error: 'No such connection.' }, correlationId);
  };
  if (!isUuid(connectionId)) return notFound();
  const [connection] = await services.db.db
    .select({ id: schema.connections.id })
    .from(schema.connections)
    .where(eq(schema.connections.id, connectionId));
  if (!connection) return notFound();

  const given =
    source === 'dataverse'
      ? request.headers.get(WEBHOOK_SECRET_HEADER)
      : new URL(request.url).searchParams.get('code');
  const stored = await createSecretsRepository(services.db.db, services.vault).reveal(
    connectionId,
    SECRET_OF[source],
  );
  if (!given || !stored || !secretsEqual(given, stored)) {
    log.warn(
      { reason: !given ? 'missing secret' : !stored ? 'sync not enabled' : 'wrong secret' },
      'intake refused',
    );
    return json(401, { error: 'Missing or wrong secret.' }, correlationId);
  }

  let body: string;
  try {
    body = await readBody(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof TooLarge) {
      log.warn({ limitBytes: MAX_BODY_BYTES }, 'intake body too large');
      return json(413, { error: `The body is larger than ${MAX_BODY_BYTES} bytes.` }, correlationId);
    }
    throw error;
  }

  const client = await services.syncClient();
  const input = { connectionId, headers: keptHeaders(request.headers), body };
  try {
    if (source === 'dataverse') {
      const receipt = await client.receiveDataverseWebhook(input);
      log.info(
        { inboxEventId: receipt.inboxEventId, duplicate: receipt.duplicate, summary: receipt.summary },
        'webhook received',
      );
      return json(202, { received: true, duplicate: receipt.duplicate }, correlationId);
    }
    const receipt = await client.receiveFnoBusinessEvent(input);
    if (receipt.inboxEventId === null) {
      log.info({ summary: receipt.summary }, 'business event activation test acknowledged');
      return json(200, { acknowledged: true }, correlationId);
    }
    log.info(
      { inboxEventId: receipt.inboxEventId, duplicate: receipt.duplicate, summary: receipt.summary },
      'business event received',
    );
    return json(202, { received: true, duplicate: receipt.duplicate }, correlationId);
  } catch (error) {
    if (error instanceof IntakeError) {
      log.warn({ status: error.status, detail: error.message }, 'intake refused the message');
      return json(error.status, { error: error.message }, correlationId);
    }
    log.error({ err: error }, 'intake failed');
    return json(500, { error: 'The message could not be stored; the sender will retry.' }, correlationId);
  }
}

export function receiveDataverseWebhook(
  request: Request,
  connectionId: string,
  getServices: () => Promise<PortalServices>,
  logger: Logger,
): Promise<Response> {
  return receive('dataverse', request, connectionId, getServices, logger);
}

export function receiveFnoBusinessEvent(
  request: Request,
  connectionId: string,
  getServices: () => Promise<PortalServices>,
  logger: Logger,
): Promise<Response> {
  return receive('fno', request, connectionId, getServices, logger);
}
