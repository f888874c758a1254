import { describe, expect, it } from 'vitest';
import customers from '../fno/__fixtures__/customers.json' with { type: 'json' };
import { errorOf, okValue } from '../testing/result';
import { contactIdOf, toCrmAccount, toCrmContact } from './customer';

describe('toCrmAccount (golden)', () => {
  it('maps an organisation to an account keyed by its customer account', () => {
    const account = okValue(toCrmAccount(customers.organization));
    expect(account).toMatchSnapshot();
    expect(account.accountnumber).toBe('ACC-10011');
  });

  it('takes the delivery address for address1 when the customer has one (dual-write)', () => {
    const account = okValue(
      toCrmAccount(customers.organizationWithDeliveryAddress, { countryNames: { DEU: 'Germany' } }),
    );
    expect(account).toMatchSnapshot();
    expect(account).toMatchObject({
      address1_city: 'Dortmund',
      address1_country: 'Germany',
      emailaddress1: null,
    });
  });

  it('does not make an account of a person', () => {
    expect(errorOf(toCrmAccount(customers.person))).toMatchObject({
      code: 'not_applicable',
      path: ['PartyType'],
    });
  });

  it('refuses an organisation without a name', () => {
    expect(errorOf(toCrmAccount({ ...customers.organization, OrganizationName: '' })).code).toBe(
      'missing_field',
    );
  });
});

describe('toCrmContact (golden)', () => {
  it('maps a person to a contact whose id derives from the customer account', () => {
    const contact = okValue(toCrmContact(customers.person));
    expect(contact).toMatchSnapshot();
    expect(contact.contactid).toBe(contactIdOf('US-0217'));
    expect(contactIdOf('us-0217 ')).toBe(contactIdOf('US-0217'));
    expect(contactIdOf('US-0218')).not.toBe(contactIdOf('US-0217'));
  });

  it('keeps the contact the worker linked before', () => {
    const contactId = 'C0FFEE00-1234-4ABC-9DEF-0123456789AB';
    expect(okValue(toCrmContact(customers.person, { contactId })).contactid).toBe(contactId.toLowerCase());
  });

  it('does not make a contact of an organisation, nor of a person without a last name', () => {
    expect(errorOf(toCrmContact(customers.organization)).code).toBe('not_applicable');
    expect(errorOf(toCrmContact({ ...customers.person, PersonLastName: '' })).code).toBe('missing_field');
  });

  it('refuses a phone number longer than Sales takes', () => {
    const error = errorOf(toCrmContact({ ...customers.person, PrimaryContactPhone: `+1 ${'5'.repeat(60)}` }));
    expect(error).toMatchObject({ code: 'value_too_long', path: ['PrimaryContactPhone'] });
    expect(error.message).toContain("Dynamics 365 Sales' telephone1 allows at most 50: shorten it in F&O");
  });
});
