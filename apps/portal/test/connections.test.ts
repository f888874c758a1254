import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createSecretsRepository, schema } from '@mlc/db';
import { dbTest } from '@mlc/db/testing';
import { createLogger } from '@mlc/logger';
import { type CompleteSandbox, startCompleteSandbox } from '@mlc/sandbox';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { callerFor, contoso, signUp, startTestPortal } from './harness';

let sandbox: CompleteSandbox;
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-portal-sandbox-'));
  sandbox = await startCompleteSandbox({
    stateDir,
    reset: true,
    fnoColdStartMs: 100,
    logger: createLogger({ name: 'sandbox', destination: new Writable({ write: (_c, _e, done) => done() }) }),
  });
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('connections against the sandbox', () => {
  dbTest(
    'creates a connection from the sandbox defaults, pings it (all checks ok) and enables sync',
    async ({ database }) => {
      const portal = startTestPortal(database, { sandboxMode: true, sandboxStateDir: stateDir });
      try {
        const owner = await signUp(portal, { organisationName: 'Kestrel' });
        const api = callerFor(portal, owner);
        const responses: unknown[] = [];
        const keep = <T>(value: T): T => {
          responses.push(value);
          return value;
        };

        const defaults = await api.connections.sandboxDefaults();
        expect(defaults).not.toBeNull();
        if (!defaults) return;
        expect(defaults.settings.sandbox?.caPem).toContain('BEGIN CERTIFICATE');
        expect(defaults.settings.legalEntities.settings['usmf']).toMatchObject({
          currencyCode: 'USD',
          customerGroupId: '10',
          customerAccounts: 'manual',
          salesOrderNumbers: 'sequence',
          priceList: 'Standard Price List (USD)',
        });
        expect(defaults.settings.legalEntities.settings['demf']).toMatchObject({
          currencyCode: 'EUR',
          priceList: 'Standard Price List (EUR)',
        });
        const { settings: _settings, ...form } = defaults;
        const { id } = keep(await api.connections.create(form));

        const detail = keep(await api.connections.get({ id }));
        expect(detail).toMatchObject({
          sandbox: true,
          status: 'draft',
          businessEventsUrl: null,
          lastPing: null,
        });
        expect(detail.secrets.map((s) => s.name).sort()).toEqual([
          'fno_client_secret',
          'sales_client_secret',
        ]);

        // Before Enable, the Dataverse alternate keys do not exist yet: Enable creates them, and the
        // check says so without failing.
        // The checks can be watched as they complete while the ping runs.
        const seen: { running: boolean; count: number }[] = [];
        const pinging = api.connections.ping({ id });
        let settled = false;
        void pinging.finally(() => {
          settled = true;
        });
        while (!settled) {
          const live = await api.connections.pingProgress({ id });
          if (live) seen.push({ running: live.running, count: live.checks.length });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const first = keep(await pinging);
        expect(
          seen.some((state) => state.running && state.count > 0 && state.count < first.checks.length),
        ).toBe(true);
        const after = await api.connections.pingProgress({ id });
        expect(after?.running).toBe(false);
        const names = (checks: readonly { system: string; name: string }[]) =>
          checks.map((check) => `${check.system}/${check.name}`).sort();
        expect(names(after?.checks ?? [])).toEqual(names(first.checks));
        expect(
          first.checks.filter((check) => !check.ok),
          JSON.stringify(first.checks, null, 1),
        ).toEqual([]);
        expect(first.ok).toBe(true);
        expect(new Set(first.checks.map((check) => check.system))).toEqual(
          new Set(['entra', 'sales', 'fno']),
        );
        expect(
          first.checks.filter((check) => check.detail.endsWith('Enable creates it.')).length,
        ).toBeGreaterThan(0);

        const enabled = keep(await api.connections.enable({ id }));
        expect(enabled.webhookUrl).toBe(`http://localhost:3000/api/webhooks/dataverse/${id}`);
        expect(enabled.businessEventsUrl).toMatch(
          new RegExp(`^http://localhost:3000/api/events/fno/${id}\\?code=[A-Za-z0-9_-]{43}$`),
        );
        expect(enabled.steps.filter((step) => !step.ok)).toEqual([]);
        expect(enabled.steps.map((step) => step.name)).toContain('webhook');

        const ping = keep(await api.connections.ping({ id }));
        expect(
          ping.checks.filter((check) => !check.ok),
          JSON.stringify(ping.checks, null, 1),
        ).toEqual([]);
        expect(ping.ok).toBe(true);

        const secrets = createSecretsRepository(portal.services.db.db, portal.services.vault);
        const webhookSecret = await secrets.reveal(id, 'webhook_secret');
        const eventsSecret = await secrets.reveal(id, 'business_events_secret');
        expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(enabled.businessEventsUrl.endsWith(`code=${eventsSecret}`)).toBe(true);

        const listed = keep(await api.connections.list());
        expect(listed).toEqual([
          expect.objectContaining({ id, status: 'active', lastPing: { at: ping.at, ok: true } }),
        ]);
        expect(listed[0]?.enabledAt).toEqual(expect.any(String));
        const again = keep(await api.connections.get({ id }));
        expect(again.businessEventsUrl).toBe(enabled.businessEventsUrl);
        expect(again.secrets.map((s) => s.name).sort()).toEqual([
          'business_events_secret',
          'fno_client_secret',
          'sales_client_secret',
          'webhook_secret',
        ]);
        const figures = keep(await api.connections.figures({ id, windowMinutes: 10 }));
        expect(figures.series).toHaveLength(10);
        expect(figures.records).toMatchObject({ failed: 0 });
        const progress = keep(await api.connections.progress({ id }));
        expect(progress.map((p) => p.stream)).toEqual(['catalog', 'customers']);
        expect(keep(await api.connections.pause({ id }))).toEqual({ status: 'paused' });
        expect((await api.connections.get({ id })).status).toBe('paused');
        expect(keep(await api.connections.resume({ id }))).toEqual({ status: 'active' });

        // No response (but the business-events URL shown to the owner) and no log line carries a secret.
        const app = sandbox.entra.mainApp();
        const stored = [app.clientSecret, webhookSecret ?? ''];
        const text = JSON.stringify(responses).replaceAll(enabled.businessEventsUrl, '<events url>');
        for (const secret of [...stored, eventsSecret ?? '']) expect(text).not.toContain(secret);
        const logs = portal.logs.join('\n');
        for (const secret of [...stored, eventsSecret ?? '']) expect(logs).not.toContain(secret);
      } finally {
        await portal.close();
      }
    },
    120_000,
  );

  dbTest(
    'refuses hosts that are not Microsoft’s, and the sandbox outside sandbox mode',
    async ({ database }) => {
      const portal = startTestPortal(database, { sandboxMode: false, sandboxStateDir: stateDir });
      try {
        const api = callerFor(portal, await signUp(portal));
        for (const salesUrl of [
          'https://evil.example.com',
          'http://contoso.crm.dynamics.com',
          'https://127.0.0.1',
          sandbox.urls.dataverse,
          'https://contoso.crm.dynamics.com/some/path',
        ]) {
          await expect(api.connections.create({ ...contoso, salesUrl }), salesUrl).rejects.toMatchObject({
            code: 'BAD_REQUEST',
          });
        }
        await expect(
          api.connections.create({
            ...contoso,
            authorityHost: sandbox.urls.entra,
            salesUrl: sandbox.urls.dataverse,
            fnoUrl: sandbox.urls.fno,
          }),
        ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/Refused/) });
        expect(await api.connections.sandboxDefaults()).toBeNull();
        expect(await portal.services.db.db.select().from(schema.connections)).toEqual([]);
      } finally {
        await portal.close();
      }
    },
  );
});

