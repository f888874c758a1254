import { z } from 'zod';
import { connectionCreateSchema, recordsListSchema, updateSettingsSchema } from '../server/api/schemas';

/**
 * The wizard's client-side validation. It mirrors the inputs of `connections.create` and
 * `connections.updateSettings` (CONTRACT.md, `connectionSettingsSchema` of @mlc/db), which the server
 * validates again: these only give the person their mistakes before a round trip, next to the field.
 * (The server's schemas import database code, which does not belong in the browser bundle.)
 */

const trimmed = z.string().trim();

/** An environment's base URL: https, host (and port) only, as the connection stores it. */
export const environmentUrlSchema = trimmed
  .min(1, 'Enter the environment URL.')
  .refine((value) => /^https:\/\//i.test(value), 'The URL must start with https://.')
  .refine(
    (value) => /^https:\/\/[^/?#\s]+\/?$/i.test(value),
    'Use the base URL only, without a path, e.g. https://contoso.crm.dynamics.com.',
  )
  .transform((value) => value.replace(/\/$/, ''));

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export const tenantIdSchema = trimmed
  .min(1, 'Enter the Directory (tenant) ID.')
  .refine(
    (value) => GUID.test(value) || DOMAIN.test(value),
    'A tenant ID is a GUID (Azure portal → Microsoft Entra ID → Overview) or a domain such as contoso.onmicrosoft.com.',
  );

export const clientIdSchema = trimmed
  .min(1, 'Enter the Application (client) ID.')
  .regex(GUID, 'An Application (client) ID is a GUID, e.g. 3f2504e0-4f89-11d3-9a0c-0305e82c3301.');

export const secretSchema = z
  .string()
  .min(1, 'Enter the client secret (its Value, not its Secret ID).')
  .max(1024, 'That is longer than any client secret.');

export const dataAreaIdSchema = trimmed
  .min(1, 'Enter a legal entity (dataAreaId), e.g. usmf.')
  .max(4, 'A legal entity id has at most 4 characters, e.g. usmf.')
  .regex(/^[A-Za-z0-9]+$/, 'A legal entity id is letters or digits only, e.g. usmf.')
  .transform((value) => value.toLowerCase());

export const salesStepSchema = z.object({
  name: trimmed
    .min(1, 'Give the connection a name, e.g. Production.')
    .max(100, 'Use at most 100 characters.'),
  salesUrl: environmentUrlSchema,
  entraTenantId: tenantIdSchema,
  salesClientId: clientIdSchema,
  salesClientSecret: secretSchema,
  authorityHost: z.union([z.literal(''), environmentUrlSchema]).optional(),
});

export const fnoStepSchema = z
  .object({
    fnoUrl: environmentUrlSchema,
    sameApp: z.boolean(),
    fnoClientId: z.string(),
    fnoClientSecret: z.string(),
    defaultLegalEntity: dataAreaIdSchema,
  })
  .superRefine((value, ctx) => {
    if (value.sameApp) return;
    const id = clientIdSchema.safeParse(value.fnoClientId);
    if (!id.success)
      ctx.addIssue({ code: 'custom', path: ['fnoClientId'], message: id.error.issues[0]?.message ?? '' });
    const secret = secretSchema.safeParse(value.fnoClientSecret);
    if (!secret.success)
      ctx.addIssue({
        code: 'custom',
        path: ['fnoClientSecret'],
        message: secret.error.issues[0]?.message ?? '',
      });
  });

export const routingRuleSchema = z.object({
  field: trimmed.regex(/^[a-z_][a-z0-9_]*$/, 'A Dataverse column logical name, e.g. address1_country.'),
  equals: trimmed.min(1, 'Enter the value to match, e.g. Germany.'),
  dataAreaId: dataAreaIdSchema,
});

export const legalEntityFormSchema = z.object({
  customerGroupId: trimmed
    .min(1, 'Enter the customer group new customers get, e.g. 10.')
    .max(10, 'At most 10 characters.'),
  currencyCode: trimmed
    .regex(/^[A-Za-z]{3}$/, 'A three-letter currency code, e.g. USD.')
    .transform((value) => value.toUpperCase()),
  /** The Sales price list that receives this legal entity's prices; empty: no prices synced. */
  priceList: trimmed.max(100, 'At most 100 characters.').default(''),
  /** F&O customer price group whose trade agreements set the list prices; empty: base prices only. */
  priceGroup: trimmed.max(10, 'At most 10 characters.').default(''),
});

export const cadencesSchema = z.object({
  salesDeltaSeconds: z.coerce
    .number({ error: 'Enter a number of seconds.' })
    .int('Whole seconds only.')
    .min(10, 'At least 10 seconds.')
    .max(86_400, 'At most 86,400 seconds (one day).'),
  fnoPollSeconds: z.coerce
    .number({ error: 'Enter a number of seconds.' })
    .int('Whole seconds only.')
    .min(30, 'At least 30 seconds.')
    .max(86_400, 'At most 86,400 seconds (one day).'),
});

export const flowsSchema = z.object({
  orders: z.boolean(),
  products: z.boolean(),
  prices: z.boolean(),
  customers: z.boolean(),
});

/** Zod issues as `{ 'path.to.field': message }` (first message per field). */
export function issuesByPath(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.');
    if (!(key in out)) out[key] = issue.message;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The server's own input schemas (CONTRACT.md: shared with the forms). The friendlier checks above
// run first; these then guarantee the form never sends what the server would refuse.
// ---------------------------------------------------------------------------------------------

export function validateWith(
  schema: z.ZodType,
  value: unknown,
  into: Record<string, string> = {},
): Record<string, string> {
  const result = schema.safeParse(value);
  if (!result.success)
    for (const [key, message] of Object.entries(issuesByPath(result.error)))
      if (!(key in into)) into[key] = message;
  return into;
}

const SALES_KEYS = {
  name: true,
  authorityHost: true,
  entraTenantId: true,
  salesUrl: true,
  salesClientId: true,
  salesClientSecret: true,
} as const;

export const serverSalesStepSchema = connectionCreateSchema.pick(SALES_KEYS);
export const serverFnoStepSchema = connectionCreateSchema.pick({
  fnoUrl: true,
  fnoClientId: true,
  defaultLegalEntity: true,
});
export { connectionCreateSchema, recordsListSchema, updateSettingsSchema };
