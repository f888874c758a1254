import { z } from 'zod';
import type { Result } from './errors';
import { parseSource } from './parse';
import {
  type CrmAccountRow,
  type CrmCustomer,
  crmAccountRowSchema,
  crmCustomerSchema,
} from './sales/records';
import { attempt, fail, quoted, textOf, unwrap } from './text';

/**
 * Legal-entity routing: which F&O legal entity (dataAreaId) a CRM customer belongs to.
 *
 * - Rules are tried in their order; the **first** rule that matches wins; no rule matches → the
 *   default legal entity. The same customer and settings always give the same answer.
 * - A rule tests one field of the customer: `equals` one value, is `in` a list, or `startsWith` a
 *   prefix (postal codes). Comparisons ignore case and surrounding blanks. An empty field matches
 *   no rule.
 * - An **account** is tested on its own fields.
 * - A **contact** is tested on one basis, chosen by `contacts`: `own-address` (default) uses the
 *   contact's own address when it has one, else its parent account (when the caller passes it);
 *   `parent-account` uses the parent account when passed, else the contact's own address. A
 *   contact has no `accountnumber`, so rules on it only match through the parent account.
 * - The answer is the dataAreaId in lower case (F&O returns `dataAreaId` in lower case).
 */

const legalEntityId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{1,4}$/, 'a legal entity id (dataAreaId) has 1 to 4 letters or digits')
  .transform((value) => value.toLowerCase());

export const ROUTING_FIELDS = [
  'address1_country',
  'address1_stateorprovince',
  'address1_city',
  'address1_postalcode',
  'accountnumber',
] as const;
export type RoutingField = (typeof ROUTING_FIELDS)[number];

export const routingRuleSchema = z
  .object({
    field: z.enum(ROUTING_FIELDS),
    equals: z.string().trim().min(1).optional(),
    in: z.array(z.string().trim().min(1)).min(1).optional(),
    startsWith: z.string().trim().min(1).optional(),
    legalEntity: legalEntityId,
  })
  .refine(
    (rule) => [rule.equals, rule.in, rule.startsWith].filter((test) => test !== undefined).length === 1,
    'a rule needs exactly one of equals, in, startsWith',
  );
export type RoutingRule = z.output<typeof routingRuleSchema>;

export const routingSettingsSchema = z.object({
  defaultLegalEntity: legalEntityId,
  rules: z.array(routingRuleSchema).default([]),
  contacts: z.enum(['own-address', 'parent-account']).default('own-address'),
});
export type RoutingSettings = z.output<typeof routingSettingsSchema>;
export type RoutingSettingsInput = z.input<typeof routingSettingsSchema>;

export interface LegalEntityRoute {
  /** Lower case, e.g. `demf`. */
  dataAreaId: string;
  /** Whose fields decided. */
  basis: 'account' | 'contact' | 'parent-account';
  /** Index of the matching rule; `null` for the default. */
  rule: number | null;
  /** For the audit trail: "rule 1: address1_country 'Germany' is in [DE, Germany]". */
  reason: string;
}

export interface RoutingContext {
  /** The parent account of a contact customer (`parentcustomerid`), when the caller read it. */
  parentAccount?: unknown;
}

type Fields = Partial<Record<RoutingField, string | null | undefined>>;

export function resolveLegalEntity(
  customer: unknown,
  settings: RoutingSettingsInput,
  context: RoutingContext = {},
): Result<LegalEntityRoute> {
  return attempt(() => {
    const config = unwrap(
      parseSource(routingSettingsSchema, settings, 'The legal-entity routing configuration'),
    );
    const record = unwrap(parseSource(crmCustomerSchema, customer, 'The CRM customer'));
    const parent =
      context.parentAccount === undefined
        ? undefined
        : unwrap(parseSource(crmAccountRowSchema, context.parentAccount, 'The parent account'));
    const { basis, fields } = basisOf(record, parent, config);
    for (const [index, rule] of config.rules.entries()) {
      const value = textOf(fields[rule.field]);
      if (value !== undefined && matches(rule, value)) {
        return {
          dataAreaId: rule.legalEntity,
          basis,
          rule: index,
          reason: `rule ${index + 1}: ${basis === 'parent-account' ? "parent account's " : ''}${rule.field} '${value}' ${describe(rule)}`,
        };
      }
    }
    return {
      dataAreaId: config.defaultLegalEntity,
      basis,
      rule: null,
      reason: 'no rule matched: default legal entity',
    };
  });
}

function basisOf(
  customer: CrmCustomer,
  parent: CrmAccountRow | undefined,
  settings: RoutingSettings,
): { basis: LegalEntityRoute['basis']; fields: Fields } {
  if (customer.table === 'account') return { basis: 'account', fields: customer.row };
  const contact = customer.row;
  if (parent !== undefined && parent.accountid.toLowerCase() !== contact.parentcustomerid?.id.toLowerCase()) {
    fail(
      'invalid_source',
      `The account given as parent of contact ${quoted(contact.fullname)} is not its parent customer: ` +
        'read the account named in the contact’s parentcustomerid.',
      ['parentcustomerid'],
    );
  }
  const own: Fields = {
    address1_country: contact.address1_country,
    address1_stateorprovince: contact.address1_stateorprovince,
    address1_city: contact.address1_city,
    address1_postalcode: contact.address1_postalcode,
  };
  const hasOwnAddress = Object.values(own).some((value) => textOf(value) !== undefined);
  const preferParent = settings.contacts === 'parent-account' || !hasOwnAddress;
  if (preferParent && parent !== undefined) return { basis: 'parent-account', fields: parent };
  return { basis: 'contact', fields: own };
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function matches(rule: RoutingRule, value: string): boolean {
  if (rule.equals !== undefined) return same(rule.equals, value);
  if (rule.in !== undefined) return rule.in.some((candidate) => same(candidate, value));
  if (rule.startsWith !== undefined) return value.toLowerCase().startsWith(rule.startsWith.toLowerCase());
  return false;
}

function describe(rule: RoutingRule): string {
  if (rule.equals !== undefined) return `equals '${rule.equals}'`;
  if (rule.in !== undefined) return `is in [${rule.in.join(', ')}]`;
  return `starts with '${rule.startsWith ?? ''}'`;
}
