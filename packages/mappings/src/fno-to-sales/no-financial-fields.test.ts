import { describe, expect, it } from 'vitest';
import type { Result } from '../errors';
import entityProperties from '../fno/__fixtures__/entity-properties.json' with { type: 'json' };
import { okValue } from '../testing/result';
import { CRM_ACCOUNT_FIELDS, CRM_CONTACT_FIELDS, toCrmAccount, toCrmContact } from './customer';
import { CRM_PRICE_LIST_ITEM_FIELDS, toCrmPriceListItem } from './price-list-item';
import { CRM_PRODUCT_FIELDS, toCrmProduct } from './product';

/**
 * RULE: nothing financial goes from F&O to Dynamics 365 Sales.
 *
 * Every F&O → Sales mapping is fed a record holding EVERY property of its source entity (from the
 * live-tenant metadata in `entity-properties.json`), each with a value unique to that property.
 * Then:
 * 1. every output column is in the mapping's explicit allow-list;
 * 2. no output column (nor any nested key) has a financial name;
 * 3. no output value carries the value of a source property with a financial name, so nothing
 *    financial reaches Sales under an innocent column name either.
 * "Financial" is a name matching FINANCIAL below: ledger, posting, dimension, account structure /
 * display value, tax, credit, payment, bank, settlement, finance.
 */
const FINANCIAL =
  /Ledger|Posting|Dimension|Account(Structure|Display)|Tax|Credit|Payment|Bank|Settle|Finance/i;

type Entity = keyof typeof entityProperties.entities;

/** A record with every property of the entity, each with a value only it has. */
function everyProperty(entity: Entity, overrides: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [index, [name, type]] of entityProperties.entities[entity].entries()) {
    record[name as string] = sample((type as string).replace('!', ''), index);
  }
  return { ...record, ...overrides };
}

