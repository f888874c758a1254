import { randomBytes } from 'node:crypto';
import { createHostGuard, createTokenProvider, type HostKind, isConnectorError } from '@mlc/connectors';
import {
  asc,
  type ConnectionSettings,
  connectionSettingsSchema,
  createSecretsRepository,
  type Database,
  eq,
  schema,
  sql,
} from '@mlc/db';
import type { ConnectionFigures } from '@mlc/worker';
import type { TRPCRouterRecord } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { pingProgress } from '../../ping-progress';
import { isSandboxConnection, readSandbox, sandboxSettings } from '../../sandbox';
import type { PortalServices } from '../../services';
import {
  connectionCreateSchema,
  connectionIdSchema,
  figuresInputSchema,
  setSecretSchema,
  updateSettingsSchema,
} from '../schemas';
import { type ConnectionRow, loadConnection } from '../scope';
import { type WorkspaceProcedureContext, workspaceProcedure } from '../trpc';

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';

export type PingSystem = 'entra' | 'sales' | 'fno';
export interface PingCheckResult {
  system: PingSystem;
  name: string;
  ok: boolean;
  detail: string;
  remedy?: string;
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

export const webhookUrlOf = (publicUrl: string, id: string) => `${publicUrl}/api/webhooks/dataverse/${id}`;
export const businessEventsUrlOf = (publicUrl: string, id: string) => `${publicUrl}/api/events/fno/${id}`;

/** What `connections.list` shows of a connection (and `get` extends). */
function listItem(row: ConnectionRow, figures: ConnectionFigures | null) {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    statusReason: row.statusReason,
    salesUrl: row.salesUrl,
    fnoUrl: row.fnoUrl,
    defaultLegalEntity: row.settings.legalEntities.default,
    enabledAt: iso(row.enabledAt),
    lastPing:
      row.lastPingAt && row.lastPingOk !== null
        ? { at: row.lastPingAt.toISOString(), ok: row.lastPingOk }
        : null,
    figures,
  };
}

/** Figures of a connection that was enabled once; `null` before, or when they cannot be read now. */
async function figuresOf(
  ctx: WorkspaceProcedureContext,
  row: ConnectionRow,
): Promise<ConnectionFigures | null> {
  if (!row.enabledAt) return null;
  try {
    return await (await ctx.services.syncClient()).figures(row.id);
  } catch (error) {
    ctx.logger.warn({ err: error, connectionId: row.id }, 'figures unavailable');
    return null;
  }
}

function secretsOf(services: PortalServices) {
  return createSecretsRepository(services.db.db, services.vault);
}

/** A connector refusal (host guard, token) as a tRPC error a form can show. */
function badRequest(error: unknown): TRPCError {
  if (isConnectorError(error)) {
    return new TRPCError({
      code: 'BAD_REQUEST',
      message: error.remedy ? `${error.message} ${error.remedy}` : error.message,
    });
  }
  return new TRPCError({
    code: 'BAD_REQUEST',
    message: error instanceof Error ? error.message : String(error),
  });
}

/** `https://host[:port]` of an accepted URL; a path, query or fragment is refused. */
function originOf(guard: ReturnType<typeof createHostGuard>, value: string, kind: HostKind, label: string) {
  let url: URL;
  try {
    url = guard.check(value, kind);
  } catch (error) {
    throw badRequest(error);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `${label}: give the address without a path, e.g. ${url.origin}.`,
    });
  }
  return url.origin;
}

const UNIQUE_MESSAGES: Record<string, string> = {
  connections_workspace_name_key: 'A connection with this name already exists in your workspace.',
  connections_workspace_sales_url_key: 'This Sales environment is already connected in your workspace.',
  connections_workspace_fno_url_key: 'This F&O environment is already connected in your workspace.',
};

function conflictOrThrow(error: unknown): never {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const pg = cause as { code?: string; constraint?: string };
  const message = pg?.code === '23505' && pg.constraint ? UNIQUE_MESSAGES[pg.constraint] : undefined;
  if (message) throw new TRPCError({ code: 'CONFLICT', message });
  throw error;
}

