import { type CountryMap, countryRegionIdOf } from '../countries';
import type { Result } from '../errors';
import { parseSource } from '../parse';
import {
  type CrmOpportunityLine,
  type CrmOpportunityWithProducts,
  type CrmOrderWithLines,
  type CrmSalesOrderLine,
  crmOpportunityWithProductsSchema,
  crmOrderWithLinesSchema,
  OPPORTUNITY_STATE,
} from '../sales/records';
import {
  attempt,
  axDate,
  compact,
  type FieldPath,
  fail,
  fit,
  type Limit,
  quoted,
  textOf,
  unwrap,
} from '../text';
import { dealKeyOf } from './deal-key';

/**
 * A CRM sales order (`OrderWithLines`) or a won opportunity (`OpportunityWithProducts`) → the
 * F&O sales order: a `SalesOrderHeadersV2` body and one `SalesOrderLines` body per line
 * (fno.md §3, §5; dual-write CDS sales order maps, §8).
 *
 * Header:
 * - `CustomersOrderReference` = the deal key (`dealKeyOf`: the order number, or `OPP-<id>` for an
 *   opportunity and for an order generated from one).
 * - `OrderingCustomerAccountNumber` = the F&O customer (resolved by the worker before).
 * - `CurrencyCode` = the record's currency (ISO code); `currency` option when it has none.
 * - `RequestedShippingDate` = `requestdeliveryby` (as dual-write does), as an AX date (`T12:00:00Z`).
 * - `DeliveryAddressStreet/City/ZipCode/CountryRegionId` = the order's `shipto_*` address, when set.
 * - `SalesOrderNumber` is not set: the worker (connector) sets it or lets F&O number the order.
 *
 * Lines, in the CRM order (`lineitemnumber`, lines without one last, then by id), `LineNumber`
 * 1, 2, 3…:
 * - catalog product → `ItemNumber` and `SalesUnitSymbol` of the product released in the legal
 *   entity (`products`, keyed by CRM `productnumber` = F&O `ItemNumber`); a unit given for the
 *   line's CRM unit in `unitSymbolByUomId` wins. Not released → `unknown_reference` naming the
 *   product and the legal entity.
 * - write-in product (`isproductoverridden`) → the configured `writeInItem` with `LineDescription`
 *   = `productdescription`; no write-in item configured → `unknown_reference` that says so.
 * - `OrderedSalesQuantity` = `quantity` (must be positive).
 * - With `prices: 'crm'` (default) the CRM price is kept: `SalesPrice` = `priceperunit` per one
 *   unit (`SalesPriceQuantity: 1`), and the CRM `manualdiscountamount` (for the whole line)
 *   becomes F&O's `LineDiscountAmount`, which is per unit: amount ÷ quantity (F&O rounds the line
 *   amount to the currency, so a discount that does not divide by the quantity can differ by a
 *   rounding unit). With `prices: 'fno'` both are left out and F&O prices the line.
 * - `RequestedShippingDate` = the line's `requestdeliveryby` (order lines only).
 *
 * The result also carries each line's CRM id (`sourceLineId`) for `diffFnoSalesOrder`; it is not
 * part of the F&O body.
 */

export interface ReleasedItem {
  itemNumber: string;
  salesUnitSymbol: string;
  /** Only products released in the legal entity belong in the map. */
  released: true;
}

export interface FnoSalesOrderOptions {
  /** Legal entity (dataAreaId) of the order, from `resolveLegalEntity`. */
  dataAreaId: string;
  /** The F&O customer account of the order's customer. */
  customerAccount: string;
  /** Released products of the legal entity, by CRM `productnumber` (= F&O `ItemNumber`). */
  products: ReadonlyMap<string, ReleasedItem>;
  /** Item number for write-in lines; none → a write-in line fails the order. */
  writeInItem?: string;
  /** Product numbers by CRM product id, for lines that carry none (opportunity products). */
  productNumberById?: ReadonlyMap<string, string>;
  /** F&O unit symbol by CRM unit (`uomid`) id, for lines sold in another unit than the item's sales unit. */
  unitSymbolByUomId?: ReadonlyMap<string, string>;
  /** Currency when the record has none: the legal entity's. */
  currency?: string;
  /** `crm` (default): keep CRM prices and discounts; `fno`: let F&O price the lines. */
  prices?: 'crm' | 'fno';
  countries?: CountryMap;
}

