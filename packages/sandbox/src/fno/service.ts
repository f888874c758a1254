import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@mlc/logger';
import type { RequestContext, SandboxApp, SimulatorService, TokenVerifier } from '../core/contracts';
import { ActivityGenerator } from './activity/generator';
import { ActorScope, SANDBOX_ADMIN_OBJECT_ID } from './actor';
import { handleBatch } from './batch/batch';
import { createFnoControl } from './control';
import { FnoError } from './errors';
import { BusinessEvents, type BusinessEventsOptions } from './events/business-events';
import { eventsFromChanges } from './events/catalog';
import { authenticate } from './http/auth';
import { dispatch } from './http/dispatch';
import { errorResponse } from './http/responses';
import type { FnoRequest, FnoResponse, FnoUser, Session } from './http/types';
import {
  InvoiceJournal,
  type InvoiceRequest,
  type PostedInvoice,
  postInvoice,
} from './invoicing/post-invoice';
import { buildCsdl } from './metadata/csdl';
import { ENTITIES } from './metadata/entities';
import { buildSeed, DEFAULT_PRODUCTS, DEFAULT_SEED, MAX_PRODUCTS, type ManualNumbers } from './seed/seed';
import { ChangeFeed, type ChangeListener } from './store/changes';
import { loadStore, saveStore } from './store/persistence';
import type { FnoStore } from './store/store';
import { type GateRequest, type RequestGate, tooManyRequests } from './throttling/gate';
import {
  ResourceLimits,
  type ThrottlingSettingsInput,
  throttlingSettingsSchema,
} from './throttling/resource-limits';

export interface FnoServiceOptions {
  /** The sandbox state directory; F&O keeps its tables under `<stateDir>/fno/`. */
  stateDir: string;
  /** Verifies bearer tokens: `createTokenVerifier` over the sandbox Entra ID's keys. */
  verifier: TokenVerifier;
  /** The tenant's app registrations; those with `fnoEntraApplication` may call F&O. */
  apps: () => readonly SandboxApp[];
  logger: Logger;
  /** Seed number of the deterministic seed, default 20250601. */
  seed?: number;
  /** Released products per legal entity in the seed (default 2,000, at most 100,000). */
  products?: number;
  now?: () => Date;
  /**
   * Delay of the first request after start (the OData metadata cache is cold, fno.md §2).
   * Default 3,000 ms; tests set it small.
   */
  coldStartMs?: number;
  /** Server-driven page size, default 10,000 (fno.md §4). */
  maxPageSize?: number;
  /** HTTP status of business-logic write failures, default 500 (fno.md §5: evidence is mixed). */
  writeFailureStatus?: number;
  /** Which legal entities accept manual customer accounts and order numbers. */
  manualNumbers?: ManualNumbers;
  /** Default company of the user every Entra application maps to, default `usmf`. */
  defaultCompany?: string;
  /** Maps an Entra application to its F&O user; overrides `defaultCompany`. */
  userFor?: (app: SandboxApp) => FnoUser;
  /**
   * Service protection: may answer an authenticated request with 429. Default: the built-in
   * priority-based resource limits (`throttling`), configurable at run time on
   * `/_sandbox/throttling`.
   */
  gate?: RequestGate;
  /** Start settings of the built-in throttling (fno.md §6: on, with a capacity only load reaches). */
  throttling?: ThrottlingSettingsInput;
  /** Business events: parameters (retries, wait, timeout), extra trusted CA, randomness. */
  businessEvents?: Pick<BusinessEventsOptions, 'parameters' | 'caPem' | 'random'>;
}

