import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { ConnectorError, isConnectorError } from '../core/errors';
import type { FnoConfig } from './config';
import { legalEntityIdSchema } from './config';
import { type CustomerRow, customerEntity } from './entities';
import { FnoApi, queryString, sameValue, stringLiteral } from './odata';

/**
 * `ensureCustomer`: the F&O customer for a CRM account or contact, found or created, exactly once.
 *
 * 1. `customerAccount` (the key map's value, given by the caller): `GET CustomersV3(dataAreaId,
 *    CustomerAccount)`.
 * 2. `accountNumber` (the CRM account number): by the dual-write convention (fno.md §8, Account =
 *    `accountnumber` + company) it is the F&O CustomerAccount: `GET CustomersV3(dataAreaId,
 *    CustomerAccount=accountNumber)`.
 * 3. `crmReference` when the configuration names a `customerReferenceField`: `$filter` on it.
 * 4. Otherwise create it in the legal entity, with the required CustomerGroupId and
 *    SalesCurrencyCode (the only IsRequired properties, fno.md §3) from the record or the legal
 *    entity's settings. With `customerAccounts: 'manual'` and an account number, the account number
 *    becomes the CustomerAccount (so the create is idempotent by key); otherwise F&O's number
 *    sequence assigns it.
 *
 * A create whose outcome is unknown (connection lost after sending) is followed by the look-up by
 * natural key (account number, or the reference field) before anything else, and sent again only
 * when the customer is not there. Without a natural key (sequence numbering, no reference field)
 * the `outcome_unknown` is returned: sending again could create a second customer.
 */

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();

export const ensureCustomerRecordSchema = z
  .object({
    /** Legal entity (dataAreaId); default: the configuration's default legal entity. */
    legalEntity: legalEntityIdSchema.optional(),
    /** The F&O account this CRM record was linked to before (key map), if any. */
    customerAccount: optionalText(20),
    /** The CRM account number: F&O's CustomerAccount by the dual-write convention. */
    accountNumber: optionalText(20),
    /** The CRM record's id or number, stored in `customerReferenceField` when one is configured. */
    crmReference: optionalText(60),
    partyType: z.enum(['Organization', 'Person']).default('Organization'),
    organizationName: optionalText(100),
    personFirstName: optionalText(25),
    personLastName: optionalText(25),
    /** Override the legal entity's defaults. */
    customerGroupId: optionalText(10),
    currencyCode: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/)
      .transform((value) => value.toUpperCase())
      .optional(),
    paymentTerms: optionalText(10),
    languageId: optionalText(7),
    address: z
      .object({
        street: optionalText(250),
        city: optionalText(60),
        zipCode: optionalText(10),
        state: optionalText(10),
        /** F&O's country/region id, e.g. `USA`, `DEU`. */
        countryRegionId: optionalText(10),
      })
      .optional(),
    email: z.email().optional(),
    phone: optionalText(255),
  })
  .superRefine((record, ctx) => {
    if (record.partyType === 'Organization' && !record.organizationName) {
      ctx.addIssue({ code: 'custom', path: ['organizationName'], message: 'an organization needs its name' });
    }
    if (record.partyType === 'Person' && !record.personLastName) {
      ctx.addIssue({ code: 'custom', path: ['personLastName'], message: 'a person needs a last name' });
    }
  });

export type EnsureCustomerRecord = z.output<typeof ensureCustomerRecordSchema>;

export interface EnsuredCustomer {
  dataAreaId: string;
  customerAccount: string;
  /** `created`: written now; otherwise how it was found. */
  outcome: 'found_by_customer_account' | 'found_by_account_number' | 'found_by_reference' | 'created';
}

const ALREADY_EXISTS = /record already exists/i;
const customerKey = customerEntity.row.pick({ dataAreaId: true, CustomerAccount: true });

