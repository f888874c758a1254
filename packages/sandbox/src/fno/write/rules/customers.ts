import { searchName } from '../../search-name';
import { SHARED_SCOPE } from '../../store/numbering';
import { toUtcDateTime } from '../../wire';
import { fail, findRow, type Infolog, str, type Values, type WriteContext } from '../context';
import { assignNumber, type EntityRules, requireFields } from './types';

const MAX_UTC = '2154-12-31T23:59:59Z';
const ADDRESS_FIELDS = [
  'AddressStreet',
  'AddressCity',
  'AddressZipCode',
  'AddressState',
  'AddressCountryRegionId',
];

/**
 * CustomersV3: the account from the legal entity's number sequence, CustomerGroupId and
 * SalesCurrencyCode required (the only `IsRequired` properties) and checked against their tables
 * with the real Infolog wording, a party number from the global address book.
 */
export const customerRules: EntityRules = {
  dataSource: 'CustTable',
  title: (values) => `Customer account: ${str(values, 'CustomerAccount')}, ${displayName(values)}`,

  create(ctx, provided) {
    const values: Values = {
      PartyType: 'Organization',
      LanguageId: defaultLanguage(ctx),
      ...provided,
    };
    assignNumber(ctx, values, 'CustomerAccount', 'CustomerAccount', 'Customer account');
    const log = requireFields(values, [
      ['CustomerGroupId', 'Customer group'],
      ['SalesCurrencyCode', 'Currency'],
    ]);
    checkReferences(ctx, values, log);
    log.throwIfFailed(ctx, 'CustTable');

    values['PartyNumber'] = ctx.store.sequences.next(SHARED_SCOPE, 'PartyNumber');
    if (!str(values, 'NameAlias')) values['NameAlias'] = searchName(displayName(values));
    if (ADDRESS_FIELDS.some((field) => str(values, field))) {
      values['AddressRecordId'] = ctx.store.takeRecId();
      values['AddressValidFrom'] = toUtcDateTime(ctx.now);
      values['AddressValidTo'] = MAX_UTC;
      if (!str(values, 'AddressLocationRoles')) values['AddressLocationRoles'] = 'Business';
      values['FullPrimaryAddress'] = fullAddress(values);
    }
    return values;
  },

  update(ctx, _row, merged, provided) {
    const log = requireFields(merged, [
      ['CustomerGroupId', 'Customer group'],
      ['SalesCurrencyCode', 'Currency'],
    ]);
    checkReferences(ctx, provided, log);
    log.throwIfFailed(ctx, 'CustTable');
    if (ADDRESS_FIELDS.some((field) => field in provided)) merged['FullPrimaryAddress'] = fullAddress(merged);
    return merged;
  },

  beforeDelete(ctx, row) {
    const account = String(row.values['CustomerAccount'] ?? '').toLowerCase();
    const hasOrders = ctx.store
      .table('SalesOrderHeadersV2')
      .rows()
      .some(
        (order) =>
          String(order.values['dataAreaId']) === ctx.legalEntity &&
          String(order.values['OrderingCustomerAccountNumber'] ?? '').toLowerCase() === account,
      );
    if (hasOrders) {
      // UNCONFIRMED wording of the restricted delete action.
      fail(ctx, [
        {
          level: 'Info',
          text: `Cannot delete a record in Customers (CustTable). ${customerRules.title(row.values)}.\nThe record may not be deleted. Transactions exist in table 'Sales orders'.`,
        },
      ]);
    }
  },
};

/** Foreign keys of the values being written (only those present). */
function checkReferences(ctx: WriteContext, values: Values, log: Infolog): void {
  const group = str(values, 'CustomerGroupId');
  if (
    group &&
    !findRow(ctx.store, 'CustomerGroups', { dataAreaId: ctx.legalEntity, CustomerGroupId: group })
  ) {
    log.notInRelatedTable(ctx, 'CustomerGroupId', 'Customer group', group, 'Customer groups');
  }
  const currency = str(values, 'SalesCurrencyCode');
  if (currency && !findRow(ctx.store, 'Currencies', { CurrencyCode: currency })) {
    log.notInRelatedTable(ctx, 'SalesCurrencyCode', 'Currency', currency, 'Currency');
  }
  const invoiceAccount = str(values, 'InvoiceAccount');
  if (
    invoiceAccount &&
    invoiceAccount.toLowerCase() !== str(values, 'CustomerAccount').toLowerCase() &&
    !findRow(ctx.store, 'CustomersV3', { dataAreaId: ctx.legalEntity, CustomerAccount: invoiceAccount })
  ) {
    log.notInRelatedTable(ctx, 'InvoiceAccount', 'Invoice account', invoiceAccount, 'Customers');
  }
}

function defaultLanguage(ctx: WriteContext): string {
  const legalEntity = findRow(ctx.store, 'LegalEntities', { LegalEntityId: ctx.legalEntity });
  return String(legalEntity?.values['LanguageId'] ?? 'en-us') || 'en-us';
}

/** Organization name, or the person's name for person customers. */
export function displayName(values: Values): string {
  if (str(values, 'PartyType') === 'Person') {
    return [str(values, 'PersonFirstName'), str(values, 'PersonLastName')].filter(Boolean).join(' ');
  }
  return str(values, 'OrganizationName');
}

function fullAddress(values: Values): string {
  const line2 = [str(values, 'AddressZipCode'), str(values, 'AddressCity'), str(values, 'AddressState')]
    .filter(Boolean)
    .join(' ');
  return [str(values, 'AddressStreet'), line2, str(values, 'AddressCountryRegionId')]
    .filter(Boolean)
    .join('\n');
}
