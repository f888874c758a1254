/**
 * The test bed every order scenario starts from: the bench harness (scratch database, the whole
 * sandbox, the intake in this process, a connection stored and enabled as the portal does it), the
 * Sales products released in usmf that orders use, and a few CRM accounts to order for.
 */
import {
  type BenchEnv,
  type BenchHarness,
  benchSettings,
  createAccounts,
  type OrderCatalog,
  orderCatalog,
  startBenchHarness,
} from '@mlc/bench';
import type { ConnectionSettingsInput } from '@mlc/db';

export interface OrderBed {
  h: BenchHarness;
  catalog: OrderCatalog;
  accounts: string[];
}

export interface OrderBedOptions {
  accounts?: number;
  products?: number;
  /** Change-tracking safety net cadence (10 s minimum; production default 60 s). */
  deltaSeconds?: number;
  /** F&O → Sales flows on (customers and/or products/prices); orders only by default. */
  flows?: Partial<NonNullable<ConnectionSettingsInput['flows']>>;
  /** F&O poll cadence (seconds); a day by default, so only triggers run. */
  fnoPollSeconds?: number;
  /** Dataverse service protection as in production (on by default). */
  serviceProtection?: boolean;
}

export async function startOrderBed(env: BenchEnv, options: OrderBedOptions = {}): Promise<OrderBed> {
  const h = await startBenchHarness(env, {
    settings: benchSettings({
      flows: { orders: true, products: false, prices: false, customers: false, ...options.flows },
      cadences: {
        salesDeltaSeconds: options.deltaSeconds ?? 60,
        fnoPollSeconds: options.fnoPollSeconds ?? 86_400,
      },
    }),
    ...(options.serviceProtection === false ? { serviceProtection: false } : {}),
  });
  try {
    const catalog = await orderCatalog(h, options.products ?? 6);
    const accounts = await createAccounts(h, options.accounts ?? 4, `Soak customer ${Date.now() % 100_000}`);
    return { h, catalog, accounts };
  } catch (error) {
    await h.close();
    throw error;
  }
}