export interface FnoSalesOrderHeaderPayload {
  dataAreaId: string;
  OrderingCustomerAccountNumber: string;
  CustomersOrderReference: string;
  CurrencyCode: string;
  RequestedShippingDate?: string;
  DeliveryAddressStreet?: string;
  DeliveryAddressCity?: string;
  DeliveryAddressZipCode?: string;
  DeliveryAddressCountryRegionId?: string;
}

export interface FnoSalesOrderLinePayload {
  dataAreaId: string;
  LineNumber: number;
  ItemNumber: string;
  OrderedSalesQuantity: number;
  SalesUnitSymbol?: string;
  SalesPrice?: number;
  SalesPriceQuantity?: number;
  LineDiscountAmount?: number;
  LineDescription?: string;
  RequestedShippingDate?: string;
}

export interface MappedSalesOrderLine {
  /** `salesorderdetailid` or `opportunityproductid`. */
  sourceLineId: string;
  line: FnoSalesOrderLinePayload;
}

export interface MappedSalesOrder {
  /** The deal key, = `header.CustomersOrderReference`. */
  naturalKey: string;
  header: FnoSalesOrderHeaderPayload;
  lines: MappedSalesOrderLine[];
}

const LENGTHS = {
  ItemNumber: 20,
  SalesUnitSymbol: 10,
  LineDescription: 1000,
  DeliveryAddressStreet: 250,
  DeliveryAddressCity: 60,
  DeliveryAddressZipCode: 10,
} as const;

type Line = CrmSalesOrderLine | CrmOpportunityLine;

interface Source {
  kind: 'order' | 'opportunity';
  /** For messages: `order ORD-01001` / `opportunity 'Pumps for Atlas'`. */
  what: string;
  linesField: 'lines' | 'products';
  lines: readonly Line[];
  currencyCode: string | null | undefined;
  requestdeliveryby: string | null | undefined;
  shipTo?: CrmOrderWithLines['order'];
}

export function toFnoSalesOrder(record: unknown, options: FnoSalesOrderOptions): Result<MappedSalesOrder> {
  return attempt(() => {
    const source = sourceOf(record);
    const dataAreaId = checkOption(options.dataAreaId, 'dataAreaId', /^[A-Za-z0-9]{1,4}$/).toLowerCase();
    const customerAccount = checkOption(options.customerAccount, 'customerAccount', /^.{1,20}$/u);
    const naturalKey = unwrap(dealKeyOf(record));

    const currency = textOf(source.currencyCode) ?? textOf(options.currency);
    if (currency === undefined) {
      fail(
        'missing_field',
        `${source.what} has no currency and legal entity ${dataAreaId} has no default currency: set the currency in Dynamics 365 Sales or in the connection's legal entity settings.`,
        [source.kind, 'transactioncurrencyid'],
      );
    }
    if (!/^[A-Za-z]{3}$/.test(currency)) {
      fail(
        'unmapped_value',
        `${source.what} has the currency '${currency}', which is not an ISO currency code: correct the currency's ISO code in Dynamics 365 Sales.`,
        ['currencyCode'],
      );
    }
    if (source.lines.length === 0) {
      fail(
        'missing_field',
        `${source.what} has no ${source.kind === 'order' ? 'lines' : 'products'}: an F&O order needs at least one line. Add products in Dynamics 365 Sales.`,
        [source.linesField],
      );
    }

    const shipTo = source.shipTo;
    const addressLimit = (field: keyof typeof LENGTHS, column: string): Limit => ({
      what: `The ${column} of ${source.what}`,
      target: `F&O's ${field}`,
      max: LENGTHS[field],
      path: ['order', column],
      remedy: 'shorten it in Dynamics 365 Sales, then sync again.',
    });
    const header = compact({
      dataAreaId,
      OrderingCustomerAccountNumber: customerAccount,
      CustomersOrderReference: naturalKey,
      CurrencyCode: currency.toUpperCase(),
      RequestedShippingDate: axDate(
        source.requestdeliveryby,
        `The requested delivery date of ${source.what}`,
        [source.kind, 'requestdeliveryby'],
      ),
      DeliveryAddressStreet: fit(
        textOf(shipTo?.shipto_line1),
        addressLimit('DeliveryAddressStreet', 'shipto_line1'),
      ),
      DeliveryAddressCity: fit(
        textOf(shipTo?.shipto_city),
        addressLimit('DeliveryAddressCity', 'shipto_city'),
      ),
      DeliveryAddressZipCode: fit(
        textOf(shipTo?.shipto_postalcode),
        addressLimit('DeliveryAddressZipCode', 'shipto_postalcode'),
      ),
      DeliveryAddressCountryRegionId: countryRegionIdOf(
        shipTo?.shipto_country,
        options.countries,
        source.what,
        ['order', 'shipto_country'],
      ),
    }) satisfies FnoSalesOrderHeaderPayload;

    const ordered = source.lines
      .map((line, index) => ({ line, index }))
      .sort((a, b) => compareLines(a.line, b.line));
    const lines = ordered.map(({ line, index }, position) =>
      mapLine(line, [source.linesField, index], position + 1, { ...options, dataAreaId }, source),
    );
    return { naturalKey, header, lines };
  });
}

