import { z } from 'zod';
import { type BudgetOptions, BudgetRegistry } from '../http/budget';
import type { HttpClient } from '../http/client';
import { type ConnectionHttpOptions, createConnectionHttpClient } from '../http/connection-client';

/**
 * The settings of one Dynamics 365 Finance & Operations connection.
 *
 * - `url`: the environment URL (`https://<env>.operations.dynamics.com`; a trailing slash or `/data`
 *   is tolerated and dropped). The Entra app (client credentials) must be registered in F&O under
 *   System administration > Setup > Microsoft Entra applications, mapped to an enabled user.
 * - `defaultLegalEntity`: where customers and orders go when a record names no legal entity.
 * - `legalEntitySettings`: per legal entity (dataAreaId, lower case), what new customers get
 *   (customer group, currency, …) and how numbers are assigned (`sequence`: F&O's number
 *   sequence; `manual`: we supply the number, which the number sequence must allow). The default
 *   legal entity must have settings.
 * - `readScope`: which legal entities the sources read: a list (each read as
 *   `$filter=dataAreaId eq 'x'&cross-company=true`, fno.md §2) or `cross-company` (every company
 *   the app's user can see). Default: the legal entities named in `legalEntitySettings`.
 * - `sandbox`: trusts the sandbox CA for the two sandbox origins (environment and authority) and
 *   nothing else; production never sets it.
 */

/** A legal entity id (`dataAreaId`): 1–4 letters or digits, compared and sent in lower case. */
export const legalEntityIdSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{1,4}$/, 'must be a legal entity id (dataAreaId): 1 to 4 letters or digits')
  .transform((value) => value.toLowerCase());

const numbering = z.enum(['sequence', 'manual']);

export const legalEntitySettingsSchema = z.object({
  /** Customer group of the customers we create (Accounts receivable > Setup > Customers > Customer groups). */
  customerGroupId: z.string().trim().min(1).max(10),
  /**
   * The legal entity's currency (ISO code): customers we create get it unless the record names
   * one, and the released products' base prices are in it.
   */
  currencyCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'must be a three-letter currency code')
    .transform((value) => value.toUpperCase()),
  /** Terms of payment of new customers (optional; F&O leaves them empty otherwise). */
  paymentTerms: z.string().trim().min(1).max(10).optional(),
  /** Language of new customers, e.g. `en-us` (optional; F&O uses the legal entity's language). */
  languageId: z.string().trim().min(2).max(7).optional(),
  /**
   * `manual`: a customer created from a CRM account with an account number gets that number as its
   * CustomerAccount (the dual-write convention; the customer-account number sequence must allow
   * manual numbers). `sequence`: F&O assigns the account.
   */
  customerAccounts: numbering.default('sequence'),
  /**
   * `manual`: an order's SalesOrderNumber is `salesOrderNumberPrefix` + the CRM order number, and
   * header and lines are written in one atomic `$batch` changeset (the sales-order number sequence
   * must allow manual numbers). `sequence`: F&O assigns the number; the header is written first and
   * the lines in one changeset after it, deleting the header again if the lines fail.
   */
  salesOrderNumbers: numbering.default('sequence'),
});

export type LegalEntitySettings = z.output<typeof legalEntitySettingsSchema>;

/** F&O's sales order number (SalesId) holds at most 20 characters. */
export const SALES_ORDER_NUMBER_MAX = 20;

