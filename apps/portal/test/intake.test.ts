import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecretsRepository, schema } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { afterEach, describe, expect } from 'vitest';
import type { PortalServices } from '../src/server/services';
import { callerFor, signUp, startTestPortal, type TestPortal } from './harness';

const webhookBody = readFileSync(
  new URL('./fixtures/dataverse-update-contact.json', import.meta.url),
  'utf8',
);
const activationBody = readFileSync(
  new URL('./fixtures/fno-activation-sample.json', import.meta.url),
  'utf8',
);
const businessEvent = JSON.stringify({
  ...JSON.parse(activationBody),
  BusinessEventId: 'BatchJobStartedBusinessEvent',
  BusinessEventLegalEntity: 'USMF',
  ControlNumber: 5637611083,
  EventId: '3c47a4cd-6edc-4319-b893-3f862eed65fd',
  EventTime: '/Date(1672408275000)/',
  EventTimeIso8601: '2022-12-30T13:51:15.2942742Z',
  InitiatingUserAADObjectId: '{410A2690-5EC2-42EE-9F2A-E75B4E324930}',
  JobId: 5637145326,
  JobDescription: 'Post invoices',
  JobStatus: 'Executing',
});

const WEBHOOK_SECRET = 'webhook-secret-Zq8v1xLw3pK0aB7nM2cD4eF6gH9jR5sT';
const EVENTS_SECRET = 'events-secret-Yt6u3iOp1aSd5fGh7jKl9zXc2vBn4mQw';

const store = globalThis as typeof globalThis & { __mlcPortalServices?: Promise<PortalServices> | undefined };

/**
 * The route modules as Next loads them; the process's services (`getServices()`, a singleton on
 * globalThis) are this test's services on its own database.
 */
async function routes(portal: TestPortal) {
  store.__mlcPortalServices = Promise.resolve(portal.services);
  const [webhook, events] = await Promise.all([
    import('../src/app/api/webhooks/dataverse/[connectionId]/route'),
    import('../src/app/api/events/fno/[connectionId]/route'),
  ]);
  const params = (connectionId: string) => ({ params: Promise.resolve({ connectionId }) });
  return {
    webhook: (
      connectionId: string,
      init: { body?: string; secret?: string; headers?: Record<string, string> },
    ) =>
      webhook.POST(
        new Request(`http://localhost:3000/api/webhooks/dataverse/${connectionId}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(init.secret === undefined ? {} : { 'x-mlc-webhook-secret': init.secret }),
            ...init.headers,
          },
          body: init.body ?? webhookBody,
        }),
        params(connectionId),
      ),
    event: (connectionId: string, init: { body?: string; code?: string }) =>
      events.POST(
        new Request(
          `http://localhost:3000/api/events/fno/${connectionId}${init.code === undefined ? '' : `?code=${encodeURIComponent(init.code)}`}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: init.body ?? businessEvent,
          },
        ),
        params(connectionId),
      ),
  };
}

/** A connection whose sync was enabled (its intake secrets stored, as `enable` stores them). */
async function enabledConnection(portal: TestPortal) {
  const owner = await signUp(portal);
  const { id } = await callerFor(portal, owner).connections.create({
    name: 'Contoso',
    entraTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    salesUrl: 'https://contoso.crm.dynamics.com',
    salesClientId: '11111111-2222-3333-4444-555555555555',
    salesClientSecret: 'sales-client-secret-value-1',
    fnoUrl: 'https://contoso.operations.dynamics.com',
    fnoClientId: '11111111-2222-3333-4444-555555555555',
    defaultLegalEntity: 'usmf',
  });
  const secrets = createSecretsRepository(portal.services.db.db, portal.services.vault);
  await secrets.put(id, 'webhook_secret', WEBHOOK_SECRET);
  await secrets.put(id, 'business_events_secret', EVENTS_SECRET);
  return id;
}

async function inbox(portal: TestPortal) {
  return portal.services.db.db.select().from(schema.inboxEvents);
}

let opened: TestPortal | undefined;
afterEach(async () => {
  store.__mlcPortalServices = undefined;
  await opened?.close();
  opened = undefined;
});

function open(database: Parameters<typeof startTestPortal>[0]): TestPortal {
  opened = startTestPortal(database);
  return opened;
}

