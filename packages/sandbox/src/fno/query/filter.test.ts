import { describe, expect, it } from 'vitest';
import { FnoError } from '../errors';
import { CUSTOMERS_V3 } from '../metadata/entities';
import type { Value } from '../metadata/types';
import type { Row } from '../store/table';
import { compileFilter, wildcardRegex } from './filter';
import { parseFilter } from './filter-parser';

function row(values: Record<string, Value>): Row {
  return { key: String(values['CustomerAccount'] ?? ''), values, recId: 1, version: 1 };
}

const rows = [
  row({
    dataAreaId: 'usmf',
    CustomerAccount: 'US-001',
    OrganizationName: 'Contoso Retail',
    CreditLimit: 5000,
    OnHoldStatus: 'No',
  }),
  row({
    dataAreaId: 'usmf',
    CustomerAccount: 'US-002',
    OrganizationName: "O'Brien Metalworks",
    CreditLimit: 0,
    OnHoldStatus: 'All',
  }),
  row({
    dataAreaId: 'demf',
    CustomerAccount: 'DE-001',
    OrganizationName: 'Retail Partner GmbH',
    CreditLimit: 12000,
    CreditLimitIsMandatory: 'Yes',
    AddressValidFrom: '2024-05-01T10:00:00Z',
  }),
];

function matching(filter: string): string[] {
  const predicate = compileFilter(CUSTOMERS_V3, filter);
  return rows.filter(predicate).map((r) => String(r.values['CustomerAccount']));
}

function failure(filter: string): { status: number; message: string } {
  try {
    compileFilter(CUSTOMERS_V3, filter);
  } catch (error) {
    if (error instanceof FnoError && error.body && 'error' in error.body) {
      return { status: error.status, message: error.body.error.message };
    }
    throw error;
  }
  throw new Error(`no error for ${filter}`);
}

describe('parseFilter', () => {
  it('parses precedence: not > comparison > and > or', () => {
    expect(parseFilter("A eq 'x' or B eq 'y' and not (C eq 1)")).toEqual({
      kind: 'binary',
      operator: 'or',
      left: {
        kind: 'binary',
        operator: 'eq',
        left: { kind: 'property', name: 'A', position: 0 },
        right: { kind: 'literal', type: 'string', value: 'x' },
      },
      right: {
        kind: 'binary',
        operator: 'and',
        left: {
          kind: 'binary',
          operator: 'eq',
          left: { kind: 'property', name: 'B', position: 12 },
          right: { kind: 'literal', type: 'string', value: 'y' },
        },
        right: {
          kind: 'not',
          operand: {
            kind: 'binary',
            operator: 'eq',
            left: { kind: 'property', name: 'C', position: 30 },
            right: { kind: 'literal', type: 'number', value: 1, integer: true },
          },
        },
      },
    });
  });

  it('reads enum, date, datetime, guid, negative and escaped string literals', () => {
    expect(parseFilter("X eq Microsoft.Dynamics.DataEntities.NoYes'Yes'")).toMatchObject({
      right: { type: 'enum', enumType: 'NoYes', value: 'Yes' },
    });
    expect(parseFilter('X ge 2026-09-23T00:00:00Z')).toMatchObject({
      right: { type: 'datetime', value: '2026-09-23T00:00:00Z' },
    });
    expect(parseFilter('X ge 2026-09-23')).toMatchObject({ right: { type: 'date', value: '2026-09-23' } });
    expect(parseFilter('X eq 0a1b2c3d-0000-4000-8000-00000000abcd')).toMatchObject({
      right: { type: 'guid' },
    });
    expect(parseFilter('X gt -1.5')).toMatchObject({
      right: { type: 'number', value: -1.5, integer: false },
    });
    expect(parseFilter("X eq 'O''Brien'")).toMatchObject({ right: { type: 'string', value: "O'Brien" } });
  });
});

