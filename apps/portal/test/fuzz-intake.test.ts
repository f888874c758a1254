import { createSecretsRepository, eq, schema } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { describe, expect } from 'vitest';
import { fuzzIntake, inProcessSend } from '../src/testing';
import { callerFor, contoso, signUp, startTestPortal } from './harness';

/**
 * The fast subset of the soak's bad-input scenario (`npm run soak -- bad-input` runs the same
 * property thousands of times against the built portal over HTTP): hostile deliveries to both
 * intake endpoints, interleaved with valid ones, through the route handlers.
 */
const WEBHOOK_SECRET = 'webhook-secret-Fz8v1xLw3pK0aB7nM2cD4eF6gH9jR5sT';
const EVENTS_SECRET = 'events-secret-Fz6u3iOp1aSd5fGh7jKl9zXc2vBn4mQw';

describe('intake under hostile input', () => {
  dbTest(
    'no 5xx, every refusal says what is wrong, every valid delivery stored exactly once',
    async ({ database }) => {
      const portal = startTestPortal(database);
      try {
        const owner = await signUp(portal);
        const { id } = await callerFor(portal, owner).connections.create(contoso);
        const secrets = createSecretsRepository(portal.services.db.db, portal.services.vault);
        await secrets.put(id, 'webhook_secret', WEBHOOK_SECRET);
        await secrets.put(id, 'business_events_secret', EVENTS_SECRET);
        const result = await fuzzIntake({
          send: inProcessSend(portal.services),
          connectionId: id,
          webhookSecret: WEBHOOK_SECRET,
          eventsSecret: EVENTS_SECRET,
          inbox: () =>
            portal.services.db.db
              .select({ source: schema.inboxEvents.source, dedupKey: schema.inboxEvents.dedupKey })
              .from(schema.inboxEvents)
              .where(eq(schema.inboxEvents.connectionId, id)),
          runs: Number(process.env['FUZZ_RUNS'] ?? 400),
          seed: Number(process.env['FUZZ_SEED'] ?? 20_251),
          concurrency: 4,
        });
        expect(result.findings.kept).toEqual([]);
        expect(result.serverErrors).toBe(0);
        expect(result.lost).toBe(0);
        expect(result.valid).toBeGreaterThan(20);
        expect(result.hostile).toBeGreaterThan(200);
        // The property saw every kind of answer it must give.
        for (const status of ['202', '400', '401', '404', '413'])
          expect(result.byStatus[status]).toBeGreaterThan(0);
        // Nothing a sender put in a secret header or query reached the log.
        const logs = portal.logs.join('\n');
        expect(logs).not.toContain(WEBHOOK_SECRET);
        expect(logs).not.toContain(EVENTS_SECRET);
      } finally {
        await portal.close();
      }
    },
    120_000,
  );
});
