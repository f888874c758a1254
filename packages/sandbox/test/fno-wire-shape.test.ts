import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FACTS } from '../src/fno';
import { type Entity, type FnoHarness, startFno } from './fno-harness';

/**
 * Every property a response returns must carry a real name and the JSON type of its OData type, as
 * listed in fno-entity-fields.txt (the reference extract of a live tenant's $metadata; a verbatim
 * copy sits in test/fixtures so the test runs from a clean checkout).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, 'fixtures', 'fno-entity-fields.txt');
const REFERENCE = path.resolve(here, '../../../../shared/reference/fno-entity-fields.txt');

interface ReferenceProperty {
  type: string;
  nullable: boolean;
}

/** `## Set  keys=[…]` headings, then `Name:Type[!]` lists separated by commas; `navs:` lines skipped. */
function parseReference(text: string): Map<string, Map<string, ReferenceProperty>> {
  const sets = new Map<string, Map<string, ReferenceProperty>>();
  let current: Map<string, ReferenceProperty> | undefined;
  for (const line of text.split('\n')) {
    const heading = /^## (\S+)/.exec(line);
    if (heading?.[1]) {
      current = new Map();
      sets.set(heading[1], current);
      continue;
    }
    if (!current || line.startsWith('navs:') || !line.includes(':') || line.trimStart().startsWith("'"))
      continue;
    for (const item of line.split(',')) {
      const match = /^\s*([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9_]+)(!?)\s*$/.exec(item);
      if (match?.[1] && match[2]) current.set(match[1], { type: match[2], nullable: match[3] !== '!' });
    }
  }
  return sets;
}

const reference = parseReference(readFileSync(FIXTURE, 'utf8'));
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function assertShape(entitySet: string, rows: readonly Entity[]): void {
  const properties = reference.get(entitySet);
  if (!properties) throw new Error(`no reference for ${entitySet}`);
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      if (name.startsWith('@odata.')) continue;
      const property = properties.get(name);
      expect(property, `${entitySet}.${name} is not a real property`).toBeDefined();
      if (!property) continue;
      const where = `${entitySet}.${name} (${property.type}) = ${JSON.stringify(value)}`;
      expect(value, where).not.toBeNull();
      switch (property.type) {
        case 'Decimal':
          expect(typeof value, where).toBe('number');
          break;
        case 'Int32':
        case 'Int64':
          expect(Number.isInteger(value), where).toBe(true);
          break;
        case 'DateTimeOffset':
          expect(value, where).toMatch(ISO_DATETIME);
          break;
        case 'Guid':
          expect(value, where).toMatch(GUID);
          break;
        default:
          // String and every enum type (enums travel as member names).
          expect(typeof value, where).toBe('string');
      }
    }
    // Full responses return the whole entity: every real property, nothing else.
    expect(
      Object.keys(row)
        .filter((name) => !name.startsWith('@'))
        .sort(),
    ).toEqual([...properties.keys()].sort());
  }
}

let fno: FnoHarness;
let created: Record<string, Entity> = {};

beforeAll(async () => {
  fno = await startFno();
  const post = async (set: string, body: Entity): Promise<Entity> => {
    const response = await fno.post(set, body);
    const text = await response.text();
    if (response.status !== 201) throw new Error(`${response.status} ${text}`);
    return JSON.parse(text) as Entity;
  };
  const customer = await post('CustomersV3', {
    OrganizationName: 'Shape Test GmbH',
    CustomerGroupId: '10',
    SalesCurrencyCode: 'EUR',
    dataAreaId: 'demf',
    AddressStreet: 'Hafenweg 1',
    AddressCity: 'Hamburg',
  });
  const header = await post('SalesOrderHeadersV2', {
    dataAreaId: 'demf',
    OrderingCustomerAccountNumber: customer['CustomerAccount'],
    RequestedShippingDate: '2026-03-01',
  });
  const line = await post('SalesOrderLines', {
    dataAreaId: 'demf',
    SalesOrderNumber: header['SalesOrderNumber'],
    ItemNumber: SEED_FACTS.commonItem,
  });
  created = { CustomersV3: customer, SalesOrderHeadersV2: header, SalesOrderLines: line };
});

afterAll(async () => {
  await fno.close();
});

describe('wire shape of the main entities', () => {
  it('uses the same property list as the shared reference', () => {
    if (!existsSync(REFERENCE)) return;
    expect(readFileSync(FIXTURE, 'utf8')).toBe(readFileSync(REFERENCE, 'utf8'));
  });

  for (const entitySet of ['CustomersV3', 'SalesOrderHeadersV2', 'SalesOrderLines', 'ReleasedProductsV2']) {
    it(`${entitySet}: real names and JSON types for every property returned`, async () => {
      const page = await fno.json(`${entitySet}?cross-company=true&$top=40`);
      const createdRow = created[entitySet];
      assertShape(entitySet, createdRow ? [...page.value, createdRow] : page.value);
    });
  }

  it('writes dates the way F&O does: date-only at 12:00:00Z, empty as 1900-01-01T12:00:00Z, "" for empty strings', async () => {
    const header = created['SalesOrderHeadersV2'] as Entity;
    expect(header['RequestedShippingDate']).toBe('2026-03-01T12:00:00Z');
    expect(header['ConfirmedShippingDate']).toBe('1900-01-01T12:00:00Z');
    expect(header['QuotationNumber']).toBe('');
    expect(header['OrderCreationDateTime']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(header['OrderCreationDateTime']).not.toMatch(/T12:00:00Z$|T00:00:00Z$/);
    expect(header['@odata.etag']).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
    const decoded = Buffer.from(String(header['@odata.etag']).slice(3, -1), 'base64').toString('utf8');
    expect(decoded).toMatch(/^'\d+,\d+(;0,0)+'$/);
  });
});
