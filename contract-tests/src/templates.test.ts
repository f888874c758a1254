import { describe, expect, it } from 'vitest';
import { callKey, pathTemplate, uncoveredCalls } from './templates';

describe('path templates', () => {
  it('blanks key predicates, keeps entity sets, functions and segments', () => {
    expect(
      pathTemplate('/api/data/v9.2/salesorders(5f0c2a4e-1b2c-4d5e-8f90-0123456789ab)?$select=name'),
    ).toBe('/api/data/v9.2/salesorders({key})');
    expect(pathTemplate("/data/CustomersV3(dataAreaId='usmf',CustomerAccount='O''Brien (1)')")).toBe(
      '/data/CustomersV3({key})',
    );
    expect(pathTemplate("/api/data/v9.2/EntityDefinitions(LogicalName='account')/Keys")).toBe(
      '/api/data/v9.2/EntityDefinitions({key})/Keys',
    );
    expect(pathTemplate('/api/data/v9.2/accounts/Microsoft.Dynamics.CRM.UpsertMultiple')).toBe(
      '/api/data/v9.2/accounts/Microsoft.Dynamics.CRM.UpsertMultiple',
    );
    expect(callKey({ method: 'get', path: '/data/ReleasedProductsV2/$count' })).toBe(
      'GET /data/ReleasedProductsV2/$count',
    );
  });

  it('reports each recorded call no pact interaction pins, once', () => {
    const recorded = [
      { method: 'GET', path: "/data/CustomersV3(dataAreaId='usmf',CustomerAccount='A')" },
      { method: 'GET', path: "/data/CustomersV3(dataAreaId='demf',CustomerAccount='B')" },
      { method: 'DELETE', path: "/data/CustomersV3(dataAreaId='usmf',CustomerAccount='A')" },
      { method: 'GET', path: '/api/data/v9.2/WhoAmI' },
    ];
    const pinned = [
      { method: 'GET', path: "/data/CustomersV3(dataAreaId='usmf',CustomerAccount='X')" },
      { method: 'GET', path: '/api/data/v9.2/WhoAmI' },
    ];
    expect(uncoveredCalls(recorded, pinned)).toEqual(['DELETE /data/CustomersV3({key})']);
  });
});