describe('POST /api/webhooks/dataverse/[connectionId]', () => {
  dbTest('404 for an id that is not a uuid or no connection', async ({ database }) => {
    const portal = open(database);
    const { webhook } = await routes(portal);
    expect((await webhook('not-a-uuid', { secret: WEBHOOK_SECRET })).status).toBe(404);
    expect((await webhook(randomUUID(), { secret: WEBHOOK_SECRET })).status).toBe(404);
  });

  dbTest('401 without the secret header or with a wrong one; nothing stored', async ({ database }) => {
    const portal = open(database);
    const id = await enabledConnection(portal);
    const { webhook } = await routes(portal);
    expect((await webhook(id, {})).status).toBe(401);
    expect((await webhook(id, { secret: `${WEBHOOK_SECRET}x` })).status).toBe(401);
    expect((await webhook(id, { secret: 'short' })).status).toBe(401);
    expect((await webhook(id, { secret: EVENTS_SECRET })).status).toBe(401);
    expect(await inbox(portal)).toEqual([]);
  });

  dbTest('413 for a body over 256 KB', async ({ database }) => {
    const portal = open(database);
    const id = await enabledConnection(portal);
    const { webhook } = await routes(portal);
    const big = JSON.stringify({ ...JSON.parse(webhookBody), Padding: 'x'.repeat(256 * 1024) });
    const response = await webhook(id, { secret: WEBHOOK_SECRET, body: big });
    expect(response.status).toBe(413);
    expect(await inbox(portal)).toEqual([]);
  });

  dbTest('400 with the parser message for a malformed body', async ({ database }) => {
    const portal = open(database);
    const id = await enabledConnection(portal);
    const { webhook } = await routes(portal);
    const notJson = await webhook(id, { secret: WEBHOOK_SECRET, body: '{"MessageName": ' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toMatch(/^The body is not JSON: /);
    const wrongShape = await webhook(id, {
      secret: WEBHOOK_SECRET,
      body: JSON.stringify({ MessageName: 42 }),
    });
    expect(wrongShape.status).toBe(400);
    const message = ((await wrongShape.json()) as { error: string }).error;
    expect(message.length).toBeGreaterThan(10);
    expect(message).not.toMatch(/^The body is not JSON/);
    expect(await inbox(portal)).toEqual([]);
  });

  dbTest('202 and stored once; a redelivery is acknowledged as a duplicate', async ({ database }) => {
    const portal = open(database);
    const id = await enabledConnection(portal);
    const { webhook } = await routes(portal);
    const first = await webhook(id, { secret: WEBHOOK_SECRET });
    expect(first.status).toBe(202);
    expect(first.headers.get('x-correlation-id')).toBeTruthy();
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const again = await webhook(id, { secret: WEBHOOK_SECRET });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    const stored = await inbox(portal);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ connectionId: id, source: 'dataverse_webhook', body: webhookBody });
    expect(JSON.stringify(stored[0]?.headers)).not.toContain(WEBHOOK_SECRET);
    const logged = portal.logs.filter((line) => line.includes('webhook received'));
    expect(logged).toHaveLength(2);
    expect(JSON.parse(logged[0] ?? '{}')).toMatchObject({
      connectionId: id,
      correlationId: expect.any(String),
    });
    expect(portal.logs.join('\n')).not.toContain(WEBHOOK_SECRET);
  });

  dbTest(
    'a message Dataverse truncated (over its own 256 KB limit) is accepted and stored',
    async ({ database }) => {
      const portal = open(database);
      const id = await enabledConnection(portal);
      const { webhook } = await routes(portal);
      const truncated = JSON.stringify({
        ...JSON.parse(webhookBody),
        InputParameters: [],
        OperationId: randomUUID(),
      });
      const response = await webhook(id, {
        secret: WEBHOOK_SECRET,
        body: truncated,
        headers: { 'x-ms-dynamics-msg-size-exceeded': 'true' },
      });
      expect(response.status).toBe(202);
      const stored = await inbox(portal);
      expect(stored).toHaveLength(1);
      expect(stored[0]?.headers).toMatchObject({ 'x-ms-dynamics-msg-size-exceeded': 'true' });
    },
  );
});

describe('POST /api/events/fno/[connectionId]', () => {
  dbTest('404 for an unknown connection, 401 without or with a wrong code', async ({ database }) => {
    const portal = open(database);
    const id = await enabledConnection(portal);
    const { event } = await routes(portal);
    expect((await event(randomUUID(), { code: EVENTS_SECRET })).status).toBe(404);
    expect((await event('x', { code: EVENTS_SECRET })).status).toBe(404);
    expect((await event(id, {})).status).toBe(401);
    expect((await event(id, { code: WEBHOOK_SECRET })).status).toBe(401);
    expect(await inbox(portal)).toEqual([]);
  });

  dbTest('acknowledges F&O’s activation test message without storing it', async ({ database }) => {
    const portal = open(database);
    const id = await enabledConnection(portal);
    const { event } = await routes(portal);
    const response = await event(id, { code: EVENTS_SECRET, body: activationBody });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ acknowledged: true });
    expect(await inbox(portal)).toEqual([]);
  });

  dbTest(
    '202 for a business event, stored once; 400 for a malformed one; 413 when too large',
    async ({ database }) => {
      const portal = open(database);
      const id = await enabledConnection(portal);
      const { event } = await routes(portal);
      const first = await event(id, { code: EVENTS_SECRET });
      expect(first.status).toBe(202);
      expect(await first.json()).toEqual({ received: true, duplicate: false });
      const again = await event(id, { code: EVENTS_SECRET });
      expect(await again.json()).toEqual({ received: true, duplicate: true });
      const stored = await inbox(portal);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ source: 'fno_business_event', dedupKey: 'usmf:5637611083' });

      const malformed = await event(id, { code: EVENTS_SECRET, body: '[1, 2' });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { error: string }).error).toMatch(/^The body is not JSON: /);
      const big = JSON.stringify({ ...JSON.parse(businessEvent), Padding: 'x'.repeat(300_000) });
      expect((await event(id, { code: EVENTS_SECRET, body: big })).status).toBe(413);
      const logs = portal.logs.join('\n');
      expect(logs).toContain('business event received');
      expect(logs).not.toContain(EVENTS_SECRET);
    },
  );
});
