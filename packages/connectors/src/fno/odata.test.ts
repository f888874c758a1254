import { describe, expect, it } from 'vitest';
import { fnoConfigSchema, fnoExampleConfig, readScopeOf } from './config';
import { canonicalJson, contentHash, formatKey, parseKey } from './full-compare';
import { companyFilter, keyFilter, keyPredicate, queryString, sameKey, stringLiteral } from './odata';

describe('F&O OData helpers', () => {
  it('key predicates carry every key field, literals quoted and percent-encoded for the path', () => {
    expect(
      keyPredicate(['dataAreaId', 'CustomerAccount'], { CustomerAccount: "O'Neil/1", dataAreaId: 'usmf' }),
    ).toBe("dataAreaId='usmf',CustomerAccount='O''Neil%2F1'");
    expect(keyPredicate(['dataAreaId', 'RecordId'], { dataAreaId: 'usmf', RecordId: 5637144576 })).toBe(
      "dataAreaId='usmf',RecordId=5637144576",
    );
    expect(() => keyPredicate(['dataAreaId', 'ItemNumber'], { ItemNumber: 'A' })).toThrow(
      /missing: dataAreaId/,
    );
    expect(() => keyPredicate(['ProductNumber'], { ProductNumber: 'A', dataAreaId: 'usmf' })).toThrow(
      /not a key field/,
    );
  });

  it('filters: key matches, company scope (no `in`: F&O does not support it), literals', () => {
    expect(keyFilter(['dataAreaId', 'ItemNumber'], { dataAreaId: 'usmf', ItemNumber: 'A' })).toBe(
      "(dataAreaId eq 'usmf' and ItemNumber eq 'A')",
    );
    expect(companyFilter(['usmf'])).toBe("dataAreaId eq 'usmf'");
    expect(companyFilter(['demf', 'usmf'])).toBe("(dataAreaId eq 'demf' or dataAreaId eq 'usmf')");
    expect(companyFilter('cross-company')).toBeUndefined();
    expect(stringLiteral("it's")).toBe("'it''s'");
    expect(
      queryString({ filter: "dataAreaId eq 'usmf'", select: ['A', 'B'], orderBy: ['A'], crossCompany: true }),
    ).toBe("?$filter=dataAreaId%20eq%20'usmf'&$select=A,B&$orderby=A&cross-company=true");
    expect(
      sameKey(
        ['dataAreaId', 'ItemNumber'],
        { dataAreaId: 'USMF', ItemNumber: 'ie-1' },
        { dataAreaId: 'usmf', ItemNumber: 'IE-1' },
      ),
    ).toBe(true);
  });

  it('record keys round-trip, and the content hash ignores property order', () => {
    const key = formatKey('SalesPriceAgreements', ['dataAreaId', 'RecordId'], {
      dataAreaId: 'usmf',
      RecordId: 56,
    });
    expect(key).toBe("SalesPriceAgreements(dataAreaId='usmf',RecordId=56)");
    expect(parseKey(key)).toEqual({
      entitySet: 'SalesPriceAgreements',
      values: { dataAreaId: 'usmf', RecordId: 56 },
    });
    const quoted = formatKey('CustomersV3', ['dataAreaId', 'CustomerAccount'], {
      dataAreaId: 'usmf',
      CustomerAccount: "A,B='C'",
    });
    expect(parseKey(quoted).values).toEqual({ dataAreaId: 'usmf', CustomerAccount: "A,B='C'" });
    expect(contentHash({ a: 1, b: [1, 'x'] })).toBe(contentHash({ b: [1, 'x'], a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash({ a: 1 })).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });

  it('row hashes keep their canonical form (stored full-compare hashes stay valid)', () => {
    // The first implementation, written with intermediate arrays.
    const reference = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
      if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value as Record<string, unknown>)
          .filter(([, item]) => item !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${reference(item)}`).join(',')}}`;
      }
      return JSON.stringify(value) ?? 'null';
    };
    const samples: unknown[] = [
      {},
      [],
      null,
      'text with "quotes" and ünïcödé',
      -0,
      1.5e300,
      {
        row: { ItemNumber: 'A-1', SalesPrice: 12.5, Blocked: false, Note: null, Gone: undefined },
        z: 1,
        Z: 2,
      },
      { b: [1, undefined, { d: [], c: {} }], a: { é: 1, e: 2, '10': 3, '9': 4 } },
      [[['deep']], { x: [null] }],
    ];
    for (const sample of samples) expect(canonicalJson(sample)).toBe(reference(sample));
  });

  it('configuration: legal entity ids in lower case, the default one needs settings, read scope defaults', () => {
    const config = fnoConfigSchema.parse({
      ...fnoExampleConfig,
      url: 'https://contoso.operations.dynamics.com/data/',
      defaultLegalEntity: 'USMF',
      legalEntitySettings: { USMF: { customerGroupId: '10', currencyCode: 'usd' } },
    });
    expect(config.url).toBe('https://contoso.operations.dynamics.com');
    expect(config.defaultLegalEntity).toBe('usmf');
    expect(config.legalEntitySettings['usmf']).toMatchObject({
      currencyCode: 'USD',
      customerAccounts: 'sequence',
      salesOrderNumbers: 'sequence',
    });
    expect(readScopeOf(config)).toEqual(['usmf']);
    expect(readScopeOf({ ...config, readScope: 'cross-company' })).toBe('cross-company');
    expect(
      fnoConfigSchema.safeParse({ ...fnoExampleConfig, defaultLegalEntity: 'uk01' }).error?.issues[0]
        ?.message,
    ).toMatch(/settings of the default legal entity "uk01"/);
    expect(fnoConfigSchema.safeParse({ ...fnoExampleConfig, defaultLegalEntity: 'toolong' }).success).toBe(
      false,
    );
    // What the host stores is parsed again on every run: parsing is idempotent.
    expect(fnoConfigSchema.parse(fnoConfigSchema.parse(fnoExampleConfig))).toEqual(
      fnoConfigSchema.parse(fnoExampleConfig),
    );
  });
});
