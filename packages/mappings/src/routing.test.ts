import { describe, expect, it } from 'vitest';
import { type RoutingSettingsInput, resolveLegalEntity } from './routing';
import accountDe from './sales/__fixtures__/account-de.json' with { type: 'json' };
import accountUs from './sales/__fixtures__/account-us.json' with { type: 'json' };
import contactUs from './sales/__fixtures__/contact-us.json' with { type: 'json' };
import { errorOf, okValue } from './testing/result';

const settings: RoutingSettingsInput = {
  defaultLegalEntity: 'USMF',
  rules: [
    { field: 'address1_country', in: ['DE', 'Germany', 'Deutschland'], legalEntity: 'DEMF' },
    { field: 'address1_postalcode', startsWith: '606', legalEntity: 'usil' },
  ],
};

const withRow = <T extends { row: object }>(record: T, row: Record<string, unknown>): T => ({
  ...record,
  row: { ...record.row, ...row },
});

describe('resolveLegalEntity', () => {
  it('routes an account by its country to the rule’s legal entity, in lower case', () => {
    const route = okValue(resolveLegalEntity(accountDe, settings));
    expect(route).toEqual({
      dataAreaId: 'demf',
      basis: 'account',
      rule: 0,
      reason: "rule 1: address1_country 'Germany' is in [DE, Germany, Deutschland]",
    });
  });

  it('ignores case and blanks when comparing', () => {
    const route = okValue(
      resolveLegalEntity(withRow(accountDe, { address1_country: '  germany ' }), settings),
    );
    expect(route.dataAreaId).toBe('demf');
  });

  it('takes the first matching rule, in the order given', () => {
    const chicago = withRow(accountUs, { address1_country: 'DE' }); // postal code 60607 matches rule 2 too
    expect(okValue(resolveLegalEntity(chicago, settings)).dataAreaId).toBe('demf');
    const reversed = { ...settings, rules: [...(settings.rules ?? [])].reverse() };
    expect(okValue(resolveLegalEntity(chicago, reversed)).dataAreaId).toBe('usil');
  });

  it('falls back to the default legal entity when no rule matches or the field is empty', () => {
    const noCountry = withRow(accountUs, { address1_country: null, address1_postalcode: '' });
    expect(okValue(resolveLegalEntity(noCountry, settings))).toEqual({
      dataAreaId: 'usmf',
      basis: 'account',
      rule: null,
      reason: 'no rule matched: default legal entity',
    });
  });

  it('routes a contact by its own address by default', () => {
    const german = withRow(contactUs, { address1_country: 'Deutschland', address1_postalcode: '70173' });
    expect(okValue(resolveLegalEntity(german, settings))).toMatchObject({
      dataAreaId: 'demf',
      basis: 'contact',
    });
  });

  it('routes a contact without an address by its parent account', () => {
    const employee = withRow(contactUs, {
      address1_line1: null,
      address1_city: null,
      address1_stateorprovince: null,
      address1_postalcode: null,
      address1_country: null,
      parentcustomerid: { id: accountDe.id, table: 'account', name: accountDe.row.name },
    });
    expect(okValue(resolveLegalEntity(employee, settings, { parentAccount: accountDe.row }))).toMatchObject({
      dataAreaId: 'demf',
      basis: 'parent-account',
    });
    // Without the parent account: the default.
    expect(okValue(resolveLegalEntity(employee, settings)).dataAreaId).toBe('usmf');
  });

  it('prefers the parent account when configured, even if the contact has an address', () => {
    const employee = withRow(contactUs, {
      parentcustomerid: { id: accountDe.id, table: 'account', name: accountDe.row.name },
    });
    const route = okValue(
      resolveLegalEntity(
        employee,
        { ...settings, contacts: 'parent-account' },
        { parentAccount: accountDe.row },
      ),
    );
    expect(route).toMatchObject({ dataAreaId: 'demf', basis: 'parent-account' });
  });

  it('refuses a parent account that is not the contact’s parent', () => {
    const error = errorOf(resolveLegalEntity(contactUs, settings, { parentAccount: accountDe.row }));
    expect(error.code).toBe('invalid_source');
    expect(error.path).toEqual(['parentcustomerid']);
  });

  it('names a bad rule', () => {
    const error = errorOf(
      resolveLegalEntity(accountDe, {
        defaultLegalEntity: 'usmf',
        rules: [{ field: 'address1_country', equals: 'DE', in: ['DE'], legalEntity: 'demf' }],
      }),
    );
    expect(error.code).toBe('invalid_source');
    expect(error.message).toMatch(
      /^The legal-entity routing configuration is not valid: rules\.0: a rule needs exactly one/,
    );
  });

  it('refuses a customer that is neither an account nor a contact', () => {
    const error = errorOf(resolveLegalEntity({ table: 'lead', id: accountDe.id, row: {} }, settings));
    expect(error.code).toBe('invalid_source');
    expect(error.path).toEqual(['table']);
  });
});
