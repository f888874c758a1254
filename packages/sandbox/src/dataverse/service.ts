import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mlc/logger';
import { z } from 'zod';
import type { RequestContext, SandboxApp, SimulatorService, TokenVerifier } from '../core/contracts';
import { arrivalOf } from '../host/arrival';
import { actionSalesMessages } from './actions/close';
import { handleActivityControl } from './activity/control';
import { createActivityGenerator } from './activity/generator';
import { DataverseError, ErrorCode, errors } from './errors';
import type { ServiceProtection } from './extensions/service-protection';
import { attachWebhooks } from './extensions/webhooks';
import { type Authority, resolveCaller, verifyBearer } from './http/auth';
import { impersonate } from './http/impersonation';
import { parsePrefer } from './http/prefer';
import { sendError, sendJson } from './http/respond';
import { resourceName, routeRequest } from './http/router';
import { RequestScope, type ServiceState } from './http/scope';
import { parseApiPath } from './http/url';
import { handleLimitsControl } from './limits/control';
import { createServiceProtection, isConfigurableProtection } from './limits/protection';
import { metadata } from './metadata/registry';
import { syncApplicationUsers } from './seed/app-users';
import { buildSeed, DEFAULT_SEED, type SeedSize, seedFacts } from './seed/seed';
import { AnnotationFilter } from './serialize/annotations';
import { AlternateKeys } from './store/alternate-keys';
import { SnapshotStore } from './store/persistence';
import type { Store } from './store/store';
import type { WebhookOptions } from './webhooks/dispatcher';

export interface DataverseServiceOptions {
  /** State lives in `<stateDir>/dataverse/`. */
  stateDir: string;
  /** Checks bearer tokens: `createTokenVerifier` over the sandbox Entra ID's keys. */
  verifier: TokenVerifier;
  /** The app registrations; those with `dataverseApplicationUser` get an application user. */
  apps: () => readonly SandboxApp[];
  /**
   * The Entra authority named in 401 challenges: `<host>/<tenantId>/oauth2/authorize`. `host` may be
   * a function, e.g. `() => directory.url('entra') ?? 'https://login.microsoftonline.com'`.
   */
  authority: Authority;
  /** The audience tokens must carry; defaults to the origin each request came in on. */
  orgUrl?: string;
  logger: Logger;
  /** Seed number of the deterministic data (default 20250601). */
  seed?: number;
  /** Bulk products added to the seed (`BULK-000001`…), e.g. 100,000 for load tests. */
  extraProducts?: number;
  /** Smaller or larger seed data (tests). */
  seedSize?: Partial<SeedSize>;
  now?: () => Date;
  /** How long a new alternate key stays Pending/InProgress before it is Active (default 2 s). */
  keyActivationDelayMs?: number;
  /** Start from the seed even if a snapshot exists (`npm run sandbox -- --reset`). */
  fresh?: boolean;
  /**
   * Service protection limits (`createServiceProtection`; default: one with the limits switched
   * off, which `PUT /_sandbox/limits` can switch on).
   */
  serviceProtection?: ServiceProtection;
  /** Webhook delivery: timeout (60 s), retry delay, extra CA (PEM), loopback trust, size limit. */
  webhooks?: WebhookOptions;
}

export interface DataverseStats {
  seed: number;
  version: number;
  tables: Record<string, number>;
}

export interface DataverseService extends SimulatorService {
  readonly name: 'dataverse';
  /** Resolves once the snapshot (or the seed) is loaded; every other method waits for it. */
  ready(): Promise<void>;
  /** Replaces all data with the seed of another number and/or size. */
  reseed(options: { seed?: number; extraProducts?: number }): Promise<void>;
  stats(): Promise<DataverseStats>;
  /** The live store (activity generator, tests); replaced on reset/reseed. */
  currentStore(): Promise<Store>;
}

const seedBodySchema = z.object({
  seed: z.number().int().optional(),
  extraProducts: z.number().int().min(0).max(1_000_000).optional(),
});

/**
 * The Dataverse Web API simulator (`/api/data/v9.2/`), plugged into the sandbox host. Returns at
 * once; the snapshot under `<stateDir>/dataverse/` (or the seed when there is none) loads in the
 * background and requests wait for it.
 */