export async function ensureCustomer(
  ctx: ConnectorContext,
  config: FnoConfig,
  record: EnsureCustomerRecord,
): Promise<EnsuredCustomer> {
  const api = new FnoApi(ctx, config);
  const legalEntity = record.legalEntity ?? config.defaultLegalEntity;
  const byAccount = (account: string) =>
    api.getEntity(
      customerEntity.entitySet,
      customerEntity.keyFields,
      { dataAreaId: legalEntity, CustomerAccount: account },
      customerKey,
      {
        select: ['dataAreaId', 'CustomerAccount'],
        companyScoped: true,
        priority: 'live',
      },
    );

  if (record.customerAccount) {
    const found = await byAccount(record.customerAccount);
    if (found)
      return {
        dataAreaId: legalEntity,
        customerAccount: found.CustomerAccount,
        outcome: 'found_by_customer_account',
      };
    ctx.logger.warn(
      { legalEntity, customerAccount: record.customerAccount },
      'the linked F&O customer is not there any more; looking further',
    );
  }
  const findByNaturalKey = async (): Promise<EnsuredCustomer | undefined> => {
    if (record.accountNumber) {
      const found = await byAccount(record.accountNumber);
      if (found)
        return {
          dataAreaId: legalEntity,
          customerAccount: found.CustomerAccount,
          outcome: 'found_by_account_number',
        };
    }
    const field = config.customerReferenceField;
    if (field && record.crmReference) {
      const rows = await api.all(
        `CustomersV3${queryString({
          filter: `dataAreaId eq ${stringLiteral(legalEntity)} and ${field} eq ${stringLiteral(record.crmReference)}`,
          select: ['dataAreaId', 'CustomerAccount', field],
          crossCompany: true,
        })}`,
        z.looseObject({ CustomerAccount: z.string() }),
        'live',
      );
      const matches = rows.filter((row) => sameValue(row[field], record.crmReference));
      if (matches.length > 1) {
        throw new ConnectorError(
          'conflict',
          `${matches.length} customers in ${legalEntity} have ${field} = "${record.crmReference}" (${matches.map((row) => row.CustomerAccount).join(', ')}).`,
          { remedy: `Keep one of them in F&O (or clear ${field} on the others), then run the sync again.` },
        );
      }
      const match = matches[0];
      if (match)
        return {
          dataAreaId: legalEntity,
          customerAccount: match.CustomerAccount,
          outcome: 'found_by_reference',
        };
    }
    return undefined;
  };

  const existing = await findByNaturalKey();
  if (existing) return existing;

  const body = customerBody(config, legalEntity, record);
  const hasNaturalKey = createIsFindable(config, record);
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await api.request('CustomersV3', {
        method: 'POST',
        json: body,
        schema: z.looseObject({ CustomerAccount: z.string() }),
        priority: 'live',
      });
      return { dataAreaId: legalEntity, customerAccount: created.body.CustomerAccount, outcome: 'created' };
    } catch (error) {
      if (!isConnectorError(error)) throw error;
      // The account was taken in the meantime (or by our own lost attempt): it is the one we want.
      if (error.code === 'validation_failed' && ALREADY_EXISTS.test(error.upstream?.message ?? '')) {
        const found = await findByNaturalKey();
        if (found) return found;
        throw error;
      }
      if (error.code !== 'outcome_unknown') throw error;
      if (!hasNaturalKey) {
        throw new ConnectorError(
          'outcome_unknown',
          `${error.message} The customer "${displayName(record)}" may have been created in ${legalEntity} with an account from F&O's number sequence; without an account number or reference field it cannot be looked up safely.`,
          {
            cause: error,
            remedy:
              `Look in F&O (Accounts receivable > Customers > All customers, company ${legalEntity}) for "${displayName(record)}": ` +
              'link it to the CRM record if it was created, or run the sync again if not. To avoid this, use manual customer ' +
              'accounts for this legal entity, or configure a customerReferenceField.',
          },
        );
      }
      const found = await recheck(ctx, config, findByNaturalKey);
      if (found) return found;
      if (attempt >= 2) throw error;
      ctx.logger.info({ legalEntity }, 'customer create outcome unknown and not found: sending it again');
    }
  }
}

/** Looks up again after an unknown outcome: at once, then after `outcomeUnknownRecheckMs`. */
export async function recheck<T>(
  ctx: ConnectorContext,
  config: FnoConfig,
  find: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const first = await find();
  if (first !== undefined || config.outcomeUnknownRecheckMs === 0) return first;
  await ctx.clock.sleep(config.outcomeUnknownRecheckMs, ctx.signal);
  return find();
}

function displayName(record: EnsureCustomerRecord): string {
  return record.partyType === 'Person'
    ? [record.personFirstName, record.personLastName].filter(Boolean).join(' ')
    : (record.organizationName ?? '');
}

/**
 * Whether a customer this record creates can be looked up again by a key of ours: its CRM account
 * number as the CustomerAccount (manual numbering in its legal entity), or the CRM reference in the
 * configured reference field. Otherwise F&O numbers it and only its name is left to go by.
 */
export function createIsFindable(config: FnoConfig, record: EnsureCustomerRecord): boolean {
  const legalEntity = record.legalEntity ?? config.defaultLegalEntity;
  const manual =
    config.legalEntitySettings[legalEntity]?.customerAccounts === 'manual' && Boolean(record.accountNumber);
  return manual || Boolean(config.customerReferenceField && record.crmReference);
}

function customerBody(
  config: FnoConfig,
  legalEntity: string,
  record: EnsureCustomerRecord,
): Record<string, unknown> {
  const settings = config.legalEntitySettings[legalEntity];
  const customerGroupId = record.customerGroupId ?? settings?.customerGroupId;
  const currencyCode = record.currencyCode ?? settings?.currencyCode;
  if (!customerGroupId || !currencyCode) {
    throw new ConnectorError(
      'invalid_config',
      `A customer for legal entity ${legalEntity} needs a customer group and a currency, and the connection has no settings for ${legalEntity}.`,
      {
        remedy: `Add ${legalEntity} to the connection's legal entity settings (customer group and currency of new customers).`,
      },
    );
  }
  const body: Record<string, unknown> = {
    dataAreaId: legalEntity,
    PartyType: record.partyType,
    CustomerGroupId: customerGroupId,
    SalesCurrencyCode: currencyCode,
  };
  if (settings?.customerAccounts === 'manual' && record.accountNumber)
    body['CustomerAccount'] = record.accountNumber;
  if (record.partyType === 'Organization') body['OrganizationName'] = record.organizationName;
  else {
    if (record.personFirstName) body['PersonFirstName'] = record.personFirstName;
    body['PersonLastName'] = record.personLastName;
  }
  const paymentTerms = record.paymentTerms ?? settings?.paymentTerms;
  if (paymentTerms) body['PaymentTerms'] = paymentTerms;
  const languageId = record.languageId ?? settings?.languageId;
  if (languageId) body['LanguageId'] = languageId;
  const address = record.address;
  if (address?.street) body['AddressStreet'] = address.street;
  if (address?.city) body['AddressCity'] = address.city;
  if (address?.zipCode) body['AddressZipCode'] = address.zipCode;
  if (address?.state) body['AddressState'] = address.state;
  if (address?.countryRegionId) body['AddressCountryRegionId'] = address.countryRegionId;
  if (record.email) body['PrimaryContactEmail'] = record.email;
  if (record.phone) body['PrimaryContactPhone'] = record.phone;
  if (config.customerReferenceField && record.crmReference)
    body[config.customerReferenceField] = record.crmReference;
  return body;
}

export type { CustomerRow };