async function touch(db: Database, id: string): Promise<void> {
  // The workers rebuild a connection's runtime (secrets, settings) when `updated_at` moves.
  await db.update(schema.connections).set({ updatedAt: sql`now()` }).where(eq(schema.connections.id, id));
}

/** The Entra ID part of a connection test: a token for each environment with the stored secrets. */
/** A connector's check as the portal shows it. */
function presentCheck(
  row: ConnectionRow,
  system: 'sales' | 'fno',
  check: { name: string; ok: boolean; detail: string; remedy?: string },
): PingCheckResult {
  // Before the first Enable, a missing Dataverse alternate key is expected: Enable creates it (and
  // waits until it is Active). The check says so instead of failing the test.
  if (!row.enabledAt && !check.ok && system === 'sales' && check.name.startsWith('alternate key')) {
    return { system, name: check.name, ok: true, detail: `${check.detail} Enable creates it.` };
  }
  return {
    system,
    name: check.name,
    ok: check.ok,
    detail: check.detail,
    ...(check.remedy ? { remedy: check.remedy } : {}),
  };
}

async function entraChecks(services: PortalServices, row: ConnectionRow): Promise<PingCheckResult[]> {
  const secrets = secretsOf(services);
  const salesSecret = await secrets.reveal(row.id, 'sales_client_secret');
  const fnoSecret = (await secrets.reveal(row.id, 'fno_client_secret')) ?? salesSecret;
  const targets = [
    { label: 'Sales', clientId: row.salesClientId, secret: salesSecret, url: row.salesUrl },
    { label: 'F&O', clientId: row.fnoClientId, secret: fnoSecret, url: row.fnoUrl },
  ];
  return Promise.all(
    targets.map(async (target): Promise<PingCheckResult> => {
      const name = `token for ${target.label}`;
      if (!target.secret) {
        return {
          system: 'entra',
          name,
          ok: false,
          detail: `No client secret is stored for the ${target.label} app.`,
          remedy: 'Enter the client secret of the Entra app in the connection settings.',
        };
      }
      try {
        const provider = createTokenProvider({
          authorityHost: row.authorityHost,
          tenantId: row.entraTenantId,
          clientId: target.clientId,
          clientSecret: target.secret,
          ...(row.settings.sandbox ? { sandbox: { caPem: row.settings.sandbox.caPem } } : {}),
        });
        const token = await provider.getToken(target.url);
        return {
          system: 'entra',
          name,
          ok: true,
          detail: `Entra ID issued a token for ${new URL(target.url).host} (valid until ${new Date(token.expiresOn).toISOString()}).`,
        };
      } catch (error) {
        return {
          system: 'entra',
          name,
          ok: false,
          detail: error instanceof Error ? error.message : String(error),
          ...(isConnectorError(error) && error.remedy ? { remedy: error.remedy } : {}),
        };
      }
    }),
  );
}