export interface FnoService extends SimulatorService {
  readonly name: 'fno';
  /** Committed changes of OData writes (the seam for business events and data events). */
  onChange(listener: ChangeListener): () => void;
  /** Legal entity ids (lower case), for `sandbox.json`. */
  legalEntities(): string[];
  /** Endpoints, activations, deliveries and the error log of business events. */
  readonly businessEvents: BusinessEvents;
  /** The built-in service protection (used unless a `gate` option was given). */
  readonly throttling: ResourceLimits;
  readonly activity: ActivityGenerator;
  /** Posts a sales order's invoice as the Admin user (raises SalesInvoicePostedBusinessEvent). */
  postInvoice(request: InvoiceRequest): PostedInvoice;
  control(path: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<boolean>;
}

export const DEFAULT_COLD_START_MS = 3_000;
export const DEFAULT_MAX_PAGE_SIZE = 10_000;

/**
 * The Finance & Operations simulator: OData v4 under `/data/` with F&O's authentication, company
 * scoping, query subset, paging, write validation and error shapes, over a deterministic seed
 * that survives restarts (`<stateDir>/fno/`).
 */
export async function createFnoService(options: FnoServiceOptions): Promise<FnoService> {
  const logger = options.logger.child({ simulator: 'fno' });
  const now = options.now ?? (() => new Date());
  const seedOptions = {
    seed: options.seed ?? DEFAULT_SEED,
    products: Math.min(options.products ?? DEFAULT_PRODUCTS, MAX_PRODUCTS),
    ...(options.manualNumbers ? { manualNumbers: options.manualNumbers } : {}),
  };
  const coldStartMs = options.coldStartMs ?? DEFAULT_COLD_START_MS;
  const maxPageSize = options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
  const writeFailureStatus = options.writeFailureStatus ?? 500;
  const defaultCompany = (options.defaultCompany ?? 'usmf').toLowerCase();
  const userFor = options.userFor ?? (() => ({ userId: 'MLConnector', company: defaultCompany }));
  const csdl = buildCsdl(ENTITIES);
  const feed = new ChangeFeed();

  const onListenerError = (error: unknown) => logger.error({ err: error }, 'change listener failed');
  const connect = (store: FnoStore): FnoStore => {
    store.changes.subscribe((changes) => feed.publish(changes, onListenerError));
    return store;
  };

  // Business events: raised by each committed transaction, as the user whose write committed it.
  const actors = new ActorScope();
  const invoices = new InvoiceJournal();
  const businessEvents = new BusinessEvents({
    ...options.businessEvents,
    stateDir: options.stateDir,
    logger,
    now,
    isLegalEntity: (id) => store.isLegalEntity(id),
  });
  await businessEvents.load();
  feed.subscribe((changes) => {
    const raised = eventsFromChanges(changes, (legalEntity, order) => invoices.find(legalEntity, order));
    if (raised.length > 0) businessEvents.raise(raised, actors.get());
  });

  let store: FnoStore;
  const loaded = await loadStore(options.stateDir);
  if (loaded) {
    store = connect(loaded);
    logger.info({ seed: loaded.seedInfo.seed, products: loaded.seedInfo.products }, 'F&O state loaded');
  } else {
    store = connect(buildSeed(seedOptions));
    await saveStore(options.stateDir, store, { all: true });
    logger.info(seedOptions, 'F&O seeded');
  }

  const throttlingDefaults = throttlingSettingsSchema.parse(options.throttling ?? {});
  const throttling = new ResourceLimits(throttlingDefaults);
  const gate: RequestGate = options.gate ?? throttling;
  const asAdmin = <T>(work: () => T): T => actors.run(SANDBOX_ADMIN_OBJECT_ID, work);
  const invoice = (request: InvoiceRequest): PostedInvoice =>
    asAdmin(() => postInvoice(store, invoices, now(), request));
  const activity = new ActivityGenerator({
    store: () => store,
    now,
    asAdmin,
    postInvoice: invoice,
    failureStatus: writeFailureStatus,
    logger,
  });
  const control = createFnoControl({
    events: businessEvents,
    throttling,
    throttlingActive: options.gate === undefined,
    throttlingDefaults,
    activity,
    postInvoice: invoice,
    adminObjectId: SANDBOX_ADMIN_OBJECT_ID,
    logger,
    now: () => now().getTime(),
  });

  // The first request after a start builds the metadata cache; concurrent ones wait for the same.
  let warming: Promise<void> | undefined;
  const warmUp = (): Promise<void> => {
    warming ??= coldStartMs > 0 ? sleep(coldStartMs) : Promise.resolve();
    return warming;
  };

  const respond = (res: ServerResponse, response: FnoResponse): void => {
    res.writeHead(response.status, {
      ...response.headers,
      'Content-Length': String(Buffer.byteLength(response.body)),
    });
    res.end(response.body);
  };

  return {
    name: 'fno',

    async handle(
      req: IncomingMessage,
      body: Buffer,
      res: ServerResponse,
      ctx: RequestContext,
    ): Promise<void> {
      const url = new URL(req.url ?? '/', ctx.origin);
      const request: FnoRequest = { method: req.method ?? 'GET', url, headers: lowerCaseHeaders(req), body };
      const entitySet = /^\/data\/([A-Za-z_][A-Za-z0-9_]*)/.exec(url.pathname)?.[1];
      if (entitySet) ctx.entitySet = entitySet;
      let response: FnoResponse;
      let admitted: GateRequest | undefined;
      try {
        const auth = await authenticate(
          { verifier: options.verifier, apps: options.apps, userFor },
          req.headers.authorization,
          ctx.origin,
        );
        ctx.clientId = auth.token.appId;
        const gateRequest: GateRequest = {
          appId: auth.token.appId,
          objectId: auth.token.objectId,
          method: request.method,
          entitySet,
          at: now().getTime(),
        };
        const throttled = gate.admit(gateRequest);
        if (throttled) throw tooManyRequests(throttled);
        admitted = gateRequest;
        await warmUp();
        const session: Session = {
          store,
          origin: ctx.origin,
          user: auth.user,
          now: now(),
          maxPageSize,
          writeFailureStatus,
          csdl,
          logger: ctx.logger,
        };
        response = actors.run(auth.token.objectId, () => dispatch(session, request, handleBatch));
      } catch (error) {
        if (admitted) gate.release?.(admitted);
        if (!(error instanceof FnoError)) throw error;
        response = errorResponse(error);
        ctx.logger.info(
          { method: request.method, path: url.pathname, status: error.status, reason: error.message },
          'fno request refused',
        );
        respond(res, response);
        return;
      }
      try {
        respond(res, response);
      } finally {
        if (admitted) gate.release?.(admitted);
      }
    },

    control,

    async reset(): Promise<void> {
      activity.reset();
      businessEvents.reset();
      throttling.configure(throttlingDefaults);
      store = connect(buildSeed(seedOptions));
      await saveStore(options.stateDir, store, { all: true });
      await businessEvents.save();
      logger.info(seedOptions, 'F&O reset to the seed');
    },

    async flush(): Promise<void> {
      const written = await saveStore(options.stateDir, store);
      if (written > 0) logger.debug({ tables: written }, 'F&O state written');
      await businessEvents.save();
    },

    async close(): Promise<void> {
      activity.stop();
      businessEvents.stop();
      await businessEvents.save();
    },

    onChange(listener) {
      return feed.subscribe(listener);
    },

    legalEntities() {
      return store.legalEntities();
    },

    businessEvents,
    throttling,
    activity,
    postInvoice: invoice,
  };
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
