import { parseBusinessEvent, parseRemoteExecutionContext } from '@mlc/connectors';
import { createInboxRepository, type DbClient } from '@mlc/db';
import type { JobQueue } from '../jobs/index';

/**
 * Webhook intake: what the portal's `POST /api/webhooks/dataverse/{connectionId}` does after it
 * checked the secret. The raw body is parsed (a malformed one is refused with the parser's precise
 * message and nothing is stored), kept verbatim in the inbox under its dedup key (a redelivery is
 * a no-op), and turned into a job. Answering fast matters: Dataverse waits for us.
 */
export interface WebhookReceipt {
  inboxEventId: string;
  duplicate: boolean;
  /** `salesorder Update 2f1c…`, for the caller's log. */
  summary: string;
}

export class IntakeError extends Error {
  override readonly name = 'IntakeError';
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** JSON, then the connector's parser: either failing is a 400 with the precise reason. */
function parseIntakeBody<T>(body: string, parse: (json: unknown) => T): T {
  const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new IntakeError(400, `The body is not JSON: ${message(error)}`);
  }
  try {
    return parse(json);
  } catch (error) {
    throw new IntakeError(400, message(error));
  }
}

/**
 * Fields that become the dedup key or stored headers must be storable: PostgreSQL refuses U+0000
 * in `text` and `jsonb`, so such a message is refused here (400) instead of failing the insert.
 */
function refuseNul(what: string, fields: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (value?.includes('\u0000')) {
      throw new IntakeError(
        400,
        `${what}: ${name} contains a NUL character (U+0000); the message was not stored.`,
      );
    }
  }
}

export async function receiveDataverseWebhook(
  deps: { db: DbClient; jobs: JobQueue },
  input: { connectionId: string; headers: Record<string, string>; body: string },
): Promise<WebhookReceipt> {
  const event = parseIntakeBody(input.body, (json) => parseRemoteExecutionContext(json, input.headers));
  refuseNul('The Dataverse webhook body', {
    MessageName: event.messageName,
    PrimaryEntityName: event.primaryEntityName,
  });
  const identity = event.operationId ?? event.requestId ?? event.correlationId;
  const dedupKey =
    `${event.messageName}:${event.primaryEntityName}:${event.primaryEntityId}:${identity}`.toLowerCase();
  const inbox = createInboxRepository(deps.db.db);
  const stored = await inbox.receive({
    connectionId: input.connectionId,
    source: 'dataverse_webhook',
    dedupKey,
    headers: input.headers,
    body: input.body,
  });
  if (!stored.duplicate) {
    await deps.jobs.enqueue('inbox.process', { connectionId: input.connectionId, inboxEventId: stored.id });
  }
  return {
    inboxEventId: stored.id,
    duplicate: stored.duplicate,
    summary: `${event.primaryEntityName} ${event.messageName} ${event.primaryEntityId}`,
  };
}

export interface BusinessEventReceipt {
  /** `null` for F&O's activation test message, acknowledged and not stored. */
  inboxEventId: string | null;
  duplicate: boolean;
  summary: string;
}

/**
 * Business-event intake (`POST /api/events/fno/{connectionId}` after the secret check): parsed,
 * deduplicated on legal entity + `ControlNumber` (a redelivery, or the same event through a
 * second endpoint, is a no-op), stored, and turned into a job. The activation test message is
 * acknowledged without storing anything.
 */
export async function receiveFnoBusinessEvent(
  deps: { db: DbClient; jobs: JobQueue },
  input: { connectionId: string; headers: Record<string, string>; body: string },
): Promise<BusinessEventReceipt> {
  const event = parseIntakeBody(input.body, (json) => parseBusinessEvent(json));
  if (event.kind === 'sample') {
    return { inboxEventId: null, duplicate: false, summary: `test message for ${event.businessEventId}` };
  }
  refuseNul('The F&O business event', {
    BusinessEventId: event.businessEventId,
    BusinessEventLegalEntity: event.legalEntity,
  });
  const dedupKey = `${event.legalEntity ?? '-'}:${event.controlNumber}`;
  const inbox = createInboxRepository(deps.db.db);
  const stored = await inbox.receive({
    connectionId: input.connectionId,
    source: 'fno_business_event',
    dedupKey,
    headers: {
      ...input.headers,
      'x-mlc-business-event-id': event.businessEventId,
      'x-mlc-event-id': event.eventId,
    },
    body: input.body,
  });
  if (!stored.duplicate) {
    await deps.jobs.enqueue('inbox.process', { connectionId: input.connectionId, inboxEventId: stored.id });
  }
  return {
    inboxEventId: stored.id,
    duplicate: stored.duplicate,
    summary: `${event.businessEventId} ${event.legalEntity ?? ''} #${event.controlNumber}`,
  };
}
