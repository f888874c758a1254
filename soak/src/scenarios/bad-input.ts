import { randomBytes, randomUUID } from 'node:crypto';
import { createRecordsRepository, eq, schema } from '@mlc/db';
import { fuzzApi, fuzzIntake, scanForSecrets } from '@mlc/portal/testing';
import { progress, withSoakDatabase } from '../flow/env';
import { signUpOver, startPortalBed, storeIntakeSecrets, trpc } from '../portal/bed';
import type { Flags, SoakOutcome } from '../scenario';

/**
 * bad-input: the intake and API fuzz properties of `@mlc/portal/testing` (the portal's own tests
 * run them a few hundred times) run thousands of times: hostile bodies, headers, ids and query
 * strings to the Dataverse webhook and the F&O business-event endpoints, interleaved with valid
 * deliveries and redeliveries; hostile inputs to every tRPC procedure and to sign-in / sign-up.
 * Flags: `--runs N` (per property, default 3000), `--seed S` (default 1), `--concurrency C` (4).
 */
export async function runBadInput(flags: Flags): Promise<SoakOutcome> {
  const runs = Number(flags['runs'] ?? 3000);
  const seed = Number(flags['seed'] ?? 1);
  const concurrency = Number(flags['concurrency'] ?? 4);
  const origin = 'http://localhost:3000';
  const webhookSecret = randomBytes(32).toString('base64url');
  const eventsSecret = randomBytes(32).toString('base64url');
  const clientSecret = `soak-client-${randomBytes(12).toString('hex')}`;

  return withSoakDatabase(async (env) => {
    const bed = await startPortalBed(env.databaseUrl, { publicUrl: origin, signInPerMinute: 1_000_000 });
    let unhandled = 0;
    const onUnhandled = () => {
      unhandled += 1;
    };
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    try {
      const owner = await signUpOver(bed.send, origin, 'Bad Input Ltd');
      const created = await trpc<{ id: string }>(bed.send, origin, owner, 'mutation', 'connections.create', {
        name: 'Fuzz target',
        entraTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        salesUrl: 'https://fuzz.crm.dynamics.com',
        salesClientId: '11111111-2222-3333-4444-555555555555',
        salesClientSecret: clientSecret,
        fnoUrl: 'https://fuzz.operations.dynamics.com',
        fnoClientId: '66666666-7777-8888-9999-000000000000',
        defaultLegalEntity: 'usmf',
      });
      const connectionId = created.data?.id;
      if (!connectionId) throw new Error(`connections.create: ${JSON.stringify(created.error)}`);
      await storeIntakeSecrets(bed, connectionId, webhookSecret, eventsSecret);
      const record = await createRecordsRepository(bed.db.db).upsertPending({
        connectionId,
        direction: 'sales_to_fno',
        entity: 'salesorder',
        naturalKey: 'ORD-SOAK-1',
        sourceId: randomUUID(),
      });

      progress(`bad-input: ${runs} intake deliveries (seed ${seed}, ${concurrency} at once)`);
      const intake = await fuzzIntake({
        send: bed.portal.send,
        connectionId,
        webhookSecret,
        eventsSecret,
        inbox: () =>
          bed.db.db
            .select({ source: schema.inboxEvents.source, dedupKey: schema.inboxEvents.dedupKey })
            .from(schema.inboxEvents)
            .where(eq(schema.inboxEvents.connectionId, connectionId)),
        runs,
        seed,
        concurrency,
      });
      progress(`bad-input: ${runs} API calls`);
      const api = await fuzzApi({
        send: bed.portal.send,
        origin,
        cookie: owner.cookie,
        connectionId,
        recordId: record.id,
        runs,
        seed,
        concurrency,
      });
      const health = await trpc(bed.send, origin, owner, 'query', 'connections.get', { id: connectionId });
      const leaks = scanForSecrets(
        bed.portal.logs.map((text) => ({ where: 'portal log', text })),
        [webhookSecret, eventsSecret, clientSecret],
      );
      const dist = (byStatus: Record<string, number>) =>
        Object.entries(byStatus)
          .map(([status, n]) => `${status}:${n}`)
          .join(' ');
      return {
        parameters: { runs, seed, concurrency, transport: 'route handlers in-process (no build needed)' },
        figures: [
          { name: 'intake requests', value: intake.requests },
          { name: 'intake answers', value: dist(intake.byStatus) },
          { name: 'valid deliveries', value: intake.valid },
          { name: 'redeliveries', value: intake.redeliveries },
          { name: 'hostile deliveries', value: intake.hostile },
          { name: 'intake 5xx', value: intake.serverErrors, expect: '0', ok: intake.serverErrors === 0 },
          {
            name: 'intake unclear refusals',
            value: intake.badRefusals,
            expect: '0',
            ok: intake.badRefusals === 0,
          },
          { name: 'valid refused', value: intake.validRefused, expect: '0', ok: intake.validRefused === 0 },
          { name: 'valid lost', value: intake.lost, expect: '0', ok: intake.lost === 0 },
          { name: 'valid stored twice', value: intake.duplicated, expect: '0', ok: intake.duplicated === 0 },
          { name: 'API requests', value: api.requests },
          { name: 'API answers', value: dist(api.byStatus) },
          { name: 'API 5xx', value: api.serverErrors, expect: '0', ok: api.serverErrors === 0 },
          { name: 'API unclear refusals', value: api.badRefusals, expect: '0', ok: api.badRefusals === 0 },
          { name: 'unhandled errors', value: unhandled, expect: '0', ok: unhandled === 0 },
          {
            name: 'portal answers after',
            value: health.status,
            expect: '200',
            ok: health.status === 200,
          },
          { name: 'secrets in logs', value: leaks.length, expect: '0', ok: leaks.length === 0 },
        ],
        details: { intakeFindings: intake.findings.kept, apiFindings: api.findings.kept, leaks },
      };
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
      await bed.close();
    }
  });
}
