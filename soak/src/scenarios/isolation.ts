import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTokenProvider } from '@mlc/connectors';
import { createKeyring, createSecretsRepository, createVault, parseKey } from '@mlc/db';
import { procedures, scanForSecrets } from '@mlc/portal/testing';
import { startCompleteSandbox } from '@mlc/sandbox';
import { startWorker } from '@mlc/worker';
import { progress, withSoakDatabase } from '../flow/env';
import { type Session, signUpOver, startPortalBed, trpc } from '../portal/bed';
import { capturingLogger } from '../portal/capture';
import type { Flags, SoakOutcome } from '../scenario';

/**
 * isolation and secrets: two workspaces, each with a sandbox connection pinged and enabled while
 * the worker syncs; every tRPC procedure called by each with the other's ids (must answer
 * NOT_FOUND and show nothing of it); then every log line of the portal and the worker and every
 * API answer of the run scanned for the stored client and intake secrets and for access tokens
 * (JWTs) of the sandbox's Entra ID. Flags: `--settle S` seconds of syncing before the scan (default 20).
 */
const PUBLIC_URL = 'http://127.0.0.1:9';

export async function runIsolation(flags: Flags): Promise<SoakOutcome> {
  const settleSeconds = Number(flags['settle'] ?? 20);
  return withSoakDatabase(async (env) => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-soak-isolation-'));
    const sandboxLog = capturingLogger('sandbox', 'warn');
    const workerLog = capturingLogger('worker');
    const encryptionKey = randomBytes(32).toString('base64');
    const sandbox = await startCompleteSandbox({
      stateDir,
      reset: true,
      logger: sandboxLog.logger,
      fnoColdStartMs: 100,
    });
    const bed = await startPortalBed(env.databaseUrl, {
      publicUrl: PUBLIC_URL,
      sandboxMode: true,
      sandboxStateDir: stateDir,
      encryptionKey,
    });
    const worker = await startWorker({
      databaseUrl: bed.db.url,
      logger: workerLog.logger,
      health: { host: '127.0.0.1', port: 0 },
      vault: createVault(createKeyring(parseKey(encryptionKey, 'soak key'))),
      sync: { tickMs: 300, staleAfterSeconds: 3 },
    });
    try {
      const call = (who: Session, kind: 'query' | 'mutation', name: string, input?: unknown) =>
        trpc<Record<string, unknown>>(bed.send, PUBLIC_URL, who, kind, name, input);
      const workspaces: { name: string; session: Session; connectionId: string }[] = [];
      for (const name of ['Alice Ltd', 'Bob GmbH']) {
        const session = await signUpOver(bed.send, PUBLIC_URL, name);
        const defaults = await call(session, 'query', 'connections.sandboxDefaults');
        if (!defaults.data) throw new Error(`sandboxDefaults: ${JSON.stringify(defaults)}`);
        const { settings: _settings, ...form } = defaults.data;
        const created = await call(session, 'mutation', 'connections.create', {
          ...form,
          name: `${name} sandbox`,
        });
        const connectionId = String(created.data?.['id'] ?? '');
        if (!connectionId) throw new Error(`connections.create: ${JSON.stringify(created.error)}`);
        progress(`isolation: ${name}: ping and enable`);
        await call(session, 'mutation', 'connections.ping', { id: connectionId });
        const enabled = await call(session, 'mutation', 'connections.enable', { id: connectionId });
        if (!enabled.data) throw new Error(`enable: ${JSON.stringify(enabled.error)}`);
        workspaces.push({ name, session, connectionId });
      }
      progress(`isolation: syncing for ${settleSeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));

      // Every procedure, by each workspace, with the other's ids.
      let tried = 0;
      const leaksAcross: string[] = [];
      for (const [me, other] of [
        [workspaces[0], workspaces[1]],
        [workspaces[1], workspaces[0]],
      ] as const) {
        if (!me || !other) continue;
        const theirs = await call(other.session, 'query', 'records.list', {
          connectionId: other.connectionId,
          limit: 5,
        });
        const recordIds = ((theirs.data?.['items'] as { id: string }[] | undefined) ?? []).map((r) => r.id);
        const ids = { connectionId: other.connectionId, recordId: recordIds[0] ?? other.connectionId };
        for (const procedure of procedures) {
          // Every procedure that takes an id (create takes none).
          if (!procedure.input || procedure.path === 'connections.create') continue;
          const answer = await call(me.session, procedure.type, procedure.path, procedure.input(ids));
          tried += 1;
          if (answer.error?.code !== 'NOT_FOUND')
            leaksAcross.push(
              `${me.name} ${procedure.path}: ${answer.status} ${JSON.stringify(answer).slice(0, 200)}`,
            );
        }
        const list = await call(me.session, 'query', 'connections.list');
        if (JSON.stringify(list.data).includes(other.connectionId))
          leaksAcross.push(`${me.name} connections.list`);
      }

      // The secrets of the run: the sandbox apps' client secrets, the intake secrets enable stored,
      // and a token issued now by the sandbox's Entra ID (the scanner must find it where planted).
      const descriptor = await call(
        workspaces[0]?.session as Session,
        'query',
        'connections.sandboxDefaults',
      );
      const clientSecrets = [
        descriptor.data?.['salesClientSecret'],
        descriptor.data?.['fnoClientSecret'],
      ].filter((s): s is string => typeof s === 'string');
      const vault = createSecretsRepository(bed.db.db, bed.portal.services.vault);
      const webhookSecrets: string[] = [];
      const eventsSecrets: string[] = [];
      for (const w of workspaces) {
        const webhook = await vault.reveal(w.connectionId, 'webhook_secret');
        const events = await vault.reveal(w.connectionId, 'business_events_secret');
        if (webhook) webhookSecrets.push(webhook);
        if (events) eventsSecrets.push(events);
      }
      const intakeSecrets = [...webhookSecrets, ...eventsSecrets];
      const app = sandbox.entra.mainApp();
      const token = await createTokenProvider({
        authorityHost: sandbox.urls.entra,
        tenantId: sandbox.tenantId,
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        sandbox: { caPem: sandbox.caPem },
      }).getToken(sandbox.urls.dataverse);
      const planted = scanForSecrets([{ where: 'planted', text: `x ${token.token} y` }], []).length;

      // Where secrets are shown by design: sandboxDefaults (the sandbox's own demo credentials, to
      // prefill the wizard), and the business-events URL with its code (enable, get for owners).
      const byDesign =
        /^GET \/api\/trpc\/connections\.(sandboxDefaults|get)$|^POST \/api\/trpc\/connections\.enable$/;
      const answers = bed.answers.filter((a) => !byDesign.test(a.where));
      const shown = bed.answers.filter((a) => byDesign.test(a.where));
      const haystacks = [
        ...bed.portal.logs.map((text) => ({ where: 'portal log', text })),
        ...workerLog.lines.map((text) => ({ where: 'worker log', text })),
        ...answers,
      ];
      const leaks = scanForSecrets(haystacks, [...clientSecrets, ...intakeSecrets]);
      // Answers that show a secret by design show only the business-events code: never a client
      // secret of a connection's own form, a webhook secret or a token.
      const shownLeaks = scanForSecrets(
        shown.filter((a) => !a.where.includes('sandboxDefaults')),
        [...clientSecrets, ...webhookSecrets],
      ).length;
      return {
        parameters: {
          settleSeconds,
          workspaces: 2,
          transport: 'route handlers in-process, sandbox + worker',
        },
        figures: [
          { name: 'cross-workspace calls', value: tried },
          {
            name: 'answered other than NOT_FOUND',
            value: leaksAcross.length,
            expect: '0',
            ok: leaksAcross.length === 0,
          },
          { name: 'log lines scanned', value: bed.portal.logs.length + workerLog.lines.length },
          { name: 'API answers scanned', value: answers.length },
          {
            name: 'secrets looked for',
            value: clientSecrets.length + intakeSecrets.length,
            expect: '6',
            ok: clientSecrets.length + intakeSecrets.length === 6,
          },
          { name: 'secrets or tokens found', value: leaks.length, expect: '0', ok: leaks.length === 0 },
          {
            name: 'more than the code where shown',
            value: shownLeaks,
            expect: '0',
            ok: shownLeaks === 0,
          },
          { name: 'scanner finds a planted token', value: planted, expect: '1', ok: planted === 1 },
          { name: 'worker sync log lines', value: workerLog.lines.length },
        ],
        details: { leaksAcross, leaks },
      };
    } finally {
      await worker.stop().catch(() => undefined);
      await bed.close().catch(() => undefined);
      await sandbox.stop().catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    }
  });
}