export function createDataverseService(options: DataverseServiceOptions): DataverseService {
  const now = options.now ?? (() => new Date());
  const snapshots = new SnapshotStore(options.stateDir);
  const protection = options.serviceProtection ?? createServiceProtection({ enabled: false });
  let seedNumber = options.seed ?? DEFAULT_SEED;
  let extraProducts = options.extraProducts ?? 0;
  let state: ServiceState | undefined;
  let detach: () => void = () => undefined;
  const activity = createActivityGenerator({
    state: () => state,
    sales: actionSalesMessages,
    logger: options.logger,
    now,
  });
  /** The origin requests came in on: the org host webhooks name when `orgUrl` is not set. */
  let lastOrigin = 'https://localhost';

  const install = (store: Store): void => {
    detach();
    const facts = seedFacts(store.seed);
    const actor = {
      userId: facts.adminUserId,
      businessUnitId: facts.businessUnitId,
      organizationId: facts.organizationId,
    };
    store.transaction(() => syncApplicationUsers(store, options.apps(), actor));
    state = { store, keys: new AlternateKeys(store, now, options.keyActivationDelayMs ?? 2000), facts };
    detach = attachWebhooks(store, options.logger, {
      ...options.webhooks,
      organizationHost: () => new URL(options.orgUrl ?? lastOrigin).host,
      now,
    });
  };

  const seeded = (): Store => {
    const store = buildSeed(metadata, now, {
      seed: seedNumber,
      apps: options.apps(),
      extraProducts,
      ...(options.seedSize ? { size: options.seedSize } : {}),
    });
    return store;
  };

  const loading = (async () => {
    if (options.fresh) await snapshots.clear();
    const loaded = await snapshots.load(metadata, now);
    if (loaded) {
      seedNumber = loaded.seed;
      install(loaded);
      options.logger.info({ version: loaded.version }, 'dataverse state loaded from snapshot');
    } else {
      install(seeded());
      options.logger.info({ seed: seedNumber }, 'dataverse state seeded');
    }
  })();

  const live = async (): Promise<ServiceState> => {
    await loading;
    if (!state) throw new Error('dataverse state missing');
    return state;
  };

  const stats = async (): Promise<DataverseStats> => {
    const { store } = await live();
    const tables: Record<string, number> = {};
    for (const table of store.allTables()) tables[table.model.def.logicalName] = table.rows.size;
    return { seed: store.seed, version: store.version, tables };
  };

  return {
    name: 'dataverse',

    ready: async () => {
      await live();
    },

    async handle(
      req: IncomingMessage,
      body: Buffer,
      res: ServerResponse,
      ctx: RequestContext,
    ): Promise<void> {
      let annotations = AnnotationFilter.none;
      try {
        await live();
        const url = new URL(req.url ?? '/', ctx.origin);
        lastOrigin = url.origin;
        const prefer = parsePrefer(req.headers);
        annotations = prefer.annotations;
        const path = parseApiPath(url.pathname);
        const name = path ? resourceName(path) : undefined;
        if (name) ctx.entitySet = name;
        const token = await verifyBearer(req, options.orgUrl ?? ctx.origin, {
          verifier: options.verifier,
          authority: options.authority,
        });
        ctx.clientId = token.appId;
        // Taken after the token check: a reset meanwhile replaces the state as a whole.
        const current = await live();
        const caller = impersonate(
          req,
          resolveCaller(token, current.store, current.facts, options.apps()),
          current.store,
        );
        if (!path) throw errors.resourceNotFound(url.pathname.replace(/^\//, ''));
        const serviceRoot = `${url.origin}/api/data/${path.version}/`;
        const scope = new RequestScope(req, res, body, ctx, url, serviceRoot, prefer, caller, current, now);
        const admission = protection.admit(caller.callingUserId ?? caller.actor.userId, {
          arrivedAt: arrivalOf(req),
        });
        for (const [header, value] of Object.entries(admission.headers ?? {})) res.setHeader(header, value);
        try {
          routeRequest(scope, path);
        } finally {
          admission.release();
        }
      } catch (error) {
        if (error instanceof DataverseError) {
          sendError(res, error, annotations, ctx.requestId);
          return;
        }
        ctx.logger.error({ err: error }, 'dataverse request failed');
        sendError(
          res,
          new DataverseError(500, ErrorCode.none, 'An unexpected error occurred.', {
            messageName: 'UnExpected',
          }),
          annotations,
          ctx.requestId,
        );
      }
    },

    async control(path: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<boolean> {
      // `/_sandbox/seed` on the Dataverse port (also accepted as `/_sandbox/dataverse/seed`).
      const route = path
        .replace(/^\/+/, '')
        .replace(/^_sandbox\//, '')
        .replace(/^dataverse\//, '');
      const method = (req.method ?? 'GET').toUpperCase();
      if (route === 'stats' && method === 'GET') {
        sendJson(res, 200, { ...(await stats()) }, {});
        return true;
      }
      if (route === 'seed' && method === 'POST') {
        const text = body.toString('utf8').trim();
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : {};
        } catch {
          json = undefined;
        }
        const parsed = seedBodySchema.safeParse(json);
        if (!parsed.success) {
          sendJson(res, 400, { error: { code: 'invalid_request', message: parsed.error.message } }, {});
          return true;
        }
        await this.reseed({
          ...(parsed.data.seed !== undefined ? { seed: parsed.data.seed } : {}),
          ...(parsed.data.extraProducts !== undefined ? { extraProducts: parsed.data.extraProducts } : {}),
        });
        sendJson(res, 200, { ...(await stats()) }, {});
        return true;
      }
      if (route === 'limits') {
        handleLimitsControl(protection, method, body, res);
        return true;
      }
      if (route === 'activity') {
        handleActivityControl(activity, method, body, res);
        return true;
      }
      return false;
    },

    async reset(): Promise<void> {
      await live();
      activity.stop();
      if (isConfigurableProtection(protection)) protection.reset();
      install(seeded());
    },

    async reseed(change: { seed?: number; extraProducts?: number }): Promise<void> {
      await live();
      if (change.seed !== undefined) seedNumber = change.seed;
      if (change.extraProducts !== undefined) extraProducts = change.extraProducts;
      install(seeded());
    },

    stats,

    async currentStore(): Promise<Store> {
      return (await live()).store;
    },

    async flush(): Promise<void> {
      const { store } = await live();
      await snapshots.flush(store);
    },

    async close(): Promise<void> {
      activity.stop();
      await loading.catch(() => undefined);
      if (state) await snapshots.flush(state.store);
      detach();
    },
  };
}