function sourceOf(record: unknown): Source {
  if (typeof record === 'object' && record !== null && 'opportunity' in record) {
    const parsed: CrmOpportunityWithProducts = unwrap(
      parseSource(crmOpportunityWithProductsSchema, record, 'The CRM opportunity'),
    );
    const { opportunity } = parsed;
    const what = `opportunity ${quoted(opportunity.name)}`;
    if (
      opportunity.statecode !== null &&
      opportunity.statecode !== undefined &&
      opportunity.statecode !== OPPORTUNITY_STATE.won
    ) {
      fail(
        'not_applicable',
        `${what} is not won (state ${opportunity.statecode}): only won opportunities become F&O orders.`,
        ['opportunity', 'statecode'],
      );
    }
    return {
      kind: 'opportunity',
      what,
      linesField: 'products',
      lines: parsed.products,
      currencyCode: parsed.currencyCode,
      requestdeliveryby: undefined,
    };
  }
  const parsed = unwrap(parseSource(crmOrderWithLinesSchema, record, 'The CRM order'));
  return {
    kind: 'order',
    what: `order ${textOf(parsed.order.ordernumber) ?? parsed.order.salesorderid}`,
    linesField: 'lines',
    lines: parsed.lines,
    currencyCode: parsed.currencyCode,
    requestdeliveryby: parsed.order.requestdeliveryby,
    shipTo: parsed.order,
  };
}

function mapLine(
  line: Line,
  path: FieldPath,
  lineNumber: number,
  options: FnoSalesOrderOptions,
  source: Source,
): MappedSalesOrderLine {
  const sourceLineId = 'salesorderdetailid' in line ? line.salesorderdetailid : line.opportunityproductid;
  const what = `line ${lineNumber} of ${source.what}`;
  const quantity = line.quantity;
  if (quantity === null || quantity === undefined) {
    fail('missing_field', `${what} has no quantity: enter one in Dynamics 365 Sales.`, [...path, 'quantity']);
  }
  if (!(quantity > 0)) {
    fail(
      'invalid_source',
      `${what} has quantity ${quantity}: F&O order lines take positive quantities only (returns are made in F&O). Correct the line in Dynamics 365 Sales.`,
      [...path, 'quantity'],
    );
  }

  let item: { ItemNumber: string; SalesUnitSymbol?: string; LineDescription?: string };
  if (line.isproductoverridden === true) {
    const description =
      textOf(line.productdescription) ??
      fail(
        'missing_field',
        `${what} is a write-in product without a description: enter one in Dynamics 365 Sales.`,
        [...path, 'productdescription'],
      );
    const writeIn =
      textOf(options.writeInItem) ??
      fail(
        'unknown_reference',
        `${what} is a write-in product ('${description}'), and no write-in item is configured for legal entity ${options.dataAreaId}: ` +
          'configure a write-in item for the connection, or replace the line with a catalog product in Dynamics 365 Sales.',
        [...path, 'isproductoverridden'],
      );
    item = {
      ItemNumber: writeIn,
      LineDescription: fit(description, {
        what: `The description of write-in ${what}`,
        target: "F&O's LineDescription",
        max: LENGTHS.LineDescription,
        path: [...path, 'productdescription'],
        remedy: 'shorten it in Dynamics 365 Sales, then sync again.',
      }),
    };
  } else {
    const productNumber = productNumberOf(line, path, what, options);
    const released =
      options.products.get(productNumber) ??
      fail(
        'unknown_reference',
        `product '${productNumber}' (${what}) is not released in legal entity ${options.dataAreaId}: ` +
          'release it in F&O or map the line to a write-in item.',
        [...path, 'productnumber'],
      );
    const units = options.unitSymbolByUomId;
    const unit = line.uomid
      ? (units?.get(line.uomid.id) ?? units?.get(line.uomid.id.toLowerCase()))
      : undefined;
    item = { ItemNumber: released.itemNumber, SalesUnitSymbol: unit ?? released.salesUnitSymbol };
  }

  const price = options.prices === 'fno' ? {} : priceOf(line, quantity, path, what);
  return {
    sourceLineId: sourceLineId.toLowerCase(),
    line: compact({
      dataAreaId: options.dataAreaId,
      LineNumber: lineNumber,
      ItemNumber: item.ItemNumber,
      OrderedSalesQuantity: quantity,
      SalesUnitSymbol: item.SalesUnitSymbol,
      ...price,
      LineDescription: item.LineDescription,
      RequestedShippingDate:
        'requestdeliveryby' in line
          ? axDate(line.requestdeliveryby, `The requested delivery date of ${what}`, [
              ...path,
              'requestdeliveryby',
            ])
          : undefined,
    }) satisfies FnoSalesOrderLinePayload,
  };
}