/** Figures over the window, with one point per minute computed from the records and their audit trail. */
async function figureSeries(services: PortalServices, connectionId: string, windowMinutes: number) {
  const result = await services.db.pool.query<{
    at: Date;
    lag_p50: number | null;
    lag_p95: number | null;
    synced: number;
    failed: number;
    queue: number;
  }>(
    `with buckets as (
       select generate_series(date_trunc('minute', now()) - make_interval(mins => $2 - 1),
                              date_trunc('minute', now()), interval '1 minute') as at),
     lags as (
       select date_trunc('minute', r.synced_at) as at,
              extract(epoch from (r.synced_at - (e.output->>'modifiedon')::timestamptz)) as lag
         from sync_records r
         join lateral (
           select output from record_events e
            where e.record_id = r.id and e.stage = 'read' and e.outcome = 'ok' and e.output ? 'modifiedon'
            order by e.seq desc limit 1) e on true
        where r.connection_id = $1 and r.direction = 'sales_to_fno' and r.status = 'synced'
          and r.synced_at >= (select min(at) from buckets)),
     failures as (
       select date_trunc('minute', e.started_at) as at, count(*)::int as n
         from record_events e join sync_records r on r.id = e.record_id
        where r.connection_id = $1 and e.outcome = 'failed' and e.started_at >= (select min(at) from buckets)
        group by 1)
     select b.at,
            (select percentile_cont(0.5) within group (order by l.lag) from lags l
              where l.at = b.at and l.lag >= 0) as lag_p50,
            (select percentile_cont(0.95) within group (order by l.lag) from lags l
              where l.at = b.at and l.lag >= 0) as lag_p95,
            (select count(*)::int from sync_records r
              where r.connection_id = $1 and r.status = 'synced'
                and r.synced_at >= b.at and r.synced_at < b.at + interval '1 minute') as synced,
            coalesce((select f.n from failures f where f.at = b.at), 0) as failed,
            (select count(*)::int from sync_records r
              where r.connection_id = $1 and r.created_at < b.at + interval '1 minute'
                and ((r.synced_at is not null and r.synced_at >= b.at + interval '1 minute')
                  or (r.synced_at is null and r.status in ('pending', 'running')))) as queue
       from buckets b order by b.at`,
    [connectionId, windowMinutes],
  );
  const round = (value: number | null) => (value === null ? null : Math.round(Number(value) * 1000) / 1000);
  return result.rows.map((row) => ({
    at: new Date(row.at).toISOString(),
    lagP50: round(row.lag_p50),
    lagP95: round(row.lag_p95),
    synced: row.synced,
    failed: row.failed,
    queue: row.queue,
  }));
}

const progressSchema = z.looseObject({
  phase: z.string().default('unknown'),
  done: z.number().default(0),
  written: z.number().default(0),
  failed: z.number().default(0),
  total: z.number().nullable().optional(),
  finishedAt: z.string().nullable().optional(),
});

function requireOwner(ctx: WorkspaceProcedureContext, action: string): void {
  if (ctx.workspace.role !== 'owner') {
    throw new TRPCError({ code: 'FORBIDDEN', message: `Only the workspace owner can ${action}.` });
  }
}

