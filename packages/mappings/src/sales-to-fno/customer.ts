import { z } from 'zod';
import { countryRegionIdOf } from '../countries';
import type { Result } from '../errors';
import { parseSource } from '../parse';
import { type CrmCustomer, crmCustomerSchema } from '../sales/records';
import { attempt, compact, fail, fit, type Limit, quoted, textOf, unwrap } from '../text';

/**
 * A CRM account or contact → the body of a `POST CustomersV3` (fno.md §3, §8).
 *
 * - Account → `PartyType: 'Organization'`, `OrganizationName` = `name`. Contact → `PartyType:
 *   'Person'`, `PersonFirstName`/`PersonLastName` (CustomersV3 has no `Name` property).
 * - `CustomerGroupId` and `SalesCurrencyCode` (the only required properties) come from the legal
 *   entity's settings; `LanguageId` defaults to `en-us` as in the dual-write map.
 * - `CustomerAccount` = the CRM `accountnumber` (dual-write key: account = accountnumber +
 *   company) when the legal entity allows manual customer accounts (`customerAccounts:
 *   'manual'`); otherwise it is left out and F&O numbers the customer from its sequence. Contacts
 *   have no account number, so F&O always numbers person customers.
 * - `address1_*` → the primary address (`AddressStreet`, `AddressCity`, `AddressZipCode`,
 *   `AddressState`, `AddressCountryRegionId`), which F&O also uses for delivery and invoicing while
 *   the customer has no address for those roles. (Dual-write maps `address1_*` to the
 *   `DeliveryAddress*` group of an existing customer; a new customer needs a primary address.)
 *   The country text becomes F&O's country/region id (`countries.ts`).
 * - `emailaddress1` → `PrimaryContactEmail`, `telephone1` → `PrimaryContactPhone`.
 * - `paymenttermscode` → `PaymentTerms` through `paymentTermsByCode` when configured; without a
 *   map it is left out (F&O takes the customer group's terms).
 * - Every text is checked against F&O's field length: too long → `value_too_long` naming the CRM
 *   field. Nothing is cut short silently.
 */

const legalEntityId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{1,4}$/)
  .transform((value) => value.toLowerCase());

export const fnoCustomerOptionsSchema = z.object({
  dataAreaId: legalEntityId,
  customerGroup: z.string().trim().min(1).max(10),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/)
    .transform((value) => value.toUpperCase()),
  customerAccounts: z.enum(['manual', 'sequence']).default('sequence'),
  languageId: z.string().trim().min(1).max(7).default('en-us'),
  /** CRM `paymenttermscode` (1 Net 30, 2 2% 10 Net 30, 3 Net 45, 4 Net 60, …) → F&O payment terms. */
  paymentTermsByCode: z.record(z.string(), z.string().trim().min(1).max(10)).optional(),
  countries: z.record(z.string(), z.string().trim().min(1).max(10)).optional(),
});
export type FnoCustomerOptions = z.input<typeof fnoCustomerOptionsSchema>;

/** The `CustomersV3` create body. */
export interface FnoCustomerPayload {
  dataAreaId: string;
  CustomerAccount?: string;
  PartyType: 'Organization' | 'Person';
  OrganizationName?: string;
  PersonFirstName?: string;
  PersonLastName?: string;
  CustomerGroupId: string;
  SalesCurrencyCode: string;
  LanguageId: string;
  PaymentTerms?: string;
  AddressStreet?: string;
  AddressCity?: string;
  AddressZipCode?: string;
  AddressState?: string;
  AddressCountryRegionId?: string;
  PrimaryContactEmail?: string;
  PrimaryContactPhone?: string;
}

/** F&O field lengths (the same the connector's `ensureCustomer` checks). */
export const FNO_CUSTOMER_LENGTHS = {
  CustomerAccount: 20,
  OrganizationName: 100,
  PersonFirstName: 25,
  PersonLastName: 25,
  AddressStreet: 250,
  AddressCity: 60,
  AddressZipCode: 10,
  AddressState: 10,
  PrimaryContactEmail: 255,
  PrimaryContactPhone: 255,
} as const;