function productNumberOf(line: Line, path: FieldPath, what: string, options: FnoSalesOrderOptions): string {
  const own = textOf(line.productnumber);
  if (own !== undefined) return own;
  const product =
    line.productid ??
    fail(
      'missing_field',
      `${what} has neither a product nor a write-in description: pick a product in Dynamics 365 Sales.`,
      [...path, 'productid'],
    );
  return (
    options.productNumberById?.get(product.id) ??
    options.productNumberById?.get(product.id.toLowerCase()) ??
    fail(
      'unknown_reference',
      `${what}: the product number of product ${quoted(product.name)} (${product.id}) is not known: ` +
        'the worker must read the products of the lines before mapping.',
      [...path, 'productid'],
    )
  );
}

function priceOf(
  line: Line,
  quantity: number,
  path: FieldPath,
  what: string,
): { SalesPrice?: number; SalesPriceQuantity?: number; LineDiscountAmount?: number } {
  const price = line.priceperunit;
  if (price === null || price === undefined) return {};
  if (price < 0) {
    fail('invalid_source', `${what} has a negative price (${price}): correct it in Dynamics 365 Sales.`, [
      ...path,
      'priceperunit',
    ]);
  }
  const discount = line.manualdiscountamount ?? 0;
  if (discount < 0 || discount > price * quantity) {
    fail(
      'invalid_source',
      `${what} has a manual discount of ${discount} on a line worth ${price * quantity}: correct the discount in Dynamics 365 Sales.`,
      [...path, 'manualdiscountamount'],
    );
  }
  return {
    SalesPrice: price,
    SalesPriceQuantity: 1,
    ...(discount > 0 ? { LineDiscountAmount: round(discount / quantity, 6) } : {}),
  };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function compareLines(a: Line, b: Line): number {
  const x = a.lineitemnumber ?? Number.POSITIVE_INFINITY;
  const y = b.lineitemnumber ?? Number.POSITIVE_INFINITY;
  if (x !== y) return x < y ? -1 : 1;
  const idA = 'salesorderdetailid' in a ? a.salesorderdetailid : a.opportunityproductid;
  const idB = 'salesorderdetailid' in b ? b.salesorderdetailid : b.opportunityproductid;
  return idA.toLowerCase() < idB.toLowerCase() ? -1 : idA.toLowerCase() > idB.toLowerCase() ? 1 : 0;
}

function checkOption(value: string, name: string, pattern: RegExp): string {
  const text = textOf(value);
  if (text === undefined || !pattern.test(text)) {
    fail('invalid_source', `The sales order mapping option ${name} is not valid: '${value}'.`, [name]);
  }
  return text;
}
