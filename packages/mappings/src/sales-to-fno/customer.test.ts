import { describe, expect, it } from 'vitest';
import accountDe from '../sales/__fixtures__/account-de.json' with { type: 'json' };
import accountUs from '../sales/__fixtures__/account-us.json' with { type: 'json' };
import contactUs from '../sales/__fixtures__/contact-us.json' with { type: 'json' };
import { errorOf, okValue } from '../testing/result';
import { type FnoCustomerOptions, toFnoCustomer } from './customer';

const demf: FnoCustomerOptions = {
  dataAreaId: 'DEMF',
  customerGroup: '10',
  currency: 'eur',
  customerAccounts: 'manual',
  languageId: 'de',
  paymentTermsByCode: { 1: 'Net30', 3: 'Net45' },
};
const usmf: FnoCustomerOptions = { dataAreaId: 'usmf', customerGroup: '20', currency: 'USD' };

const withRow = <T extends { row: object }>(record: T, row: Record<string, unknown>): T => ({
  ...record,
  row: { ...record.row, ...row },
});

describe('toFnoCustomer (golden)', () => {
  it('maps a German account to an organisation in demf, keeping its account number (manual numbers)', () => {
    const payload = okValue(toFnoCustomer(accountDe, demf));
    expect(payload).toMatchSnapshot();
    expect(payload).toMatchObject({
      PartyType: 'Organization',
      CustomerAccount: 'ACC-10004',
      AddressCountryRegionId: 'DEU',
      PaymentTerms: 'Net30',
    });
  });

  it('leaves CustomerAccount out when the legal entity numbers its customers', () => {
    const payload = okValue(toFnoCustomer(accountUs, usmf));
    expect(payload).toMatchSnapshot();
    expect(payload).not.toHaveProperty('CustomerAccount');
    expect(payload).not.toHaveProperty('PaymentTerms'); // no map configured: F&O takes the group's terms
  });

  it('maps a contact to a person', () => {
    const payload = okValue(toFnoCustomer(contactUs, { ...usmf, customerAccounts: 'manual' }));
    expect(payload).toMatchSnapshot();
    expect(payload).toMatchObject({
      PartyType: 'Person',
      PersonFirstName: 'Dana',
      PersonLastName: 'Whitfield',
    });
    expect(payload).not.toHaveProperty('OrganizationName');
    expect(payload).not.toHaveProperty('CustomerAccount');
  });

  it('leaves empty CRM fields out of the payload', () => {
    const payload = okValue(
      toFnoCustomer(
        withRow(accountUs, { telephone1: '  ', emailaddress1: null, address1_country: null }),
        usmf,
      ),
    );
    expect(payload).not.toHaveProperty('PrimaryContactPhone');
    expect(payload).not.toHaveProperty('PrimaryContactEmail');
    expect(payload).not.toHaveProperty('AddressCountryRegionId');
  });
});

describe('toFnoCustomer (errors)', () => {
  it('refuses an account number longer than F&O’s CustomerAccount', () => {
    const error = errorOf(
      toFnoCustomer(withRow(accountDe, { accountnumber: 'ACC-10004-GRANITE-STUTT' }), demf),
    );
    expect(error.code).toBe('value_too_long');
    expect(error.path).toEqual(['row', 'accountnumber']);
    expect(error.message).toBe(
      "The accountnumber of account 'Granite Fabrication GmbH' (ACC-10004-GRANITE-STUTT) is 23 characters long, but F&O's CustomerAccount allows at most 20: shorten the account number in Dynamics 365 Sales (or clear it so that F&O numbers the customer), then sync again.",
    );
    // Not used with sequence numbering, so not an error there.
    expect(toFnoCustomer(withRow(accountDe, { accountnumber: 'ACC-10004-GRANITE-STUTT' }), usmf).ok).toBe(
      true,
    );
  });

  it('refuses a name longer than F&O’s OrganizationName', () => {
    const error = errorOf(toFnoCustomer(withRow(accountUs, { name: 'X'.repeat(101) }), usmf));
    expect(error).toMatchObject({ code: 'value_too_long', path: ['row', 'name'] });
  });

  it('needs an account name and a contact last name', () => {
    expect(errorOf(toFnoCustomer(withRow(accountUs, { name: ' ' }), usmf))).toMatchObject({
      code: 'missing_field',
      path: ['row', 'name'],
    });
    expect(errorOf(toFnoCustomer(withRow(contactUs, { lastname: null }), usmf))).toMatchObject({
      code: 'missing_field',
      path: ['row', 'lastname'],
    });
  });

  it('names a country it cannot map', () => {
    const error = errorOf(toFnoCustomer(withRow(accountUs, { address1_country: 'Atlantis' }), usmf));
    expect(error.code).toBe('unmapped_value');
    expect(error.path).toEqual(['row', 'address1_country']);
    expect(error.message).toContain("add 'Atlantis' to the connection's country map");
    // …unless the connection maps it.
    const mapped = okValue(
      toFnoCustomer(withRow(accountUs, { address1_country: 'Atlantis' }), {
        ...usmf,
        countries: { atlantis: 'ATL' },
      }),
    );
    expect(mapped.AddressCountryRegionId).toBe('ATL');
  });

  it('names payment terms the map does not know', () => {
    const error = errorOf(toFnoCustomer(withRow(accountDe, { paymenttermscode: 4 }), demf));
    expect(error).toMatchObject({ code: 'unmapped_value', path: ['row', 'paymenttermscode'] });
    expect(error.message).toContain('add 4 to the payment terms map of legal entity demf');
  });

  it('refuses invalid options and records', () => {
    expect(errorOf(toFnoCustomer(accountUs, { ...usmf, currency: 'US Dollar' })).code).toBe('invalid_source');
    expect(errorOf(toFnoCustomer({ table: 'account', id: 'not-a-guid', row: {} }, usmf)).code).toBe(
      'invalid_source',
    );
  });
});
