import { describe, expect, it } from 'vitest';
import { buildCsdl } from './csdl';
import {
  CUSTOMERS_V3,
  ENTITIES,
  RELEASED_PRODUCTS_V2,
  SALES_ORDER_HEADERS_V2,
  SALES_ORDER_LINES,
} from './entities';

describe('entity metadata', () => {
  it('carries the real property counts and keys of the main entities', () => {
    expect(CUSTOMERS_V3.properties).toHaveLength(305);
    expect(SALES_ORDER_HEADERS_V2.properties).toHaveLength(168);
    expect(SALES_ORDER_LINES.properties).toHaveLength(151);
    expect(RELEASED_PRODUCTS_V2.properties).toHaveLength(266);
    expect(SALES_ORDER_LINES.keys).toEqual(['dataAreaId', 'InventoryLotId']);
    expect(SALES_ORDER_LINES.properties.slice(0, 2).map((p) => p.name)).toEqual([
      'dataAreaId',
      'InventoryLotId',
    ]);
  });

  it('marks company-specific and shared entities, date kinds and empty values', () => {
    const shared = ENTITIES.filter((def) => !def.companySpecific).map((def) => def.entitySet);
    expect(shared.sort()).toEqual(['Currencies', 'LegalEntities', 'ProductsV2', 'UnitsOfMeasure']);
    expect(SALES_ORDER_HEADERS_V2.property('RequestedShippingDate')).toMatchObject({
      kind: 'date',
      empty: '1900-01-01T12:00:00Z',
    });
    expect(SALES_ORDER_HEADERS_V2.property('OrderCreationDateTime')).toMatchObject({ kind: 'datetime' });
    expect(CUSTOMERS_V3.property('OnHoldStatus')).toMatchObject({ kind: 'enum', empty: 'No' });
    expect(CUSTOMERS_V3.property('CreditLimit')).toMatchObject({
      kind: 'decimal',
      empty: 0,
      nullable: false,
    });
  });

  it('writes CSDL with every served set, key and enum type', () => {
    const csdl = buildCsdl(ENTITIES);
    for (const def of ENTITIES) expect(csdl).toContain(`<EntitySet Name="${def.entitySet}"`);
    expect(csdl).toContain('<EnumType Name="SalesStatus">');
    expect(csdl).toContain('<Member Name="Invoiced" Value="3"/>');
    expect(csdl).toContain('<NavigationPropertyBinding Path="SalesOrderLines" Target="SalesOrderLines"/>');
    expect(csdl.match(/<EntityType /g)).toHaveLength(ENTITIES.length);
  });
});
