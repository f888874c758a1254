import { createHash } from 'node:crypto';
import type { Result } from '../errors';
import { type FnoCustomer, fnoCustomerSchema } from '../fno/records';
import { parseSource } from '../parse';
import { attempt, fail, textOf, unwrap } from '../text';
import { address1Of, type CrmAddress1, type CrmRef, crmText, currencyRef } from './common';

/**
 * F&O customers (`CustomersV3`) → Dynamics 365 Sales (dual-write "Customers V3 → accounts" /
 * "→ contacts", fno.md §8): organisations become accounts, persons contacts, keyed by the F&O
 * customer account.
 *
 * Written fields are exactly `CRM_ACCOUNT_FIELDS` / `CRM_CONTACT_FIELDS`: name, account number
 * (accounts), email, phone, `address1_*` (the delivery address, else the primary address) and the
 * currency. Nothing financial: unlike the dual-write map, no credit limit, payment terms, on-hold
 * status, invoice account, tax, posting or dimension data goes to Sales.
 */

export const CRM_ACCOUNT_FIELDS = [
  'accountnumber',
  'name',
  'telephone1',
  'emailaddress1',
  'address1_line1',
  'address1_city',
  'address1_stateorprovince',
  'address1_postalcode',
  'address1_country',
  'transactioncurrencyid',
] as const;

export const CRM_CONTACT_FIELDS = [
  'contactid',
  'firstname',
  'lastname',
  'telephone1',
  'emailaddress1',
  'address1_line1',
  'address1_city',
  'address1_stateorprovince',
  'address1_postalcode',
  'address1_country',
  'transactioncurrencyid',
] as const;

export interface CrmCustomerOptions {
  /** F&O country/region id → the country text written to Sales (`{ DEU: 'Germany' }`); default: the id. */
  countryNames?: Readonly<Record<string, string>>;
}

export interface CrmAccountUpsert extends CrmAddress1 {
  accountnumber: string;
  name: string;
  telephone1: string | null;
  emailaddress1: string | null;
  transactioncurrencyid?: CrmRef;
}

export interface CrmContactUpsert extends CrmAddress1 {
  contactid: string;
  firstname: string | null;
  lastname: string;
  telephone1: string | null;
  emailaddress1: string | null;
  transactioncurrencyid?: CrmRef;
}

export function toCrmAccount(
  fnoCustomer: unknown,
  options: CrmCustomerOptions = {},
): Result<CrmAccountUpsert> {
  return attempt(() => {
    const customer = parse(fnoCustomer);
    const what = describe(customer);
    if (partyTypeOf(customer) !== 'Organization') {
      fail('not_applicable', `${what} is a person: it becomes a contact, not an account.`, ['PartyType']);
    }
    const name =
      textOf(customer.OrganizationName) ??
      fail('missing_field', `${what} has no organization name: enter it in F&O.`, ['OrganizationName']);
    const currency = currencyRef(customer.SalesCurrencyCode);
    return {
      accountnumber:
        crmText(customer.CustomerAccount, 20, `The customer account of ${what}`, 'accountnumber', [
          'CustomerAccount',
        ]) ?? customer.CustomerAccount,
      name: crmText(name, 160, `The organization name of ${what}`, 'name', ['OrganizationName']) ?? name,
      ...contactInfo(customer, what),
      ...address1Of(customer, what, options.countryNames),
      ...(currency === undefined ? {} : { transactioncurrencyid: currency }),
    };
  });
}

export interface CrmContactOptions extends CrmCustomerOptions {
  /**
   * The contact this customer was written to before (the worker's key map). Default: a GUID
   * derived from the customer account, so the same F&O customer always upserts the same contact.
   */
  contactId?: string;
}

export function toCrmContact(
  fnoCustomer: unknown,
  options: CrmContactOptions = {},
): Result<CrmContactUpsert> {
  return attempt(() => {
    const customer = parse(fnoCustomer);
    const what = describe(customer);
    if (partyTypeOf(customer) !== 'Person') {
      fail('not_applicable', `${what} is an organization: it becomes an account, not a contact.`, [
        'PartyType',
      ]);
    }
    const lastName =
      textOf(customer.PersonLastName) ??
      fail('missing_field', `${what} has no last name: enter it in F&O.`, ['PersonLastName']);
    const currency = currencyRef(customer.SalesCurrencyCode);
    return {
      contactid: (options.contactId ?? contactIdOf(customer.CustomerAccount)).toLowerCase(),
      firstname: crmText(customer.PersonFirstName, 50, `The first name of ${what}`, 'firstname', [
        'PersonFirstName',
      ]),
      lastname: crmText(lastName, 50, `The last name of ${what}`, 'lastname', ['PersonLastName']) ?? lastName,
      ...contactInfo(customer, what),
      ...address1Of(customer, what, options.countryNames),
      ...(currency === undefined ? {} : { transactioncurrencyid: currency }),
    };
  });
}

/**
 * The contact id of a person customer: a name-based (version 5 style) GUID of its customer
 * account, the same in every run and on every worker. The account number alone keys it, as
 * accounts are keyed by `accountnumber` alone.
 */
export function contactIdOf(customerAccount: string): string {
  const hex = createHash('sha1')
    .update(`mlc:fno-customer:${customerAccount.trim().toLowerCase()}`)
    .digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

function parse(input: unknown): FnoCustomer {
  return unwrap(parseSource(fnoCustomerSchema, input, 'The F&O customer'));
}

function partyTypeOf(customer: FnoCustomer): 'Organization' | 'Person' | undefined {
  const type = textOf(customer.PartyType)?.toLowerCase();
  return type === 'organization' ? 'Organization' : type === 'person' ? 'Person' : undefined;
}

function describe(customer: FnoCustomer): string {
  return `F&O customer ${customer.CustomerAccount} (legal entity ${customer.dataAreaId})`;
}

function contactInfo(customer: FnoCustomer, what: string) {
  return {
    telephone1: crmText(customer.PrimaryContactPhone, 50, `The phone of ${what}`, 'telephone1', [
      'PrimaryContactPhone',
    ]),
    emailaddress1: crmText(customer.PrimaryContactEmail, 100, `The email of ${what}`, 'emailaddress1', [
      'PrimaryContactEmail',
    ]),
  };
}