export function toFnoCustomer(customer: unknown, options: FnoCustomerOptions): Result<FnoCustomerPayload> {
  return attempt(() => {
    const settings = unwrap(
      parseSource(fnoCustomerOptionsSchema, options, 'The customer mapping configuration'),
    );
    const record = unwrap(parseSource(crmCustomerSchema, customer, 'The CRM customer'));
    const what = describeCustomer(record);
    const limit = (field: keyof typeof FNO_CUSTOMER_LENGTHS, source: string): Limit => ({
      what: `The ${source} of ${what}`,
      target: `F&O's ${field}`,
      max: FNO_CUSTOMER_LENGTHS[field],
      path: ['row', source],
      remedy: `shorten it in Dynamics 365 Sales, then sync again.`,
    });
    const row = record.row;

    const name =
      record.table === 'account'
        ? {
            PartyType: 'Organization' as const,
            OrganizationName: fit(
              textOf(record.row.name) ??
                fail(
                  'missing_field',
                  `${what} has no name: F&O needs one for the customer. Enter the account name in Dynamics 365 Sales.`,
                  ['row', 'name'],
                ),
              limit('OrganizationName', 'name'),
            ),
          }
        : {
            PartyType: 'Person' as const,
            PersonFirstName: fit(textOf(record.row.firstname), limit('PersonFirstName', 'firstname')),
            PersonLastName: fit(
              textOf(record.row.lastname) ??
                fail(
                  'missing_field',
                  `${what} has no last name: F&O needs one for a person customer. Enter it in Dynamics 365 Sales.`,
                  ['row', 'lastname'],
                ),
              limit('PersonLastName', 'lastname'),
            ),
          };

    const accountNumber = record.table === 'account' ? textOf(record.row.accountnumber) : undefined;
    const customerAccount =
      settings.customerAccounts === 'manual' && accountNumber !== undefined
        ? fit(accountNumber, {
            ...limit('CustomerAccount', 'accountnumber'),
            remedy:
              'shorten the account number in Dynamics 365 Sales (or clear it so that F&O numbers the customer), then sync again.',
          })
        : undefined;

    const code = record.table === 'account' ? record.row.paymenttermscode : undefined;
    let paymentTerms: string | undefined;
    if (code !== null && code !== undefined && settings.paymentTermsByCode !== undefined) {
      paymentTerms =
        settings.paymentTermsByCode[String(code)] ??
        fail(
          'unmapped_value',
          `${what} has payment terms code ${code}, which the connection does not map to F&O payment terms: ` +
            `add ${code} to the payment terms map of legal entity ${settings.dataAreaId}, or change the terms in Dynamics 365 Sales.`,
          ['row', 'paymenttermscode'],
        );
    }

    return compact({
      dataAreaId: settings.dataAreaId,
      CustomerAccount: customerAccount,
      ...name,
      CustomerGroupId: settings.customerGroup,
      SalesCurrencyCode: settings.currency,
      LanguageId: settings.languageId,
      PaymentTerms: paymentTerms,
      AddressStreet: fit(textOf(row.address1_line1), limit('AddressStreet', 'address1_line1')),
      AddressCity: fit(textOf(row.address1_city), limit('AddressCity', 'address1_city')),
      AddressZipCode: fit(textOf(row.address1_postalcode), limit('AddressZipCode', 'address1_postalcode')),
      AddressState: fit(
        textOf(row.address1_stateorprovince),
        limit('AddressState', 'address1_stateorprovince'),
      ),
      AddressCountryRegionId: countryRegionIdOf(row.address1_country, settings.countries, what, [
        'row',
        'address1_country',
      ]),
      PrimaryContactEmail: fit(textOf(row.emailaddress1), limit('PrimaryContactEmail', 'emailaddress1')),
      PrimaryContactPhone: fit(textOf(row.telephone1), limit('PrimaryContactPhone', 'telephone1')),
    }) satisfies FnoCustomerPayload;
  });
}

export function describeCustomer(customer: CrmCustomer): string {
  return customer.table === 'account'
    ? `account ${quoted(customer.row.name)}${customer.row.accountnumber ? ` (${customer.row.accountnumber.trim()})` : ''}`
    : `contact ${quoted(customer.row.fullname ?? [customer.row.firstname, customer.row.lastname].filter(Boolean).join(' '))}`;
}
