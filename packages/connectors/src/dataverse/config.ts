import { z } from 'zod';
import { type BudgetOptions, BudgetRegistry } from '../http/budget';
import type { HttpClient } from '../http/client';
import { type ConnectionHttpOptions, createConnectionHttpClient } from '../http/connection-client';

/**
 * The settings of one Dynamics 365 Sales (Dataverse) connection. `url` is the environment URL
 * (`https://<org>.crm.dynamics.com`; a trailing slash or `/api/data/v9.2` is tolerated and
 * dropped); the Entra ID app registration (client credentials) must be an application user of
 * the environment. `sandbox` trusts the sandbox CA for the two sandbox origins (environment and
 * authority) and nothing else; production never sets it.
 */
export const dataverseConfigSchema = z.object({
  url: z
    .url({
      protocol: /^https$/,
      error: 'must be the https environment URL, e.g. https://contoso.crm.dynamics.com',
    })
    .transform((value) => new URL(value).origin),
  authorityHost: z.url({ protocol: /^https$/ }).default('https://login.microsoftonline.com'),
  tenantId: z.string().min(1),
  clientId: z.guid(),
  clientSecret: z.string().min(1),
  sandbox: z.object({ caPem: z.string().includes('BEGIN CERTIFICATE') }).optional(),
  /** Rows per page of a read (`Prefer: odata.maxpagesize`); Dataverse allows up to 5,000. */
  pageSize: z.number().int().min(1).max(5000).default(1000),
  /** Records per `UpsertMultiple` call or `$batch` changeset. */
  upsertChunkSize: z.number().int().min(1).max(1000).default(100),
  /**
   * The text column of `salesorder` that receives the F&O sales order number (a column the
   * customer adds to the order table, e.g. `mlc_erpordernumber`).
   */
  erpOrderNumberColumn: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be the logical name of a column (lower case)')
    .default('mlc_erpordernumber'),
  /** How long `ensureAlternateKeys` waits for Dataverse to build a key's index. */
  alternateKeyTimeoutMs: z.number().int().min(100).max(3_600_000).default(600_000),
  alternateKeyPollMs: z.number().int().min(100).max(60_000).default(5_000),
});

export type DataverseConfig = z.output<typeof dataverseConfigSchema>;
export type DataverseConfigInput = z.input<typeof dataverseConfigSchema>;

export const dataverseExampleConfig: DataverseConfigInput = {
  url: 'https://contoso.crm.dynamics.com',
  authorityHost: 'https://login.microsoftonline.com',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
  clientSecret: 'example-secret-value',
};

/**
 * The budget of a Dataverse host: as many requests in flight as the environment recommends in
 * `x-ms-dop-hint` ("Send parallel requests": use the hint as the degree of parallelism), never
 * above the documented 52 concurrent requests per user, and 8 until a response has said; 5,000
 * requests per 300 s (headroom under the documented 6,000); and a slow start: one request in
 * flight at first and again after every 429, doubling after 8 answers in a row without one, or
 * after 32 within the 300 s service-protection window that followed a 429 (a host that has just
 * throttled is likely to again). Dataverse counts every request that reaches it while a
 * `Retry-After` is pending (and lengthens the block); with one request in flight, none do.
 */
export const dataverseBudgetOptions: BudgetOptions = {
  maxConcurrency: 8,
  concurrencyHint: { header: 'x-ms-dop-hint', max: 52 },
  rate: { requests: 5000, windowMs: 300_000 },
  slowStart: { initial: 1, increaseAfter: 8, afterThrottle: { increaseAfter: 32, forMs: 300_000 } },
};

export type DataverseHttpOptions = ConnectionHttpOptions;

/** The HTTP client for one Dataverse connection; its own budget registry unless one is shared. */
export function createDataverseHttpClient(
  config: DataverseConfig,
  options: DataverseHttpOptions,
): HttpClient {
  return createConnectionHttpClient(config, {
    ...options,
    budgets: options.budgets ?? new BudgetRegistry({ defaults: dataverseBudgetOptions }, options.clock),
  });
}
