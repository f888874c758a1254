import type { Result } from '../errors';
import {
  type FnoProduct,
  type FnoReleasedProduct,
  fnoProductSchema,
  fnoReleasedProductSchema,
} from '../fno/records';
import { parseSource } from '../parse';
import { attempt, fail, textOf, unwrap } from '../text';
import { type CrmRef, crmText } from './common';

/**
 * A released product (`ReleasedProductsV2`) and its name (`ProductsV2`) → a Dynamics 365 Sales
 * product upsert, keyed by `productnumber` = F&O `ItemNumber` (dual-write "CDS released distinct
 * products → products": PRODUCTNAME = name, SALESUNITSYMBOL = defaultuomid).
 *
 * Written fields are exactly `CRM_PRODUCT_FIELDS`:
 * - `productnumber` = `ItemNumber`; `name` = `ProductName` (else the search name, else the item
 *   number); `description` = `ProductDescription`;
 * - `producttypecode`: Item → 1 (Sales Inventory), Service → 3 (Services);
 * - `defaultuomscheduleid` = the configured unit group; `defaultuomid` = the Sales unit whose
 *   symbol is the item's `SalesUnitSymbol` (`uomIdBySymbol`, e.g. `ea` → the "Each" unit);
 * - `quantitydecimal` (default 2), `pricelevelid` (the legal entity's price list, when configured);
 * - `statecode: 0, statuscode: 1`: the product is kept active so reps can quote it.
 * No price, cost, tax, ledger or dimension data: prices go to price-list items
 * (`toCrmPriceListItem`).
 *
 * A product master (variants) is `not_applicable`: only distinct products are synced.
 */

export const CRM_PRODUCT_FIELDS = [
  'productnumber',
  'name',
  'description',
  'producttypecode',
  'quantitydecimal',
  'defaultuomscheduleid',
  'defaultuomid',
  'pricelevelid',
  'statecode',
  'statuscode',
] as const;

export interface CrmProductOptions {
  /** The unit group (uomschedule) of synced products. */
  defaultUomScheduleId: string;
  /** Sales unit id by F&O unit symbol (`ea` → the id of "Each"). */
  uomIdBySymbol: ReadonlyMap<string, string>;
  /** The price list products default to. */
  priceLevelId?: string;
  /** Decimals supported in quantities (0–5); default 2. */
  quantityDecimal?: number;
}

export interface CrmProductUpsert {
  productnumber: string;
  name: string;
  description: string | null;
  producttypecode: number | null;
  quantitydecimal: number;
  defaultuomscheduleid: CrmRef;
  defaultuomid: CrmRef;
  pricelevelid?: CrmRef;
  statecode: 0;
  statuscode: 1;
}

const PRODUCT_TYPE = { Item: 1, Service: 3 } as const;

export function toCrmProduct(
  releasedProduct: unknown,
  product: unknown,
  options: CrmProductOptions,
): Result<CrmProductUpsert> {
  return attempt(() => {
    const released: FnoReleasedProduct = unwrap(
      parseSource(fnoReleasedProductSchema, releasedProduct, 'The F&O released product'),
    );
    const named: FnoProduct | undefined =
      product === undefined || product === null
        ? undefined
        : unwrap(parseSource(fnoProductSchema, product, 'The F&O product'));
    const what = `item '${released.ItemNumber}' of legal entity ${released.dataAreaId}`;
    if (
      named &&
      textOf(released.ProductNumber) !== undefined &&
      named.ProductNumber !== released.ProductNumber
    ) {
      fail(
        'invalid_source',
        `The product name given for ${what} is that of product '${named.ProductNumber}', not of '${released.ProductNumber}'.`,
        ['ProductNumber'],
      );
    }
    if (released.ProductSubType === 'ProductMaster') {
      fail(
        'not_applicable',
        `${what} is a product master: only distinct products are synced to Dynamics 365 Sales.`,
        ['ProductSubType'],
      );
    }
    const unitSymbol =
      textOf(released.SalesUnitSymbol) ??
      fail(
        'missing_field',
        `${what} has no sales unit: set it on the released product in F&O (Sell tab, Unit).`,
        ['SalesUnitSymbol'],
      );
    const unitId =
      lookup(options.uomIdBySymbol, unitSymbol) ??
      fail(
        'unknown_reference',
        `The sales unit '${unitSymbol}' of ${what} has no unit in Dynamics 365 Sales: add a unit for '${unitSymbol}' ` +
          "to the products' unit group (or map the symbol to an existing unit in the connection), then sync again.",
        ['SalesUnitSymbol'],
      );
    const name =
      textOf(named?.ProductName) ??
      textOf(named?.ProductSearchName) ??
      textOf(released.ProductSearchName) ??
      textOf(released.SearchName) ??
      released.ItemNumber;
    return {
      productnumber: released.ItemNumber,
      name: crmText(name, 100, `The product name of ${what}`, 'name', ['ProductName']) ?? released.ItemNumber,
      description: crmText(
        named?.ProductDescription,
        2000,
        `The product description of ${what}`,
        'description',
        ['ProductDescription'],
      ),
      producttypecode: released.ProductType ? PRODUCT_TYPE[released.ProductType] : null,
      quantitydecimal: options.quantityDecimal ?? 2,
      defaultuomscheduleid: { id: options.defaultUomScheduleId },
      defaultuomid: { id: unitId },
      ...(options.priceLevelId === undefined ? {} : { pricelevelid: { id: options.priceLevelId } }),
      statecode: 0,
      statuscode: 1,
    };
  });
}

/** By symbol as given, else ignoring case (F&O unit symbols are case-insensitive). */
export function lookup(map: ReadonlyMap<string, string>, symbol: string): string | undefined {
  const exact = map.get(symbol);
  if (exact !== undefined) return exact;
  const wanted = symbol.toLowerCase();
  for (const [key, value] of map) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
