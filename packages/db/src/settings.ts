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

const numbering = z.enum(['sequence', 'manual']);

/** What the integration needs to know about one F&O legal entity. */
export const legalEntitySettingsSchema = z.object({
  /** Customer group of the customers we create. */
  customerGroupId: z.string().trim().min(1).max(10),
  /** The legal entity's currency (ISO code): new customers, base prices, orders without one. */
  currencyCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'a three-letter currency code, e.g. USD')
    .transform((value) => value.toUpperCase()),
  /** `manual`: a CRM account number becomes the F&O customer account; `sequence`: F&O numbers it. */
  customerAccounts: numbering.default('sequence'),
  /** `manual`: the F&O order number is the prefix + CRM order number; `sequence`: F&O numbers it. */
  salesOrderNumbers: numbering.default('sequence'),
  paymentTerms: z.string().trim().min(1).max(10).optional(),
  languageId: z.string().trim().min(2).max(7).optional(),
  /** Item that write-in (free text) CRM lines become; none → such a line fails its order. */
  writeInItem: z.string().trim().min(1).max(20).optional(),
  /** Name of the Sales price list that receives this legal entity's prices (in its currency). */
  priceList: z.string().trim().min(1).max(100).optional(),
  /**
   * F&O customer price group (`PriceCustomerGroupCode`) whose sales trade agreements set this
   * legal entity's price-list prices over the base sales price: agreements of this group or for
   * all customers, from quantity 1, in the legal entity's currency, valid today. None: base sales
   * prices only.
   */
  priceGroup: z.string().trim().min(1).max(10).optional(),
});
export type LegalEntitySettings = z.output<typeof legalEntitySettingsSchema>;

export const connectionSettingsSchema = z.object({
  legalEntities: z
    .object({
      default: dataAreaIdSchema.default('usmf'),
      rules: z.array(legalEntityRuleSchema).default([]),
      /** Per legal entity (dataAreaId); the default legal entity needs an entry before sync can run. */
      settings: z.record(z.string(), legalEntitySettingsSchema).default({}),
    })
    .prefault({}),
  defaultCustomerGroup: z.string().min(1).max(10).optional(),
  customers: z
    .object({
      /**
       * A string property of F&O `CustomersV3` (typically a field added for the integration) where
       * the customers we create keep the CRM record's id. With customer accounts from F&O's number
       * sequence it is what finds a customer again after a lost response or a worker crash between
       * the create and the link, instead of creating it twice. Null: not used.
       */
      referenceField: z
        .string()
        .regex(/^[A-Z][A-Za-z0-9_]*$/, 'a CustomersV3 property name, e.g. MlcCrmReference')
        .nullable()
        .default(null),
    })
    .prefault({}),
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
  orders: z
    .object({
      /** CRM order states that send an order to F&O: 0 Active, 1 Submitted (won opportunities always go). */
      states: z.array(z.number().int().min(0).max(4)).min(1).default([0, 1]),
      /** `crm`: keep the CRM prices and discounts on the F&O lines; `fno`: let F&O price them. */
      prices: z.enum(['crm', 'fno']).default('crm'),
      /** Write the F&O order number into this column of the CRM order; null: do not write back. */
      erpOrderNumberColumn: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/)
        .nullable()
        .default('mlc_erpordernumber'),
      /** Put in front of the CRM order number to make a manual F&O order number. */
      salesOrderNumberPrefix: z
        .string()
        .regex(/^[A-Za-z0-9-]{0,10}$/)
        .default(''),
    })
    .prefault({}),
  catalog: z
    .object({
      /** Legal entity whose released products become Sales products; default: the default legal entity. */
      legalEntity: dataAreaIdSchema.optional(),
      /** The Sales unit group (uomschedule) of synced products; units are created in it by F&O symbol. */
      unitGroup: z.string().trim().min(1).max(200).default('Default Unit'),
      /** F&O unit symbol → Sales unit name, where they differ (`ea` → `Each`). */
      unitNames: z.record(z.string(), z.string().min(1)).default({ ea: 'Each' }),
    })
    .prefault({}),
  /** Sandbox connections trust the sandbox CA for the sandbox hosts (never set in production). */
  sandbox: z.object({ caPem: z.string().includes('BEGIN CERTIFICATE') }).optional(),
});

export type ConnectionSettings = z.infer<typeof connectionSettingsSchema>;
export type ConnectionSettingsInput = z.input<typeof connectionSettingsSchema>;