export const connectionsRouter = {
  list: workspaceProcedure.query(async ({ ctx }) => {
    const rows = await ctx.services.db.db
      .select()
      .from(schema.connections)
      .where(eq(schema.connections.workspaceId, ctx.workspace.id))
      .orderBy(asc(schema.connections.name));
    return Promise.all(rows.map(async (row) => listItem(row, await figuresOf(ctx, row))));
  }),

  get: workspaceProcedure.input(connectionIdSchema).query(async ({ ctx, input }) => {
    const row = await loadConnection(ctx, input.id);
    const secrets = secretsOf(ctx.services);
    const status = await secrets.status(row.id);
    const publicUrl = ctx.services.config.publicUrl;
    const hasEventsSecret = status.some((secret) => secret.name === 'business_events_secret');
    // The business-events code is the one secret shown: F&O's endpoint is configured by pasting
    // this URL, so the owner sees it (members see the URL without it).
    let businessEventsUrl: string | null = null;
    if (hasEventsSecret) {
      const code =
        ctx.workspace.role === 'owner' ? await secrets.reveal(row.id, 'business_events_secret') : undefined;
      businessEventsUrl = code
        ? `${businessEventsUrlOf(publicUrl, row.id)}?code=${encodeURIComponent(code)}`
        : businessEventsUrlOf(publicUrl, row.id);
    }
    return {
      ...listItem(row, await figuresOf(ctx, row)),
      entraTenantId: row.entraTenantId,
      authorityHost: row.authorityHost,
      salesClientId: row.salesClientId,
      fnoClientId: row.fnoClientId,
      settings: row.settings,
      secrets: status.map((secret) => ({ name: secret.name, setAt: secret.updatedAt.toISOString() })),
      webhookUrl: webhookUrlOf(publicUrl, row.id),
      businessEventsUrl,
      sandbox: row.settings.sandbox !== undefined,
    };
  }),

  sandboxDefaults: workspaceProcedure.query(async ({ ctx }) => {
    const { config } = ctx.services;
    if (!config.sandboxMode) return null;
    const info = await readSandbox(config.sandboxStateDir);
    if (!info?.descriptor.fno) return null;
    const { descriptor } = info;
    const fno = descriptor.fno;
    if (!fno) return null;
    return {
      name: 'Sandbox',
      authorityHost: info.origins.entra,
      entraTenantId: descriptor.entra.tenantId,
      salesUrl: info.origins.sales,
      salesClientId: descriptor.sales.clientId,
      salesClientSecret: descriptor.sales.clientSecret,
      fnoUrl: info.origins.fno,
      fnoClientId: fno.clientId,
      fnoClientSecret: fno.clientSecret,
      defaultLegalEntity: 'usmf',
      settings: sandboxSettings(info),
    };
  }),

  create: workspaceProcedure.input(connectionCreateSchema).mutation(async ({ ctx, input }) => {
    const { config } = ctx.services;
    const authorityInput = input.authorityHost ?? DEFAULT_AUTHORITY;
    const sandbox = config.sandboxMode ? await readSandbox(config.sandboxStateDir) : null;
    const isSandbox = isSandboxConnection(sandbox, {
      authorityHost: authorityInput,
      salesUrl: input.salesUrl,
      fnoUrl: input.fnoUrl,
    });
    const guard = createHostGuard(
      isSandbox && sandbox
        ? { sandbox: { origins: Object.values(sandbox.origins), caPem: sandbox.caPem } }
        : {},
    );
    const authorityHost = originOf(guard, authorityInput, 'authority', 'Entra ID login host');
    const salesUrl = originOf(guard, input.salesUrl, 'environment', 'Sales URL');
    const fnoUrl = originOf(guard, input.fnoUrl, 'environment', 'F&O URL');
    const base: ConnectionSettings =
      isSandbox && sandbox ? sandboxSettings(sandbox) : connectionSettingsSchema.parse({});
    const settings: ConnectionSettings = {
      ...base,
      legalEntities: { ...base.legalEntities, default: input.defaultLegalEntity },
    };
    const id = await ctx.services.db.db
      .transaction(async (tx) => {
        const [row] = await tx
          .insert(schema.connections)
          .values({
            workspaceId: ctx.workspace.id,
            name: input.name,
            authorityHost,
            entraTenantId: input.entraTenantId,
            salesUrl,
            salesClientId: input.salesClientId,
            fnoUrl,
            fnoClientId: input.fnoClientId,
            settings,
          })
          .returning({ id: schema.connections.id });
        if (!row) throw new Error('the connection was not created');
        // Same query API as the pool's Database: the secrets go in the same transaction.
        const secrets = createSecretsRepository(tx as unknown as Database, ctx.services.vault);
        await secrets.put(row.id, 'sales_client_secret', input.salesClientSecret);
        if (input.fnoClientSecret) await secrets.put(row.id, 'fno_client_secret', input.fnoClientSecret);
        return row.id;
      })
      .catch(conflictOrThrow);
    ctx.logger.info({ connectionId: id, sandbox: isSandbox }, 'connection created');
    return { id };
  }),

  updateSettings: workspaceProcedure.input(updateSettingsSchema).mutation(async ({ ctx, input }) => {
    const row = await loadConnection(ctx, input.id);
    // Trusting the sandbox CA is decided by the server when the connection is created, never by a form.
    const { sandbox: _ignored, ...rest } = input.settings;
    const settings: ConnectionSettings = row.settings.sandbox
      ? { ...rest, sandbox: row.settings.sandbox }
      : rest;
    await ctx.services.db.db
      .update(schema.connections)
      .set({ settings, updatedAt: sql`now()` })
      .where(eq(schema.connections.id, row.id));
    ctx.logger.info({ connectionId: row.id }, 'connection settings updated');
    return { ok: true as const };
  }),

  setSecret: workspaceProcedure.input(setSecretSchema).mutation(async ({ ctx, input }) => {
    const row = await loadConnection(ctx, input.id);
    await secretsOf(ctx.services).put(row.id, input.name, input.value);
    await touch(ctx.services.db.db, row.id);
    const status = await secretsOf(ctx.services).status(row.id);
    const setAt = status.find((secret) => secret.name === input.name)?.updatedAt ?? new Date();
    ctx.logger.info({ connectionId: row.id, secret: input.name }, 'connection secret replaced');
    return { name: input.name, setAt: setAt.toISOString() };
  }),

  ping: workspaceProcedure.input(connectionIdSchema).mutation(async ({ ctx, input }) => {
    const row = await loadConnection(ctx, input.id);
    const live = pingProgress.start(row.id);
    const entra = await entraChecks(ctx.services, row);
    live.checks.push(...entra);
    let systems: Awaited<ReturnType<Awaited<ReturnType<PortalServices['syncClient']>>['ping']>>;
    try {
      systems = await (await ctx.services.syncClient()).ping(row.id, (system, check) => {
        live.checks.push(presentCheck(row, system, check));
      });
    } catch (error) {
      ctx.logger.error({ err: error, connectionId: row.id }, 'connection test failed to run');
      systems = [
        {
          system: 'sales',
          checks: [{ name: 'connection test', ok: false, detail: 'The connection test could not run.' }],
        },
      ];
    }
    const checks: PingCheckResult[] = [
      ...entra,
      ...systems.flatMap(({ system, checks: list }) => list.map((check) => presentCheck(row, system, check))),
    ];
    live.running = false;
    const ok = checks.length > 0 && checks.every((check) => check.ok);
    const [stored] = await ctx.services.db.db
      .update(schema.connections)
      .set({ lastPingAt: sql`now()`, lastPingOk: ok, lastPingChecks: checks })
      .where(eq(schema.connections.id, row.id))
      .returning({ at: schema.connections.lastPingAt });
    ctx.logger.info(
      { connectionId: row.id, ok, failed: checks.filter((c) => !c.ok).map((c) => c.name) },
      'ping',
    );
    return { at: (stored?.at ?? new Date()).toISOString(), ok, checks };
  }),

  /** The checks of the running (or last) ping so far, to show each one as it completes. */
  pingProgress: workspaceProcedure.input(connectionIdSchema).query(async ({ ctx, input }) => {
    const row = await loadConnection(ctx, input.id);
    return pingProgress.get(row.id);
  }),

  enable: workspaceProcedure.input(connectionIdSchema).mutation(async ({ ctx, input }) => {
    requireOwner(ctx, 'enable sync');
    const row = await loadConnection(ctx, input.id);
    const secrets = secretsOf(ctx.services);
    // Kept across re-enables: F&O's endpoint and Dataverse's webhook keep working.
    const ensure = async (name: 'webhook_secret' | 'business_events_secret') => {
      const existing = await secrets.reveal(row.id, name);
      if (existing) return existing;
      const value = randomBytes(32).toString('base64url');
      await secrets.put(row.id, name, value);
      return value;
    };
    const webhookSecret = await ensure('webhook_secret');
    const eventsSecret = await ensure('business_events_secret');
    const publicUrl = ctx.services.config.publicUrl;
    const webhookUrl = webhookUrlOf(publicUrl, row.id);
    let setup: Awaited<ReturnType<Awaited<ReturnType<PortalServices['syncClient']>>['control']['enable']>>;
    try {
      setup = await (await ctx.services.syncClient()).control.enable(row.id, { webhookUrl, webhookSecret });
    } catch (error) {
      ctx.logger.warn({ err: error, connectionId: row.id }, 'enable failed');
      const remedy = (error as { remedy?: unknown })?.remedy;
      const message = error instanceof Error ? error.message : String(error);
      throw new TRPCError({
        code: 'PRECONDITION_FAILED',
        message: typeof remedy === 'string' ? `${message} ${remedy}` : message,
      });
    }
    const steps: { name: string; ok: boolean; detail: string }[] = [];
    for (const key of setup?.keys ?? []) {
      steps.push({
        name: `alternate key ${key.table}`,
        ok: key.status.toLowerCase() === 'active',
        detail: `${key.schemaName} (${key.columns.join(', ')}): ${key.status}${key.created ? ', created now' : ''}`,
      });
    }
    for (const table of setup?.tracking ?? []) {
      steps.push({ name: `change tracking ${table.table}`, ok: table.enabled, detail: table.detail });
    }
    if (setup?.webhook) {
      steps.push({
        name: 'webhook',
        ok: true,
        detail: `service endpoint ${setup.webhook.endpoint}, ${setup.webhook.steps.length} steps registered`,
      });
    }
    steps.push({
      name: 'sync enabled',
      ok: true,
      detail: 'Changes from now on are synced; the first polls load the catalog.',
    });
    ctx.logger.info({ connectionId: row.id }, 'sync enabled');
    return {
      webhookUrl,
      businessEventsUrl: `${businessEventsUrlOf(publicUrl, row.id)}?code=${encodeURIComponent(eventsSecret)}`,
      steps,
    };
  }),

  pause: workspaceProcedure.input(connectionIdSchema).mutation(async ({ ctx, input }) => {
    const row = await loadConnection(ctx, input.id);
    if (!row.enabledAt) {
      throw new TRPCError({
        code: 'PRECONDITION_FAILED',
        message: 'Sync is not enabled for this connection yet.',
      });
    }
    await (await ctx.services.syncClient()).control.pause(row.id);
    ctx.logger.info({ connectionId: row.id }, 'sync paused');
    return { status: 'paused' as const };
  }),

  resume: workspaceProcedure.input(connectionIdSchema).mutation(async ({ ctx, input }) => {
    const row = await loadConnection(ctx, input.id);
    if (!row.enabledAt) {
      throw new TRPCError({
        code: 'PRECONDITION_FAILED',
        message: 'Sync is not enabled for this connection yet.',
      });
    }
    const queued = await (await ctx.services.syncClient()).control.resume(row.id);
    ctx.logger.info({ connectionId: row.id, queued }, 'sync resumed');
    return { status: 'active' as const };
  }),

  figures: workspaceProcedure.input(figuresInputSchema).query(async ({ ctx, input }) => {
    const row = await loadConnection(ctx, input.id);
    const client = await ctx.services.syncClient();
    const [figures, series] = await Promise.all([
      client.figures(row.id, input.windowMinutes),
      figureSeries(ctx.services, row.id, input.windowMinutes),
    ]);
    return { ...figures, series };
  }),

  progress: workspaceProcedure.input(connectionIdSchema).query(async ({ ctx, input }) => {
    const row = await loadConnection(ctx, input.id);
    const rows = await ctx.services.db.pool.query<{ stream: string; cursor: unknown }>(
      `select stream, cursor from sync_cursors
        where connection_id = $1 and system = 'fno' and stream in ('progress/catalog', 'progress/customers')`,
      [row.id],
    );
    return (['catalog', 'customers'] as const).map((stream) => {
      const found = rows.rows.find((r) => r.stream === `progress/${stream}`);
      const parsed = found ? progressSchema.safeParse(found.cursor) : undefined;
      const progress = parsed?.success ? parsed.data : undefined;
      return {
        stream,
        phase: progress?.phase ?? 'not started',
        done: progress?.done ?? 0,
        written: progress?.written ?? 0,
        failed: progress?.failed ?? 0,
        total: progress?.total ?? null,
        finishedAt: progress?.finishedAt ?? null,
      };
    });
  }),
} satisfies TRPCRouterRecord;
