import { describe, expect, it } from 'vitest';
import { DataverseError } from '../../errors';
import { metadata } from '../../metadata/registry';
import { Store } from '../../store/store';
import type { StoredRow } from '../../store/types';
import { compileFilter } from './compile';
import { parseFilter } from './parser';

const actor = {
  userId: '00000000-0000-4000-8000-000000000001',
  businessUnitId: '00000000-0000-4000-8000-000000000002',
  organizationId: '00000000-0000-4000-8000-000000000003',
};
const now = () => new Date('2025-06-15T12:00:00Z');

function fixture() {
  const store = Store.empty(metadata, now, 1);
  const contact = store.insert(
    'contact',
    { firstname: 'Joe', lastname: "O'Brien", fullname: "Joe O'Brien" },
    { actor, id: 'c0a7ac70-0000-4000-8000-00000000000c' },
  );
  const acme = store.insert(
    'account',
    {
      name: 'Acme Tools',
      accountnumber: 'A-1',
      revenue: 1500.5,
      numberofemployees: 40,
      address1_country: 'DE',
      creditonhold: false,
      primarycontactid: { id: contact.id, logicalName: 'contact' },
    },
    { actor },
  );
  const zen = store.insert(
    'account',
    { name: 'zenith plastics', revenue: 90, address1_country: 'US' },
    { actor },
  );
  const bare = store.insert('account', { name: 'Bare' }, { actor });
  return { store, acme, zen, bare, contact };
}

function run(text: string, table = 'account'): string[] {
  const { store } = fixture();
  const predicate = compileFilter(parseFilter(text), metadata.entity(table), { metadata, store, now });
  return [...store.rows(table)]
    .filter(predicate)
    .map((row: StoredRow) => String(row.values['name'] ?? row.values['fullname']));
}

function errorOf(text: string): DataverseError {
  const { store } = fixture();
  try {
    compileFilter(parseFilter(text), metadata.entity('account'), { metadata, store, now });
  } catch (error) {
    if (error instanceof DataverseError) return error;
    throw error;
  }
  throw new Error(`no error for ${text}`);
}

describe('$filter parser', () => {
  it('parses comparisons, and/or/not and parentheses with OData precedence', () => {
    const expr = parseFilter("a eq 1 or b eq 2 and not contains(c,'x')");
    expect(expr.kind).toBe('logical');
    if (expr.kind !== 'logical') return;
    expect(expr.operator).toBe('or');
    expect(expr.right.kind === 'logical' && expr.right.operator).toBe('and');
  });

  it("unescapes '' inside string literals", () => {
    const expr = parseFilter("lastname eq 'O''Brien'");
    expect(expr.kind === 'compare' && expr.right).toMatchObject({
      kind: 'literal',
      type: 'Edm.String',
      value: "O'Brien",
    });
  });

  it('types guid, date, datetime, number, null and boolean literals', () => {
    const types = [
      '5b4ced1c-88e1-ee11-904c-6045bd05e9d4',
      '2025-01-31',
      '2025-01-31T10:00:00Z',
      '12',
      '1.5',
      'null',
      'true',
    ].map((literal) => {
      const expr = parseFilter(`x eq ${literal}`);
      return expr.kind === 'compare' && expr.right.kind === 'literal' ? expr.right.type : undefined;
    });
    expect(types).toEqual([
      'Edm.Guid',
      'Edm.Date',
      'Edm.DateTimeOffset',
      'Edm.Int32',
      'Edm.Decimal',
      'Null',
      'Edm.Boolean',
    ]);
  });

  it('reports an unterminated literal at the end of the text, as the platform does', () => {
    const text = "name eq 'unterminated";
    expect(() => parseFilter(text)).toThrow(`There is an unterminated literal at position 21 in '${text}'.`);
  });

  it.each([
    ["name eq 'x' and", "Expression expected at position 15 in 'name eq 'x' and'."],
    ["(name eq 'x'", "')' or operator expected at position 12 in '(name eq 'x''."],
    ["name eq 'x' name", "Syntax error at position 12 in 'name eq 'x' name'."],
    ['name # 1', "Syntax error: character '#' is not valid at position 5 in 'name # 1'."],
    ["contains(name 'x')", "')' or ',' expected at position 14 in 'contains(name 'x')'."],
    ['', "Expression expected at position 0 in ''."],
  ])('rejects %j with the platform wording', (text, message) => {
    expect(() => parseFilter(text)).toThrow(message);
  });

  it('substitutes parameter aliases', () => {
    const expr = parseFilter('name eq @p1', new Map([['@p1', "'Acme'"]]));
    expect(expr.kind === 'compare' && expr.right).toMatchObject({ value: 'Acme' });
  });
});

