import { randomUUID } from 'node:crypto';
import { createRecordsRepository, createSecretsRepository } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { describe, expect } from 'vitest';
import { inProcessSend, type Send, validBusinessEvent, validWebhook } from '../src/testing';
import { callerFor, contoso, signUp, startTestPortal, type TestPortal } from './harness';

/**
 * What the bad-input fuzzing found (each was a 500), kept as fixed cases: U+0000 in a value that
 * goes into a `text`/`jsonb` column, dates and cursors outside what PostgreSQL parses.
 */
const WEBHOOK = 'webhook-secret-Rg8v1xLw3pK0aB7nM2cD4eF6gH9jR5sT';
const EVENTS = 'events-secret-Rg6u3iOp1aSd5fGh7jKl9zXc2vBn4mQw';

async function setUp(portal: TestPortal) {
  const owner = await signUp(portal);
  const { id } = await callerFor(portal, owner).connections.create(contoso);
  const secrets = createSecretsRepository(portal.services.db.db, portal.services.vault);
  await secrets.put(id, 'webhook_secret', WEBHOOK);
  await secrets.put(id, 'business_events_secret', EVENTS);
  return { owner, id, send: inProcessSend(portal.services) };
}

async function refusal(response: Promise<Response>): Promise<{ status: number; message: string }> {
  const answer = await response;
  const body = (await answer.json()) as { error?: string | { message?: string }; message?: string };
  const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message ?? '');
  return { status: answer.status, message };
}

const query = (send: Send, cookie: string, path: string, input: unknown) =>
  send(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { cookie } });
const mutate = (send: Send, cookie: string, path: string, input: unknown) =>
  send(`/api/trpc/${path}`, {
    method: 'POST',
    headers: { cookie, origin: 'http://localhost:3000', 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });

describe('bad-input findings stay fixed', () => {
  dbTest('U+0000 in intake key fields is a 400 naming the field, not a 500', async ({ database }) => {
    const portal = startTestPortal(database);
    try {
      const { id, send } = await setUp(portal);
      const webhook = JSON.parse(validWebhook(1).body) as Record<string, unknown>;
      for (const field of ['MessageName', 'PrimaryEntityName']) {
        const answer = await refusal(
          send(`/api/webhooks/dataverse/${id}`, {
            method: 'POST',
            headers: { 'x-mlc-webhook-secret': WEBHOOK, 'content-type': 'application/json' },
            body: JSON.stringify({ ...webhook, [field]: 'sales\u0000order' }),
          }),
        );
        expect(answer).toEqual({
          status: 400,
          message: `The Dataverse webhook body: ${field} contains a NUL character (U+0000); the message was not stored.`,
        });
      }
      const event = JSON.parse(validBusinessEvent(1).body) as Record<string, unknown>;
      for (const field of ['BusinessEventId', 'BusinessEventLegalEntity']) {
        const answer = await refusal(
          send(`/api/events/fno/${id}?code=${EVENTS}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ ...event, [field]: 'us\u0000mf' }),
          }),
        );
        expect(answer.status).toBe(400);
        expect(answer.message).toContain(`${field} contains a NUL character`);
      }
    } finally {
      await portal.close();
    }
  });

  dbTest('U+0000 anywhere in a tRPC input or a sign-up is a 400 naming the field', async ({ database }) => {
    const portal = startTestPortal(database);
    try {
      const { owner, id, send } = await setUp(portal);
      const cases: [Promise<Response>, string][] = [
        [query(send, owner.cookie, 'records.list', { connectionId: id, search: 'a\u0000' }), 'input.search'],
        [mutate(send, owner.cookie, 'connections.create', { ...contoso, name: 'a\u0000b' }), 'input.name'],
        [
          mutate(send, owner.cookie, 'connections.updateSettings', {
            id,
            settings: { legalEntities: { default: 'usmf', rules: [{ when: '\u0000' }] } },
          }),
          'input.settings.legalEntities.rules[0].when',
        ],
        [
          send('/api/auth/sign-up/email', {
            method: 'POST',
            headers: { origin: 'http://localhost:3000', 'content-type': 'application/json' },
            body: JSON.stringify({
              email: 'nul@example.com',
              password: 'correct horse battery staple',
              name: 'Nul',
              organisationName: 'Nul\u0000 Ltd',
            }),
          }),
          'body.organisationName',
        ],
      ];
      for (const [response, field] of cases) {
        expect(await refusal(response)).toEqual({
          status: 400,
          message: `${field} contains a NUL character (U+0000), which cannot be stored; remove it and try again.`,
        });
      }
    } finally {
      await portal.close();
    }
  });

  dbTest(
    'records.list: dates and cursors PostgreSQL cannot read are 400s; paging still works',
    async ({ database }) => {
      const portal = startTestPortal(database);
      try {
        const { owner, id, send } = await setUp(portal);
        for (const from of ['-100000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']) {
          const answer = await refusal(query(send, owner.cookie, 'records.list', { connectionId: id, from }));
          expect(answer.status).toBe(400);
          expect(answer.message).toMatch(
            /^Invalid input: from: from must be in year (1 or later|9999 or earlier)\.$/,
          );
        }
        for (const at of ['-100000-01-01', '+275760-09-13', '2020-02-31 00:00:00+00']) {
          const cursor = Buffer.from(JSON.stringify([at, randomUUID()])).toString('base64url');
          expect(
            await refusal(query(send, owner.cookie, 'records.list', { connectionId: id, cursor })),
          ).toEqual({
            status: 400,
            message: 'The cursor is not valid; start again from the first page.',
          });
        }
        // The cursor (microseconds since the epoch) pages through rows written in the same instant.
        const records = createRecordsRepository(portal.services.db.db);
        for (let i = 0; i < 7; i += 1)
          await records.upsertPending({
            connectionId: id,
            direction: 'sales_to_fno',
            entity: 'salesorder',
            naturalKey: `ORD-${i}`,
            sourceId: randomUUID(),
          });
        await portal.services.db.pool.query('update sync_records set updated_at = now()');
        const caller = callerFor(portal, owner);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<typeof caller.records.list>> = await caller.records.list({
            connectionId: id,
            limit: 3,
            cursor,
          });
          seen.push(...page.items.map((item) => item.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toHaveLength(7);
        expect(new Set(seen).size).toBe(7);
      } finally {
        await portal.close();
      }
    },
  );
});