describe('compileFilter', () => {
  it('compares strings case-insensitively and matches * wildcards', () => {
    expect(matching("CustomerAccount eq 'us-001'")).toEqual(['US-001']);
    expect(matching("OrganizationName eq '*retail*'")).toEqual(['US-001', 'DE-001']);
    expect(matching("OrganizationName eq 'retail*'")).toEqual(['DE-001']);
    expect(matching("OrganizationName ne '*retail*'")).toEqual(['US-002']);
    expect(matching("OrganizationName eq 'O''Brien*'")).toEqual(['US-002']);
    expect(matching("CustomerAccount gt 'US-001'")).toEqual(['US-002']);
  });

  it('compares enums by member, with the qualified literal or the bare member name', () => {
    expect(matching("OnHoldStatus eq Microsoft.Dynamics.DataEntities.CustVendorBlocked'All'")).toEqual([
      'US-002',
    ]);
    expect(matching("OnHoldStatus ne Microsoft.Dynamics.DataEntities.CustVendorBlocked'All'")).toEqual([
      'US-001',
      'DE-001',
    ]);
    expect(matching("CreditLimitIsMandatory eq Microsoft.Dynamics.DataEntities.NoYes'No'")).toEqual([
      'US-001',
      'US-002',
    ]);
    expect(matching("CreditLimitIsMandatory eq 'Yes'")).toEqual(['DE-001']);
  });

  it('evaluates numbers, arithmetic, dates, null and boolean logic', () => {
    expect(matching('CreditLimit ge 5000 and CreditLimit lt 12000')).toEqual(['US-001']);
    expect(matching('CreditLimit div 1000 gt 10')).toEqual(['DE-001']);
    expect(matching('CreditLimit eq 0 or not (CreditLimit le 5000)')).toEqual(['US-002', 'DE-001']);
    expect(matching('AddressValidFrom ge 2024-01-01T00:00:00Z')).toEqual(['DE-001']);
    expect(matching('AddressValidFrom lt 2024-01-01')).toEqual(['US-001', 'US-002']);
    expect(matching('OrganizationName eq null')).toEqual([]);
    expect(matching('OrganizationName ne null')).toHaveLength(3);
  });

  it('refuses in, has and functions', () => {
    for (const filter of [
      "CustomerAccount in ('US-001')",
      "OnHoldStatus has Microsoft.Dynamics.DataEntities.CustVendorBlocked'All'",
      "contains(OrganizationName,'x')",
    ]) {
      expect(failure(filter)).toEqual({
        status: 400,
        message: 'The query specified in the URI is not valid. The method or operation is not implemented.',
      });
    }
  });

  it('reports type errors and bad literals with ODataLib messages', () => {
    expect(failure("Foo eq 'x'").message).toContain(
      "Could not find a property named 'Foo' on type 'Microsoft.Dynamics.DataEntities.CustomerV3'.",
    );
    expect(failure("CreditLimit eq 'x'").message).toContain(
      "Found operand types 'Edm.Decimal' and 'Edm.String' for operator kind 'Equal'.",
    );
    expect(failure("OnHoldStatus eq Microsoft.Dynamics.DataEntities.NoYes'Yes'").message).toContain(
      'incompatible types',
    );
    expect(
      failure("OnHoldStatus eq Microsoft.Dynamics.DataEntities.CustVendorBlocked'Maybe'").message,
    ).toContain(
      "The string 'Microsoft.Dynamics.DataEntities.CustVendorBlocked'Maybe'' is not a valid enumeration type constant.",
    );
    expect(
      failure("OnHoldStatus lt Microsoft.Dynamics.DataEntities.CustVendorBlocked'All'").message,
    ).toContain("operator kind 'LessThan'");
    expect(failure('CreditLimit').message).toContain(
      'The $filter expression must evaluate to a single boolean value.',
    );
    expect(failure("CustomerAccount eq 'x").message).toContain('unterminated string literal');
    expect(failure("CustomerAccount eq 'x' and").message).toContain(
      "Syntax error at position 26 in 'CustomerAccount eq 'x' and'.",
    );
  });
});

describe('wildcardRegex', () => {
  it('escapes everything but *', () => {
    expect(wildcardRegex('a.b*').test('A.Bcd')).toBe(true);
    expect(wildcardRegex('a.b*').test('axbcd')).toBe(false);
    expect(wildcardRegex('(x)*').test('(X) y')).toBe(true);
  });
});
