import { randomUUID } from 'node:crypto';
import { createRecordsRepository } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { describe, expect } from 'vitest';
import { fuzzApi, inProcessSend } from '../src/testing';
import { callerFor, contoso, signUp, startTestPortal } from './harness';

/**
 * The fast subset of the soak's bad-input scenario for the API: hostile inputs, methods, sessions,
 * origins and content types to every tRPC procedure and to sign-in / sign-up, through the handlers
 * the routes use (tRPC's fetch adapter, better-auth).
 */
describe('API under hostile input', () => {
  dbTest(
    'no 5xx and every refusal is JSON that says what is wrong',
    async ({ database }) => {
      const portal = startTestPortal(database, { signInPerMinute: 10_000 });
      try {
        const owner = await signUp(portal);
        const { id } = await callerFor(portal, owner).connections.create(contoso);
        const record = await createRecordsRepository(portal.services.db.db).upsertPending({
          connectionId: id,
          direction: 'sales_to_fno',
          entity: 'salesorder',
          naturalKey: 'ORD-FUZZ-1',
          sourceId: randomUUID(),
        });
        const result = await fuzzApi({
          send: inProcessSend(portal.services),
          origin: portal.services.config.publicUrl,
          cookie: owner.cookie,
          connectionId: id,
          recordId: record.id,
          runs: Number(process.env['FUZZ_RUNS'] ?? 400),
          seed: Number(process.env['FUZZ_SEED'] ?? 20_251),
          concurrency: 4,
        });
        expect(result.findings.kept).toEqual([]);
        expect(result.serverErrors).toBe(0);
        for (const status of ['200', '400', '401', '403', '404'])
          expect(result.byStatus[status]).toBeGreaterThan(0);
        expect(portal.logs.join('\n')).not.toContain(contoso.salesClientSecret);
      } finally {
        await portal.close();
      }
    },
    120_000,
  );
});
