import { z } from 'zod';

/**
 * The Dynamics 365 Sales records the mappings take: exactly the shapes `@mlc/connectors` yields
 * (`packages/connectors/src/dataverse/tables.ts` and `detail.ts`), re-declared here because
 * mappings import nothing but zod. The connector turns every lookup (`_customerid_value` plus its
 * annotations on the wire) into `customerid: { id, table, name }`, and the detail reads put an
 * order's lines (`order_details` on the wire) into `lines` and an opportunity's products
 * (`product_opportunities`) into `products`. Columns are nullable, as the connector yields them;
 * they may also be absent, so that a caller holding fewer columns still parses. Unknown columns
 * are dropped.
 */

const text = z.string().nullish();
const number = z.number().nullish();
const int = z.number().int().nullish();

/** A lookup as the connector yields it: the row's id, its table (`account`, `contact`, …) and its name. */
export const lookupSchema = z.object({ id: z.guid(), table: z.string().min(1), name: z.string().nullable() });
export type Lookup = z.output<typeof lookupSchema>;
const lookup = lookupSchema.nullish();

const address1 = {
  address1_line1: text,
  address1_city: text,
  address1_stateorprovince: text,
  address1_postalcode: text,
  address1_country: text,
};

/** `customerAccountTable` (and the wider `accountTable` of the delta source). */
export const crmAccountRowSchema = z.object({
  accountid: z.guid(),
  name: text,
  accountnumber: text,
  emailaddress1: text,
  telephone1: text,
  ...address1,
  paymenttermscode: int,
  transactioncurrencyid: lookup,
});
export type CrmAccountRow = z.output<typeof crmAccountRowSchema>;

/** `customerContactTable` (and the wider `contactTable`). */
export const crmContactRowSchema = z.object({
  contactid: z.guid(),
  fullname: text,
  firstname: text,
  lastname: text,
  emailaddress1: text,
  telephone1: text,
  ...address1,
  parentcustomerid: lookup,
  transactioncurrencyid: lookup,
});
export type CrmContactRow = z.output<typeof crmContactRowSchema>;

/** The polymorphic customer of an order or opportunity (`Customer` in the connector's `detail.ts`). */
export const crmCustomerSchema = z.discriminatedUnion('table', [
  z.object({ table: z.literal('account'), id: z.guid(), row: crmAccountRowSchema }),
  z.object({ table: z.literal('contact'), id: z.guid(), row: crmContactRowSchema }),
]);
export type CrmCustomer = z.output<typeof crmCustomerSchema>;

const state = { statecode: int, statuscode: int };

/** `salesOrderTable`. */
export const crmSalesOrderRowSchema = z.object({
  salesorderid: z.guid(),
  name: text,
  ordernumber: text,
  customerid: lookup,
  pricelevelid: lookup,
  opportunityid: lookup,
  quoteid: lookup,
  transactioncurrencyid: lookup,
  requestdeliveryby: text,
  paymenttermscode: int,
  shipto_line1: text,
  shipto_city: text,
  shipto_postalcode: text,
  shipto_country: text,
  ...state,
  modifiedon: text,
});
export type CrmSalesOrderRow = z.output<typeof crmSalesOrderRowSchema>;

/** The columns of a product line (order or opportunity): `lineColumns` in the connector. */
const lineColumns = {
  lineitemnumber: int,
  productid: lookup,
  productdescription: text,
  isproductoverridden: z.boolean().nullish(),
  quantity: number,
  uomid: lookup,
  priceperunit: number,
  baseamount: number,
  manualdiscountamount: number,
  tax: number,
  extendedamount: number,
  description: text,
};

/** `salesOrderLineTable`: `productnumber` is the (read-only) number of the line's product. */
export const crmSalesOrderLineSchema = z.object({
  salesorderdetailid: z.guid(),
  ...lineColumns,
  productnumber: text,
  requestdeliveryby: text,
});
export type CrmSalesOrderLine = z.output<typeof crmSalesOrderLineSchema>;

/**
 * `opportunityLineTable`. The connector reads no product number on opportunity products: give the
 * mapping `productNumberById`, or add `productnumber` to the record.
 */
export const crmOpportunityLineSchema = z.object({
  opportunityproductid: z.guid(),
  ...lineColumns,
  productnumber: text,
});
export type CrmOpportunityLine = z.output<typeof crmOpportunityLineSchema>;

/** `opportunityTable`. */
export const crmOpportunityRowSchema = z.object({
  opportunityid: z.guid(),
  name: text,
  customerid: lookup,
  pricelevelid: lookup,
  transactioncurrencyid: lookup,
  estimatedvalue: number,
  actualvalue: number,
  estimatedclosedate: text,
  actualclosedate: text,
  ...state,
  modifiedon: text,
});
export type CrmOpportunityRow = z.output<typeof crmOpportunityRowSchema>;

/** `OrderWithLines` (`readOrderWithLines`). */
export const crmOrderWithLinesSchema = z.object({
  order: crmSalesOrderRowSchema,
  etag: z.string().nullish(),
  /** ISO code of the order's currency, from the expanded transaction currency. */
  currencyCode: text,
  customer: crmCustomerSchema.nullish(),
  lines: z.array(crmSalesOrderLineSchema),
});
export type CrmOrderWithLines = z.output<typeof crmOrderWithLinesSchema>;

/** `OpportunityWithProducts` (`readOpportunityWithProducts`). */
export const crmOpportunityWithProductsSchema = z.object({
  opportunity: crmOpportunityRowSchema,
  etag: z.string().nullish(),
  currencyCode: text,
  customer: crmCustomerSchema.nullish(),
  products: z.array(crmOpportunityLineSchema),
});
export type CrmOpportunityWithProducts = z.output<typeof crmOpportunityWithProductsSchema>;

/** Dataverse states (dataverse.md §8). */
export const OPPORTUNITY_STATE = { open: 0, won: 1, lost: 2 } as const;
export const SALES_ORDER_STATE = { active: 0, submitted: 1, canceled: 2, fulfilled: 3, invoiced: 4 } as const;