describe('$filter evaluation', () => {
  it('compares strings case-insensitively', () => {
    expect(run("name eq 'ACME TOOLS'")).toEqual(['Acme Tools']);
    expect(run("name gt 'b'").sort()).toEqual(['Bare', 'zenith plastics']);
  });

  it('supports contains, startswith and endswith, also negated', () => {
    expect(run("contains(name,'plast')")).toEqual(['zenith plastics']);
    expect(run("startswith(name,'acme')")).toEqual(['Acme Tools']);
    expect(run("endswith(name,'TOOLS')")).toEqual(['Acme Tools']);
    expect(run("not contains(name,'a')")).toEqual([]);
  });

  it('treats eq/ne null as IS [NOT] NULL and comparisons with null as unknown (SQL semantics)', () => {
    expect(run('accountnumber eq null').sort()).toEqual(['Bare', 'zenith plastics']);
    expect(run('accountnumber ne null')).toEqual(['Acme Tools']);
    expect(run("accountnumber ne 'A-1'")).toEqual([]);
    expect(run("not (accountnumber eq 'A-1')")).toEqual([]);
    expect(run("accountnumber eq 'A-1' or revenue lt 100").sort()).toEqual(['Acme Tools', 'zenith plastics']);
  });

  it('compares numbers, money and booleans', () => {
    expect(run('revenue ge 1500.5')).toEqual(['Acme Tools']);
    expect(run('numberofemployees gt 10 and revenue gt 100')).toEqual(['Acme Tools']);
    expect(run('creditonhold eq false')).toEqual(['Acme Tools']);
  });

  it('compares dates with datetime and date literals', () => {
    expect(run('createdon ge 2025-06-15T00:00:00Z').length).toBe(3);
    expect(run('createdon lt 2025-06-15').length).toBe(0);
    expect(run('modifiedon gt 2025-06-15T12:00:01+02:00').length).toBe(3);
  });

  it('filters lookups by _x_value with guid literals', () => {
    const { contact } = fixture();
    expect(run(`_primarycontactid_value eq ${contact.id.toUpperCase()}`)).toEqual(['Acme Tools']);
  });

  it('follows single-valued navigation paths', () => {
    expect(run("primarycontactid/fullname eq 'joe o''brien'")).toEqual(['Acme Tools']);
    expect(run('primarycontactid/lastname eq null').sort()).toEqual(['Bare', 'zenith plastics']);
  });

  it('supports Microsoft.Dynamics.CRM.In and Between', () => {
    expect(
      run("Microsoft.Dynamics.CRM.In(PropertyName='address1_country',PropertyValues=['de','fr'])"),
    ).toEqual(['Acme Tools']);
    expect(run("Microsoft.Dynamics.CRM.Between(PropertyName='revenue',PropertyValues=['50','100'])")).toEqual(
      ['zenith plastics'],
    );
  });

  it('rejects unknown properties, type mismatches and unknown functions in the platform wording', () => {
    expect(errorOf("nme eq 'x'").message).toBe(
      "Could not find a property named 'nme' on type 'Microsoft.Dynamics.CRM.account'.",
    );
    expect(errorOf("revenue eq 'x'").message).toBe(
      "A binary operator with incompatible types was detected. Found operand types 'Edm.Decimal' and 'Edm.String' for operator kind 'Equal'.",
    );
    expect(errorOf("_primarycontactid_value eq 'abc'").message).toContain("'Edm.Guid' and 'Edm.String'");
    expect(errorOf("tolower(name) eq 'x'").message).toContain(
      "An unknown function with name 'tolower' was found.",
    );
    expect(errorOf("contact_customer_accounts/fullname eq 'x'").message).toContain('is not a single value');
    expect(errorOf('name').message).toBe('The $filter expression must evaluate to a single boolean value.');
    const error = errorOf("nme eq 'x'");
    expect([error.status, error.code]).toEqual([400, '0x80060888']);
  });
});