describe('secrets are write-only', () => {
  dbTest('no API response and no log line contains a stored client secret', async ({ database }) => {
    const portal = startTestPortal(database);
    try {
      const owner = await signUp(portal);
      const api = callerFor(portal, owner);
      const responses: unknown[] = [];
      const keep = <T>(value: T): T => {
        responses.push(value);
        return value;
      };
      const { id } = keep(await api.connections.create(contoso));
      keep(await api.connections.list());
      keep(await api.connections.get({ id }));
      keep(await api.connections.updateSettings({ id, settings: { cadences: { salesDeltaSeconds: 120 } } }));
      const replaced = 'replaced-sales-S3cret-value-0003';
      keep(await api.connections.setSecret({ id, name: 'sales_client_secret', value: replaced }));
      keep(await api.connections.get({ id }));
      keep(await api.connections.figures({ id }));
      keep(await api.connections.progress({ id }));
      keep(await api.records.list({ connectionId: id }));
      await expect(api.connections.create(contoso)).rejects.toMatchObject({ code: 'CONFLICT' });
      // The secrets are stored (encrypted), and nothing shows them.
      const secrets = createSecretsRepository(portal.services.db.db, portal.services.vault);
      expect(await secrets.reveal(id, 'sales_client_secret')).toBe(replaced);
      expect(await secrets.reveal(id, 'fno_client_secret')).toBe(contoso.fnoClientSecret);
      const rows = await portal.services.db.db.select().from(schema.connectionSecrets);
      const everything = `${JSON.stringify(responses)}\n${portal.logs.join('\n')}\n${JSON.stringify(rows)}`;
      for (const secret of [contoso.salesClientSecret, contoso.fnoClientSecret, replaced]) {
        expect(everything).not.toContain(secret);
      }
      const detail = await api.connections.get({ id });
      expect(detail.settings.cadences.salesDeltaSeconds).toBe(120);
    } finally {
      await portal.close();
    }
  });
});