export const fnoConfigSchema = z
  .object({
    url: z
      .url({
        protocol: /^https$/,
        error: 'must be the https environment URL, e.g. https://contoso.operations.dynamics.com',
      })
      .transform((value) => new URL(value).origin),
    authorityHost: z.url({ protocol: /^https$/ }).default('https://login.microsoftonline.com'),
    tenantId: z.string().trim().min(1),
    clientId: z.guid(),
    clientSecret: z.string().min(1),
    defaultLegalEntity: legalEntityIdSchema,
    legalEntitySettings: z.record(z.string(), legalEntitySettingsSchema),
    readScope: z.union([z.literal('cross-company'), z.array(legalEntityIdSchema).min(1)]).optional(),
    /** Put in front of the CRM order number to make a manual SalesOrderNumber (≤ 20 characters in all). */
    salesOrderNumberPrefix: z
      .string()
      .regex(/^[A-Za-z0-9-]{0,10}$/, 'up to 10 letters, digits or dashes')
      .default(''),
    /**
     * After a write whose outcome is unknown (the connection dropped after sending), how long to
     * wait before the second look-up by natural key, so that a request the AOS was still processing
     * has finished before we decide to send it again. 0 skips the second look-up.
     */
    outcomeUnknownRecheckMs: z.number().int().min(0).max(300_000).default(5_000),
    /**
     * Optional: a string property of CustomersV3 (e.g. a field added for the integration) that holds
     * the CRM reference of the customers we create (`crmReference` of the record). It makes a
     * customer created from F&O's number sequence findable again after a lost response.
     */
    customerReferenceField: z
      .string()
      .regex(/^[A-Z][A-Za-z0-9_]*$/, 'must be a CustomersV3 property name, e.g. KnownAs')
      .optional(),
    sandbox: z.object({ caPem: z.string().includes('BEGIN CERTIFICATE') }).optional(),
  })
  .transform((config, ctx) => {
    const settings: Record<string, LegalEntitySettings> = {};
    for (const [key, value] of Object.entries(config.legalEntitySettings)) {
      const id = legalEntityIdSchema.safeParse(key);
      if (!id.success) {
        ctx.addIssue({
          code: 'custom',
          path: ['legalEntitySettings', key],
          message: id.error.issues[0]?.message ?? 'invalid',
        });
        return z.NEVER;
      }
      settings[id.data] = value;
    }
    if (!settings[config.defaultLegalEntity]) {
      ctx.addIssue({
        code: 'custom',
        path: ['legalEntitySettings'],
        message: `needs the settings of the default legal entity "${config.defaultLegalEntity}"`,
      });
      return z.NEVER;
    }
    return { ...config, legalEntitySettings: settings };
  });

export type FnoConfig = z.output<typeof fnoConfigSchema>;
export type FnoConfigInput = z.input<typeof fnoConfigSchema>;

export const fnoExampleConfig: FnoConfigInput = {
  url: 'https://contoso.operations.dynamics.com',
  authorityHost: 'https://login.microsoftonline.com',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
  clientSecret: 'example-secret-value',
  defaultLegalEntity: 'usmf',
  legalEntitySettings: {
    usmf: {
      customerGroupId: '10',
      currencyCode: 'USD',
      customerAccounts: 'manual',
      salesOrderNumbers: 'manual',
    },
    demf: { customerGroupId: '10', currencyCode: 'EUR' },
  },
};

/** The legal entities the sources read: a sorted list, or every company (`cross-company`). */
export function readScopeOf(config: FnoConfig): 'cross-company' | string[] {
  if (config.readScope === 'cross-company') return 'cross-company';
  const ids = config.readScope ?? [config.defaultLegalEntity, ...Object.keys(config.legalEntitySettings)];
  return [...new Set(ids)].sort();
}

export type FnoHttpOptions = ConnectionHttpOptions;

/**
 * The budget of an F&O host: 8 requests in flight at most, 5,000 per 300 s, and a slow start like
 * Dataverse's: one request in flight at first and again after every 429, doubling after 32 answers
 * in a row without one. F&O's priority-based throttling answers 429 with a `Retry-After`; requests
 * that were already on their way when it was sent would reach it before the wait is over.
 */
export const fnoBudgetOptions: BudgetOptions = {
  maxConcurrency: 8,
  rate: { requests: 5000, windowMs: 300_000 },
  slowStart: { initial: 1, increaseAfter: 32 },
};

/** The HTTP client for one F&O connection (see `createConnectionHttpClient`); its own budget registry unless one is shared. */
export function createFnoHttpClient(config: FnoConfig, options: FnoHttpOptions): HttpClient {
  return createConnectionHttpClient(config, {
    ...options,
    budgets: options.budgets ?? new BudgetRegistry({ defaults: fnoBudgetOptions }, options.clock),
  });
}
