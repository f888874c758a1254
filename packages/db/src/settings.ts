import { z } from 'zod';

/** An F&O legal entity id (`dataAreaId`): up to four characters, stored lower-case as F&O returns it. */
export const dataAreaIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(4)
  .regex(/^[A-Za-z0-9]+$/, 'a dataAreaId is 1-4 letters or digits, e.g. usmf')
  .transform((value) => value.toLowerCase());

/** Route an account to a legal entity when one of its fields equals a value (e.g. country = DE → demf). */
export const legalEntityRuleSchema = z.object({
  field: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a Dataverse column logical name, e.g. address1_country'),
  equals: z.string().min(1),
  dataAreaId: dataAreaIdSchema,
});

export const connectionSettingsSchema = z.object({
  legalEntities: z
    .object({
      default: dataAreaIdSchema.default('usmf'),
      rules: z.array(legalEntityRuleSchema).default([]),
    })
    .prefault({}),
  defaultCustomerGroup: z.string().min(1).max(10).optional(),
  flows: z
    .object({
      orders: z.boolean().default(true),
      products: z.boolean().default(true),
      prices: z.boolean().default(true),
      customers: z.boolean().default(true),
    })
    .prefault({}),
  cadences: z
    .object({
      /** Change-tracking delta read per Dataverse table (safety net for lost webhooks). */
      salesDeltaSeconds: z.number().int().min(10).max(86_400).default(60),
      /** F&O polling of released products, prices and customers. */
      fnoPollSeconds: z.number().int().min(30).max(86_400).default(300),
    })
    .prefault({}),
});

export type ConnectionSettings = z.infer<typeof connectionSettingsSchema>;
export type ConnectionSettingsInput = z.input<typeof connectionSettingsSchema>;
