import type { Logger } from '@mlc/logger';
import { z } from 'zod';
import { Prng } from '../../core/random';
import { isInvoiceable, type PostedInvoice } from '../invoicing/post-invoice';
import { entity } from '../metadata/entities';
import { PRODUCT_FAMILIES } from '../seed/names';
import type { FnoStore } from '../store/store';
import type { Row } from '../store/table';
import { round2 } from '../wire';
import { createEntity, updateEntity, type WriteEnvironment } from '../write/write';

const weight = z.number().min(0).max(1_000);

export const ACTIVITY_KINDS = ['priceChanges', 'newProducts', 'customerEdits', 'invoices'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
export type ActivityMix = Record<ActivityKind, number>;

/** Relative weights when no mix is given. */
export const DEFAULT_MIX: Readonly<ActivityMix> = Object.freeze({
  priceChanges: 3,
  newProducts: 1,
  customerEdits: 3,
  invoices: 2,
});

/**
 * `PUT /_sandbox/activity` on the F&O port (the same shape as on the Dataverse port, plus
 * `legalEntities`): what the ERP's users do meanwhile, `ratePerMinute` operations a minute drawn
 * from `seed` (default: the seed number of the data): sales price changes, new released products,
 * customer edits and invoicing open orders, with the relative weights of `mix` (kinds it omits weigh
 * 0; without `mix`, `DEFAULT_MIX`), in `legalEntities` (default: all); `maxActions` stops it.
 */
export const activityInputSchema = z.strictObject({
  ratePerMinute: z.number().positive().max(60_000),
  mix: z
    .strictObject({
      priceChanges: weight.optional(),
      newProducts: weight.optional(),
      customerEdits: weight.optional(),
      invoices: weight.optional(),
    })
    .refine((mix) => Object.values(mix).some((value) => value !== undefined && value > 0), {
      message: 'at least one kind of operation needs a weight above 0',
    })
    .optional(),
  seed: z.number().int().min(0).max(4_294_967_295).optional(),
  legalEntities: z.array(z.string().min(1).max(8)).min(1).optional(),
  maxActions: z.number().int().min(1).max(10_000_000).optional(),
});
export type ActivityInput = z.output<typeof activityInputSchema>;

/** `POST /_sandbox/activity/step`: run operations now (from `seed` when given), without the timer. */
export const activityStepSchema = z.strictObject({
  count: z.number().int().min(1).max(1_000).default(1),
  seed: z.number().int().min(0).max(4_294_967_295).optional(),
});

function resolveMix(input: ActivityInput['mix']): ActivityMix {
  if (!input) return { ...DEFAULT_MIX };
  return {
    priceChanges: input.priceChanges ?? 0,
    newProducts: input.newProducts ?? 0,
    customerEdits: input.customerEdits ?? 0,
    invoices: input.invoices ?? 0,
  };
}

/** One operation in `recent` (and the answer of a step). */
export interface ActivityOperation {
  seq: number;
  at: string;
  kind: ActivityKind;
  legalEntity: string;
  /** The record written (`ItemNumber`, `CustomerAccount`, `SalesOrderNumber`). */
  key: string;
  outcome: 'done' | 'skipped' | 'failed';
  detail: string;
}

/** Body of `GET /_sandbox/activity`. */
export interface ActivityStatus {
  running: boolean;
  ratePerMinute: number | null;
  mix: ActivityMix | null;
  seed: number | null;
  legalEntities: string[] | null;
  maxActions: number | null;
  startedAt: string | null;
  stoppedAt: string | null;
  /** Operations performed since the last start. */
  actions: number;
  /** Operations done per kind. */
  byKind: Record<ActivityKind, number>;
  /** Operations with nothing to do (no open order to invoice). */
  skipped: number;
  /** Operations the write path refused (counted, nothing left behind). */
  errors: number;
  lastError: string | null;
  /** The last operations, newest last. */
  recent: ActivityOperation[];
}

export interface ActivityDeps {
  store: () => FnoStore;
  now: () => Date;
  /** Runs a write as the Admin user (business events carry that user). */
  asAdmin: <T>(work: () => T) => T;
  postInvoice: (request: { dataAreaId: string; SalesOrderNumber: string }) => PostedInvoice;
  failureStatus: number;
  logger: Logger;
}

const RECENT = 50;
/** Operations per timer tick at most (a late timer catches up over the next ticks). */
const MAX_PER_TICK = 100;

/**
 * The F&O activity generator: every operation goes through the same write path as OData (the
 * entity's defaulting and validation, one transaction), as the Admin user, so it raises the same
 * business events. At `ratePerMinute` (the first at once; a timer every 60 s / rate, between 10 ms
 * and 1 s, catching up after a busy event loop). The timer is unref'd.
 */
export class ActivityGenerator {
  private input: ActivityInput | undefined;
  private mix: ActivityMix = { ...DEFAULT_MIX };
  private rng = new Prng(1);
  private timer: NodeJS.Timeout | undefined;
  private startedAtMs = 0;
  private productCursor = 1;
  private state: ActivityStatus = emptyStatus();

  constructor(private readonly deps: ActivityDeps) {}

  /** Starts (or restarts, counts from zero) at the given rate. */
  start(input: ActivityInput): ActivityStatus {
    this.halt();
    const seed = input.seed ?? this.deps.store().seedInfo.seed;
    this.input = input;
    this.mix = resolveMix(input.mix);
    this.rng = new Prng(seed);
    this.startedAtMs = this.deps.now().getTime();
    this.state = {
      ...emptyStatus(),
      running: true,
      ratePerMinute: input.ratePerMinute,
      mix: { ...this.mix },
      seed,
      legalEntities: input.legalEntities ? [...input.legalEntities] : null,
      maxActions: input.maxActions ?? null,
      startedAt: new Date(this.startedAtMs).toISOString(),
    };
    const periodMs = Math.min(1_000, Math.max(10, 60_000 / input.ratePerMinute));
    this.timer = setInterval(() => this.tick(), periodMs);
    this.timer.unref();
    setImmediate(() => this.tick()).unref();
    this.deps.logger.info(
      { ratePerMinute: input.ratePerMinute, mix: this.mix, seed },
      'F&O activity started',
    );
    return this.status();
  }

  stop(): ActivityStatus {
    const wasRunning = this.state.running;
    this.halt();
    if (wasRunning) this.deps.logger.info({ actions: this.state.actions }, 'F&O activity stopped');
    return this.status();
  }

  /** Stops and forgets everything (reset to the seed). */
  reset(): void {
    this.halt();
    this.input = undefined;
    this.mix = { ...DEFAULT_MIX };
    this.productCursor = 1;
    this.state = emptyStatus();
  }

  status(): ActivityStatus {
    return structuredClone(this.state);
  }

  /**
   * Runs `count` operations now, with the current settings (default mix, all legal entities when
   * none). With a `seed`, the generator starts again from it, so a step sequence is reproducible.
   */
  step(count: number, seed?: number): ActivityOperation[] {
    if (seed !== undefined) {
      this.rng = new Prng(seed);
      this.state.seed = seed;
    } else if (this.state.seed === null) {
      this.state.seed = this.deps.store().seedInfo.seed;
      this.rng = new Prng(this.state.seed);
    }
    const done: ActivityOperation[] = [];
    for (let i = 0; i < count; i++) done.push(this.runOne());
    return done;
  }

  private halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.state.running) {
      this.state.running = false;
      this.state.stoppedAt = this.deps.now().toISOString();
    }
  }

  private tick(): void {
    const input = this.input;
    if (!this.timer || !input) return;
    const elapsed = this.deps.now().getTime() - this.startedAtMs;
    let due = 1 + Math.floor((elapsed * input.ratePerMinute) / 60_000);
    if (input.maxActions !== undefined) due = Math.min(due, input.maxActions);
    for (let n = 0; this.state.actions < due && n < MAX_PER_TICK; n++) this.runOne();
    if (input.maxActions !== undefined && this.state.actions >= input.maxActions) this.halt();
  }

  private runOne(): ActivityOperation {
    const store = this.deps.store();
    const companies = (this.input?.legalEntities ?? store.legalEntities())
      .map((id) => id.toLowerCase())
      .filter((id) => store.isLegalEntity(id));
    const kind = this.pickKind();
    const legalEntity = companies.length > 0 ? this.rng.pick(companies) : '';
    this.state.actions += 1;
    const base = { seq: this.state.actions, at: this.deps.now().toISOString(), kind, legalEntity };
    let operation: ActivityOperation;
    if (!legalEntity) {
      operation = { ...base, key: '', outcome: 'skipped', detail: 'no legal entity to work in' };
    } else {
      try {
        operation = { ...base, ...this.perform(kind, store, legalEntity) };
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        operation = { ...base, key: '', outcome: 'failed', detail };
        this.deps.logger.warn({ err: error, kind }, 'F&O activity operation failed');
      }
    }
    if (operation.outcome === 'done') this.state.byKind[kind] += 1;
    else if (operation.outcome === 'skipped') this.state.skipped += 1;
    else {
      this.state.errors += 1;
      this.state.lastError = `${kind}: ${operation.detail}`;
    }
    this.state.recent.push(operation);
    if (this.state.recent.length > RECENT) this.state.recent.splice(0, this.state.recent.length - RECENT);
    return operation;
  }

  private pickKind(): ActivityKind {
    const total = ACTIVITY_KINDS.reduce((sum, kind) => sum + this.mix[kind], 0);
    let draw = this.rng.next() * total;
    for (const kind of ACTIVITY_KINDS) {
      if (this.mix[kind] <= 0) continue;
      draw -= this.mix[kind];
      if (draw < 0) return kind;
    }
    return ACTIVITY_KINDS.filter((kind) => this.mix[kind] > 0).at(-1) ?? 'priceChanges';
  }

  private perform(
    kind: ActivityKind,
    store: FnoStore,
    legalEntity: string,
  ): Pick<ActivityOperation, 'key' | 'outcome' | 'detail'> {
    const env: WriteEnvironment = {
      store,
      now: this.deps.now(),
      defaultCompany: legalEntity,
      failureStatus: this.deps.failureStatus,
    };
    switch (kind) {
      case 'priceChanges':
        return this.changePrice(env, legalEntity);
      case 'newProducts':
        return this.newProduct(env, legalEntity);
      case 'customerEdits':
        return this.editCustomer(env, legalEntity);
      case 'invoices':
        return this.invoice(store, legalEntity);
    }
  }

  private changePrice(env: WriteEnvironment, legalEntity: string) {
    const row = this.pickRow(env.store, 'ReleasedProductsV2', legalEntity);
    if (!row) return { key: '', outcome: 'skipped' as const, detail: 'no released product' };
    const item = String(row.values['ItemNumber'] ?? '');
    const old = Number(row.values['SalesPrice'] ?? 0);
    const percent = this.rng.int(-8, 12) || 5;
    const price = Math.max(0.01, round2((old || 10) * (1 + percent / 100)));
    this.write(() =>
      updateEntity(
        env,
        entity('ReleasedProductsV2'),
        { dataAreaId: legalEntity, ItemNumber: item },
        body({ SalesPrice: price }),
        undefined,
      ),
    );
    return { key: item, outcome: 'done' as const, detail: `SalesPrice ${old} → ${price}` };
  }

  private newProduct(env: WriteEnvironment, legalEntity: string) {
    const products = env.store.table('ProductsV2');
    let number = productNumber(this.productCursor);
    while (products.find({ ProductNumber: number })) {
      this.productCursor += 1;
      number = productNumber(this.productCursor);
    }
    this.productCursor += 1;
    const family = this.rng.pick(PRODUCT_FAMILIES);
    const size = this.rng.int(1, 40) * 5;
    const name = `${family.name} ${size}`;
    const price = round2(family.basePrice * (0.8 + this.rng.next() * 0.6));
    this.write(() =>
      env.store.transact(env.now, () => {
        createEntity(
          env,
          entity('ProductsV2'),
          body({ ProductNumber: number, ProductName: name, ProductType: 'Item' }),
        );
        createEntity(
          env,
          entity('ReleasedProductsV2'),
          body({
            dataAreaId: legalEntity,
            ItemNumber: number,
            ProductNumber: number,
            ProductGroupId: family.group,
            ItemModelGroupId: 'FIFO',
            StorageDimensionGroupName: 'SiteWH',
            TrackingDimensionGroupName: 'None',
            InventoryUnitSymbol: family.unit,
            SalesUnitSymbol: family.unit,
            PurchaseUnitSymbol: family.unit,
            SalesPrice: price,
            SalesPriceQuantity: 1,
            SalesSalesTaxItemGroupCode: 'FULL',
          }),
        );
      }),
    );
    return { key: number, outcome: 'done' as const, detail: `${name} at ${price}` };
  }

  private editCustomer(env: WriteEnvironment, legalEntity: string) {
    const row = this.pickRow(env.store, 'CustomersV3', legalEntity);
    if (!row) return { key: '', outcome: 'skipped' as const, detail: 'no customer' };
    const account = String(row.values['CustomerAccount'] ?? '');
    const change = this.rng.int(0, 2);
    let values: Record<string, string | number>;
    if (change === 0) {
      values = { CreditLimit: this.rng.int(1, 60) * 10_000 };
    } else if (change === 1) {
      const prefix = legalEntity === 'demf' ? '+49 40 555' : '+1 312 555';
      values = { PrimaryContactPhone: `${prefix} ${String(this.rng.int(0, 9_999)).padStart(4, '0')}` };
    } else {
      values = { PrimaryContactEmail: `orders${this.rng.int(1, 99)}@${account.toLowerCase()}.example` };
    }
    this.write(() =>
      updateEntity(
        env,
        entity('CustomersV3'),
        { dataAreaId: legalEntity, CustomerAccount: account },
        body(values),
        undefined,
      ),
    );
    const [field, value] = Object.entries(values)[0] ?? ['', ''];
    return { key: account, outcome: 'done' as const, detail: `${field} = ${value}` };
  }

  private invoice(store: FnoStore, legalEntity: string) {
    const open = store
      .table('SalesOrderHeadersV2')
      .rows()
      .filter((row) => String(row.values['dataAreaId']) === legalEntity && isInvoiceable(store, row));
    if (open.length === 0)
      return { key: '', outcome: 'skipped' as const, detail: 'no open order to invoice' };
    const header = this.rng.pick(open);
    const number = String(header.values['SalesOrderNumber'] ?? '');
    const invoice = this.write(() =>
      this.deps.postInvoice({ dataAreaId: legalEntity, SalesOrderNumber: number }),
    );
    return {
      key: number,
      outcome: 'done' as const,
      detail: `${invoice.invoiceId}: ${invoice.amount} ${invoice.currency}`,
    };
  }

  private write<T>(work: () => T): T {
    return this.deps.asAdmin(work);
  }

  /** A random row of the company: a random start, then the next row of that company. */
  private pickRow(store: FnoStore, entitySet: string, legalEntity: string): Row | undefined {
    const rows = store.table(entitySet).rows();
    if (rows.length === 0) return undefined;
    const start = this.rng.int(0, rows.length - 1);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[(start + i) % rows.length] as Row;
      if (String(row.values['dataAreaId']) === legalEntity) return row;
    }
    return undefined;
  }
}

function productNumber(n: number): string {
  return `ACT-${String(n).padStart(6, '0')}`;
}

function body(values: Readonly<Record<string, string | number>>): Buffer {
  return Buffer.from(JSON.stringify(values), 'utf8');
}

function emptyStatus(): ActivityStatus {
  return {
    running: false,
    ratePerMinute: null,
    mix: null,
    seed: null,
    legalEntities: null,
    maxActions: null,
    startedAt: null,
    stoppedAt: null,
    actions: 0,
    byKind: { priceChanges: 0, newProducts: 0, customerEdits: 0, invoices: 0 },
    skipped: 0,
    errors: 0,
    lastError: null,
    recent: [],
  };
}