function sample(type: string, index: number): unknown {
  switch (type) {
    case 'String':
      return `§${index}§`; // short enough for any column, unique to the property
    case 'Decimal':
      return 700_000 + index + 0.25;
    case 'Int32':
    case 'Int64':
      return 900_000 + index;
    case 'DateTimeOffset':
      return `2025-01-${String((index % 28) + 1).padStart(2, '0')}T12:00:00Z`;
    case 'Guid':
      return `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
    default:
      return `§${index}§`; // enums are member names on the wire
  }
}

/** The financial properties of a source record and their values. */
function financialValues(record: Record<string, unknown>): [string, unknown][] {
  return Object.entries(record).filter(([name]) => FINANCIAL.test(name));
}

function leaves(
  value: unknown,
  keys: string[] = [],
  values: unknown[] = [],
): { keys: string[]; values: unknown[] } {
  if (value !== null && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) {
      keys.push(key);
      leaves(entry, keys, values);
    }
  } else values.push(value);
  return { keys, values };
}

/** What breaks the rule in `output`, given the full source records it was mapped from. */
function leaks(output: object, allowList: readonly string[], sources: Record<string, unknown>[]): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(output))
    if (!allowList.includes(key)) problems.push(`column ${key} is not allowed`);
  const { keys, values } = leaves(output);
  for (const key of keys) if (FINANCIAL.test(key)) problems.push(`column ${key} has a financial name`);
  for (const source of sources) {
    for (const [name, secret] of financialValues(source)) {
      const carried = values.some((value) =>
        typeof secret === 'string' && typeof value === 'string' ? value.includes(secret) : value === secret,
      );
      if (carried) problems.push(`the value of ${name} was written`);
    }
  }
  return problems;
}

function check<T extends object>(
  result: Result<T>,
  allowList: readonly string[],
  sources: Record<string, unknown>[],
  minimumFinancial: number,
) {
  const output = okValue(result);
  // The source really carries financial data, or the test would prove nothing.
  expect(sources.flatMap(financialValues).length).toBeGreaterThanOrEqual(minimumFinancial);
  expect(leaks(output, allowList, sources)).toEqual([]);
  return output;
}

const customerOverrides = {
  dataAreaId: 'usmf',
  CustomerAccount: 'US-0042',
  OrganizationName: 'Ironclad Foundry LLC',
  PersonLastName: 'Okafor',
  PersonFirstName: 'Ada',
  SalesCurrencyCode: 'USD',
  AddressCountryRegionId: 'USA',
  DeliveryAddressCountryRegionId: 'USA',
};
const releasedOverrides = {
  dataAreaId: 'usmf',
  ItemNumber: 'IE-10042',
  ProductNumber: 'IE-10042',
  ProductType: 'Item',
  ProductSubType: 'Product',
  SalesUnitSymbol: 'ea',
  SalesPriceQuantity: 1,
};
/** ProductsV2 is not in the metadata extract: its name fields plus a representative financial superset. */
const productsV2 = {
  ProductNumber: 'IE-10042',
  ProductName: 'Gate valve DN50',
  ProductSearchName: 'GATEVALVEDN50',
  ProductDescription: 'Gate valve, DN50, PN16',
  ProductType: 'Item',
  ProductSubType: 'Product',
  ProductDimensionGroupName: '‹ProductDimensionGroupName›',
  StorageDimensionGroupName: '‹StorageDimensionGroupName›',
  SalesSalesTaxItemGroupCode: '‹SalesSalesTaxItemGroupCode›',
  DefaultLedgerDimensionDisplayValue: '‹DefaultLedgerDimensionDisplayValue›',
  ItemPostingGroupId: '‹ItemPostingGroupId›',
};
const units = new Map([['ea', 'b1000001-0000-4000-8000-000000000001']]);

describe('RULE: nothing financial goes from F&O to Dynamics 365 Sales', () => {
  it('CustomersV3 → account writes only its allow-list', () => {
    const customer = everyProperty('CustomersV3', { ...customerOverrides, PartyType: 'Organization' });
    const account = check(toCrmAccount(customer), CRM_ACCOUNT_FIELDS, [customer], 40);
    expect(account.name).toBe('Ironclad Foundry LLC');
  });

  it('CustomersV3 → contact writes only its allow-list', () => {
    const customer = everyProperty('CustomersV3', { ...customerOverrides, PartyType: 'Person' });
    const contact = check(toCrmContact(customer), CRM_CONTACT_FIELDS, [customer], 40);
    expect(contact.lastname).toBe('Okafor');
  });

  it('ReleasedProductsV2 + ProductsV2 → product writes only its allow-list', () => {
    const released = everyProperty('ReleasedProductsV2', releasedOverrides);
    const product = check(
      toCrmProduct(released, productsV2, {
        defaultUomScheduleId: '8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d',
        uomIdBySymbol: units,
      }),
      CRM_PRODUCT_FIELDS,
      [released, productsV2],
      15,
    );
    expect(product.name).toBe('Gate valve DN50');
  });

  it('ReleasedProductsV2 (base price) → price-list item writes only its allow-list', () => {
    const released = everyProperty('ReleasedProductsV2', releasedOverrides);
    const item = check(
      toCrmPriceListItem(released, {
        priceLevelId: '7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a',
        uomIdBySymbol: units,
      }),
      CRM_PRICE_LIST_ITEM_FIELDS,
      [released],
      15,
    );
    expect(item.amount).toBe(released['SalesPrice']);
  });

  it('SalesPriceAgreements → price-list item writes only its allow-list', () => {
    const agreement = everyProperty('SalesPriceAgreements', {
      dataAreaId: 'usmf',
      ItemNumber: 'IE-10042',
      CustomerAccountNumber: '',
      PriceCustomerGroupCode: '',
      FromQuantity: 0,
      SalesPriceQuantity: 1,
      QuantityUnitySymbol: 'ea',
      PriceCurrencyCode: 'USD',
      // Not financial by name, but make sure a financial-looking extra field cannot slip through.
      DefaultLedgerDimensionDisplayValue: '‹DefaultLedgerDimensionDisplayValue›',
    });
    check(
      toCrmPriceListItem(agreement, {
        priceLevelId: '7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a',
        uomIdBySymbol: units,
        currency: 'USD',
      }),
      CRM_PRICE_LIST_ITEM_FIELDS,
      [agreement],
      1,
    );
  });

  it('the check itself catches a leak (so the tests above can fail)', () => {
    const customer = everyProperty('CustomersV3', { ...customerOverrides, PartyType: 'Organization' });
    const account = okValue(toCrmAccount(customer));
    const allowList = [...CRM_ACCOUNT_FIELDS, 'creditlimit', 'description'];
    expect(leaks({ ...account, creditlimit: customer['CreditLimit'] }, allowList, [customer])).toEqual([
      'column creditlimit has a financial name',
      'the value of CreditLimit was written',
    ]);
    expect(
      leaks({ ...account, description: `Terms: ${customer['PaymentTerms']}` }, allowList, [customer]),
    ).toEqual(['the value of PaymentTerms was written']);
    expect(leaks({ ...account, websiteurl: 'x' }, CRM_ACCOUNT_FIELDS, [customer])).toEqual([
      'column websiteurl is not allowed',
    ]);
  });
});
