/**
 * Inputs of the portal API, shared by the procedures and the forms. Only zod and the settings
 * schema (`@mlc/db/settings`, pure zod) are imported, so client components may import this file.
 */
import { connectionSettingsSchema, dataAreaIdSchema } from '@mlc/db/settings';
import { z } from 'zod';

/** Any id the client sends; one that is not a UUID is simply not found. */
export const idSchema = z.string().trim().min(1).max(100);

const text = (max: number, label: string) =>
  z.string().trim().min(1, `${label} is required`).max(max, `${label} is at most ${max} characters`);

const secretValue = z.string().min(1, 'the secret is required').max(4096, 'the secret is too long');

export const connectionCreateSchema = z.object({
  name: text(100, 'the name'),
  /** Entra ID login host; default https://login.microsoftonline.com. */
  authorityHost: z.string().trim().min(1).max(300).optional(),
  entraTenantId: text(200, 'the tenant id'),
  salesUrl: text(300, 'the Sales URL'),
  salesClientId: text(200, 'the Sales client id'),
  salesClientSecret: secretValue,
  fnoUrl: text(300, 'the F&O URL'),
  fnoClientId: text(200, 'the F&O client id'),
  /** Omitted: F&O uses the Sales app's secret (one app registration for both). */
  fnoClientSecret: secretValue.optional(),
  defaultLegalEntity: dataAreaIdSchema,
});
export type ConnectionCreateInput = z.input<typeof connectionCreateSchema>;

export const connectionIdSchema = z.object({ id: idSchema });

export const updateSettingsSchema = z.object({ id: idSchema, settings: connectionSettingsSchema });

export const writableSecretNames = ['sales_client_secret', 'fno_client_secret'] as const;
export const setSecretSchema = z.object({
  id: idSchema,
  name: z.enum(writableSecretNames),
  value: secretValue,
});

export const figuresInputSchema = z.object({
  id: idSchema,
  windowMinutes: z.number().int().min(5).max(1440).default(60),
});

export const flows = ['orders', 'products', 'prices', 'customers'] as const;
export type Flow = (typeof flows)[number];

/** The sync record entities of each flow (as the worker names them). */
export const flowEntities: Record<Flow, readonly string[]> = {
  orders: ['salesorder', 'opportunity'],
  products: ['product'],
  prices: ['price'],
  customers: ['customer'],
};

/** A date filter PostgreSQL can compare with (years 1 to 9999; JavaScript dates go further). */
const dateFilter = (label: string) =>
  z.coerce
    .date({ error: `${label} is not a date` })
    .min(new Date('0001-01-01T00:00:00.000Z'), `${label} must be in year 1 or later`)
    .max(new Date('9999-12-31T23:59:59.999Z'), `${label} must be in year 9999 or earlier`);

export const recordsListSchema = z.object({
  connectionId: idSchema,
  search: z.string().trim().max(200).optional(),
  flow: z.enum(flows).optional(),
  direction: z.enum(['sales_to_fno', 'fno_to_sales']).optional(),
  status: z.enum(['pending', 'running', 'synced', 'failed', 'skipped']).optional(),
  legalEntity: dataAreaIdSchema.optional(),
  from: dateFilter('from').optional(),
  to: dateFilter('to').optional(),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(100).default(50),
});
export type RecordsListInput = z.input<typeof recordsListSchema>;

export const replayFailedSchema = z.object({ connectionId: idSchema, flow: z.enum(flows).optional() });
