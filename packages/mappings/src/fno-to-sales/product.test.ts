import { describe, expect, it } from 'vitest';
import products from '../fno/__fixtures__/products.json' with { type: 'json' };
import releasedProducts from '../fno/__fixtures__/released-products.json' with { type: 'json' };
import { errorOf, okValue } from '../testing/result';
import { type CrmProductOptions, toCrmProduct } from './product';

const options: CrmProductOptions = {
  defaultUomScheduleId: '8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d',
  uomIdBySymbol: new Map([
    ['EA', 'b1000001-0000-4000-8000-000000000001'],
    ['h', 'b1000001-0000-4000-8000-000000000002'],
  ]),
  priceLevelId: '7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a',
};

describe('toCrmProduct (golden)', () => {
  it('maps a released item with its product name, kept active', () => {
    const product = okValue(toCrmProduct(releasedProducts.pump, products.pump, options));
    expect(product).toMatchSnapshot();
    expect(product).toMatchObject({
      productnumber: 'IE-10001',
      statecode: 0,
      statuscode: 1,
      producttypecode: 1,
    });
  });

  it('maps a service, its empty description as null', () => {
    const product = okValue(toCrmProduct(releasedProducts.service, products.service, options));
    expect(product).toMatchSnapshot();
    expect(product).toMatchObject({
      producttypecode: 3,
      description: null,
      defaultuomid: { id: options.uomIdBySymbol.get('h') },
    });
  });

  it('falls back to the search name without a ProductsV2 row, and leaves out an unconfigured price list', () => {
    const { priceLevelId: _, ...withoutPriceList } = options;
    const product = okValue(toCrmProduct(releasedProducts.pump, undefined, withoutPriceList));
    expect(product.name).toBe('CENTRIFUGALPUMP40');
    expect(product).not.toHaveProperty('pricelevelid');
  });
});

describe('toCrmProduct (errors)', () => {
  it('names a sales unit Sales does not have', () => {
    const error = errorOf(
      toCrmProduct({ ...releasedProducts.pump, SalesUnitSymbol: 'box' }, products.pump, options),
    );
    expect(error).toMatchObject({ code: 'unknown_reference', path: ['SalesUnitSymbol'] });
    expect(error.message).toContain(
      "The sales unit 'box' of item 'IE-10001' of legal entity usmf has no unit in Dynamics 365 Sales",
    );
  });

  it('does not sync product masters', () => {
    expect(errorOf(toCrmProduct(releasedProducts.master, undefined, options)).code).toBe('not_applicable');
  });

  it('refuses the name of another product, and a name longer than Sales takes', () => {
    expect(errorOf(toCrmProduct(releasedProducts.pump, products.service, options)).code).toBe(
      'invalid_source',
    );
    const long = { ...products.pump, ProductName: 'P'.repeat(101) };
    expect(errorOf(toCrmProduct(releasedProducts.pump, long, options))).toMatchObject({
      code: 'value_too_long',
      path: ['ProductName'],
    });
  });
});
