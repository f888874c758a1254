import { z } from 'zod';
import { ConnectorError } from '../core/errors';
import { schemaMismatch } from '../http/errors';
import { ANNOTATION } from './api';

/**
 * The columns the integration reads from each Sales table, declared once: from a declaration come
 * the `$select` list (lookups as `_x_value`), the zod schema of the record the connector yields,
 * and the conversion of a Web API row into that record (lookups become
 * `{ id, table, name }` from `_x_value` and its annotations, so a polymorphic `customerid` says
 * whether it is an account or a contact).
 */

export interface LookupValue {
  id: string;
  /** Logical name of the row's table (`account`, `contact`, …). */
  table: string;
  /** The related row's primary name, when the read asked for formatted values. */
  name: string | null;
}

export const lookupValueSchema = z.object({
  id: z.guid(),
  table: z.string().min(1),
  name: z.string().nullable(),
});

export interface Column<T> {
  /** What goes into `$select` (`undefined`: nothing, the value comes from an expansion). */
  select(name: string): string | undefined;
  /** What goes into `$expand`, for a value read from a related row. */
  expand?(name: string): string;
  /** The record's field (the output). */
  schema: z.ZodType<T>;
  /** The raw value of the row for this column (before the schema checks it). */
  read(row: Readonly<Record<string, unknown>>, name: string): unknown;
}

const plain = <T>(schema: z.ZodType<T>): Column<T> => ({
  select: (name) => name,
  schema,
  read: (row, name) => row[name] ?? null,
});

export const col = {
  /** The primary key. */
  id: (): Column<string> => plain(z.guid()),
  text: (): Column<string | null> => plain(z.string().nullable()),
  /** Whole numbers and choices (option set values, statecode/statuscode). */
  int: (): Column<number | null> => plain(z.number().int().nullable()),
  /** Decimal and money columns. */
  number: (): Column<number | null> => plain(z.number().nullable()),
  bool: (): Column<boolean | null> => plain(z.boolean().nullable()),
  /** Date-only (`2025-06-01`) and date-time (`2025-06-01T08:00:00Z`) columns, as sent. */
  date: (): Column<string | null> => plain(z.string().nullable()),
  /** A lookup; `targets` are the tables it may point to (more than one: polymorphic). */
  lookup: (...targets: [string, ...string[]]): Column<LookupValue | null> => ({
    select: (name) => `_${name}_value`,
    schema: lookupValueSchema.nullable(),
    read: (row, name) => {
      const id = row[`_${name}_value`];
      if (id === null || id === undefined) return null;
      const annotated = row[`_${name}_value@${ANNOTATION.lookupTable}`];
      const table = typeof annotated === 'string' ? annotated : targets.length === 1 ? targets[0] : undefined;
      const formatted = row[`_${name}_value@${ANNOTATION.formatted}`];
      return { id, table, name: typeof formatted === 'string' ? formatted : null };
    },
  }),
  /**
   * A text column of the row a single-valued navigation points to, read in the same request
   * (`$expand=<navigation>($select=<column>)`); null when the lookup is empty. For columns the
   * table itself lacks, e.g. the product number of an opportunity product.
   */
  relatedText: (navigation: string, column: string): Column<string | null> => ({
    select: () => undefined,
    expand: () => `${navigation}($select=${column})`,
    schema: z.string().nullable(),
    read: (row) => {
      const related = row[navigation];
      if (related === null || related === undefined || typeof related !== 'object') return null;
      return (related as Record<string, unknown>)[column] ?? null;
    },
  }),
} as const;

export type Columns = Record<string, Column<unknown>>;

export type RowOf<C extends Columns> = { [K in keyof C]: C[K] extends Column<infer T> ? T : never };

export interface TableSpec<C extends Columns> {
  logicalName: string;
  entitySet: string;
  primaryId: string & keyof C;
  columns: C;
}

export interface Table<C extends Columns> extends TableSpec<C> {
  /** `$select` value. */
  select: string;
  /** `$expand` value for the columns read from related rows, or `undefined`. */
  expand: string | undefined;
  rowSchema: z.ZodType<RowOf<C>>;
  /** A Web API row → the record; `schema_mismatch` naming the column that did not fit. */
  convert(row: Readonly<Record<string, unknown>>, what: string): RowOf<C>;
}

export function defineTable<C extends Columns>(spec: TableSpec<C>): Table<C> {
  const names = Object.keys(spec.columns);
  const shape: Record<string, z.ZodType> = {};
  for (const name of names) {
    const column = spec.columns[name];
    if (column) shape[name] = column.schema;
  }
  const rowSchema = z.object(shape) as unknown as z.ZodType<RowOf<C>>;
  return {
    ...spec,
    select: names.flatMap((name) => spec.columns[name]?.select(name) ?? []).join(','),
    expand: expandOf(spec.columns, names),
    rowSchema,
    convert(row, what) {
      const raw: Record<string, unknown> = {};
      for (const name of names) raw[name] = spec.columns[name]?.read(row, name);
      const parsed = rowSchema.safeParse(raw);
      if (!parsed.success) throw schemaMismatch(what, parsed.error);
      return parsed.data;
    },
  };
}

function expandOf(columns: Columns, names: readonly string[]): string | undefined {
  const expands = names.flatMap((name) => columns[name]?.expand?.(name) ?? []);
  return expands.length > 0 ? [...new Set(expands)].join(',') : undefined;
}

// ---------------------------------------------------------------------------------------------
// The Sales tables the integration reads (columns per shared/reference/dataverse.md §2).

const address1 = {
  address1_line1: col.text(),
  address1_city: col.text(),
  address1_stateorprovince: col.text(),
  address1_postalcode: col.text(),
  address1_country: col.text(),
};

const state = { statecode: col.int(), statuscode: col.int() };

export const accountTable = defineTable({
  logicalName: 'account',
  entitySet: 'accounts',
  primaryId: 'accountid',
  columns: {
    accountid: col.id(),
    name: col.text(),
    accountnumber: col.text(),
    telephone1: col.text(),
    emailaddress1: col.text(),
    websiteurl: col.text(),
    ...address1,
    paymenttermscode: col.int(),
    creditlimit: col.number(),
    creditonhold: col.bool(),
    primarycontactid: col.lookup('contact'),
    parentaccountid: col.lookup('account'),
    transactioncurrencyid: col.lookup('transactioncurrency'),
    ...state,
    modifiedon: col.date(),
  },
});

export const contactTable = defineTable({
  logicalName: 'contact',
  entitySet: 'contacts',
  primaryId: 'contactid',
  columns: {
    contactid: col.id(),
    fullname: col.text(),
    firstname: col.text(),
    lastname: col.text(),
    jobtitle: col.text(),
    emailaddress1: col.text(),
    telephone1: col.text(),
    mobilephone: col.text(),
    ...address1,
    parentcustomerid: col.lookup('account', 'contact'),
    transactioncurrencyid: col.lookup('transactioncurrency'),
    ...state,
    modifiedon: col.date(),
  },
});

export const opportunityTable = defineTable({
  logicalName: 'opportunity',
  entitySet: 'opportunities',
  primaryId: 'opportunityid',
  columns: {
    opportunityid: col.id(),
    name: col.text(),
    customerid: col.lookup('account', 'contact'),
    parentaccountid: col.lookup('account'),
    parentcontactid: col.lookup('contact'),
    pricelevelid: col.lookup('pricelevel'),
    transactioncurrencyid: col.lookup('transactioncurrency'),
    estimatedvalue: col.number(),
    actualvalue: col.number(),
    estimatedclosedate: col.date(),
    actualclosedate: col.date(),
    ...state,
    modifiedon: col.date(),
  },
});

export const salesOrderTable = defineTable({
  logicalName: 'salesorder',
  entitySet: 'salesorders',
  primaryId: 'salesorderid',
  columns: {
    salesorderid: col.id(),
    name: col.text(),
    ordernumber: col.text(),
    customerid: col.lookup('account', 'contact'),
    pricelevelid: col.lookup('pricelevel'),
    opportunityid: col.lookup('opportunity'),
    quoteid: col.lookup('quote'),
    transactioncurrencyid: col.lookup('transactioncurrency'),
    requestdeliveryby: col.date(),
    paymenttermscode: col.int(),
    shipto_line1: col.text(),
    shipto_city: col.text(),
    shipto_postalcode: col.text(),
    shipto_country: col.text(),
    billto_line1: col.text(),
    billto_city: col.text(),
    billto_country: col.text(),
    totallineitemamount: col.number(),
    discountamount: col.number(),
    freightamount: col.number(),
    totaltax: col.number(),
    totalamount: col.number(),
    ...state,
    modifiedon: col.date(),
  },
});

export const productTable = defineTable({
  logicalName: 'product',
  entitySet: 'products',
  primaryId: 'productid',
  columns: {
    productid: col.id(),
    productnumber: col.text(),
    name: col.text(),
    description: col.text(),
    defaultuomscheduleid: col.lookup('uomschedule'),
    defaultuomid: col.lookup('uom'),
    pricelevelid: col.lookup('pricelevel'),
    transactioncurrencyid: col.lookup('transactioncurrency'),
    price: col.number(),
    standardcost: col.number(),
    currentcost: col.number(),
    quantitydecimal: col.int(),
    producttypecode: col.int(),
    productstructure: col.int(),
    ...state,
    modifiedon: col.date(),
  },
});

/** The columns of a product line (order, opportunity). */
const lineColumns = {
  lineitemnumber: col.int(),
  productid: col.lookup('product'),
  productdescription: col.text(),
  isproductoverridden: col.bool(),
  quantity: col.number(),
  uomid: col.lookup('uom'),
  priceperunit: col.number(),
  baseamount: col.number(),
  manualdiscountamount: col.number(),
  tax: col.number(),
  extendedamount: col.number(),
  description: col.text(),
};

export const salesOrderLineTable = defineTable({
  logicalName: 'salesorderdetail',
  entitySet: 'salesorderdetails',
  primaryId: 'salesorderdetailid',
  columns: {
    salesorderdetailid: col.id(),
    ...lineColumns,
    productnumber: col.text(),
    requestdeliveryby: col.date(),
  },
});

/**
 * `opportunityproduct` has no `productnumber` column (unlike `salesorderdetail`, whose read-only
 * `productnumber` is in shared/reference/dataverse.md §2): it is read from the related product in
 * the same request, `$expand=productid($select=productnumber)` (a nested expansion of a
 * single-valued navigation, reference §3).
 */
export const opportunityLineTable = defineTable({
  logicalName: 'opportunityproduct',
  entitySet: 'opportunityproducts',
  primaryId: 'opportunityproductid',
  columns: {
    opportunityproductid: col.id(),
    ...lineColumns,
    productnumber: col.relatedText('productid', 'productnumber'),
  },
});

/** The customer of an order or opportunity, as much as an ERP customer needs. */
export const customerAccountTable = defineTable({
  logicalName: 'account',
  entitySet: 'accounts',
  primaryId: 'accountid',
  columns: {
    accountid: col.id(),
    name: col.text(),
    accountnumber: col.text(),
    emailaddress1: col.text(),
    telephone1: col.text(),
    ...address1,
    paymenttermscode: col.int(),
    transactioncurrencyid: col.lookup('transactioncurrency'),
  },
});

export const customerContactTable = defineTable({
  logicalName: 'contact',
  entitySet: 'contacts',
  primaryId: 'contactid',
  columns: {
    contactid: col.id(),
    fullname: col.text(),
    firstname: col.text(),
    lastname: col.text(),
    emailaddress1: col.text(),
    telephone1: col.text(),
    ...address1,
    parentcustomerid: col.lookup('account', 'contact'),
    transactioncurrencyid: col.lookup('transactioncurrency'),
  },
});

export type AccountRow = RowOf<typeof accountTable.columns>;
export type ContactRow = RowOf<typeof contactTable.columns>;
export type OpportunityRow = RowOf<typeof opportunityTable.columns>;
export type SalesOrderRow = RowOf<typeof salesOrderTable.columns>;
export type ProductRow = RowOf<typeof productTable.columns>;
export type SalesOrderLineRow = RowOf<typeof salesOrderLineTable.columns>;
export type OpportunityLineRow = RowOf<typeof opportunityLineTable.columns>;
export type CustomerAccountRow = RowOf<typeof customerAccountTable.columns>;
export type CustomerContactRow = RowOf<typeof customerContactTable.columns>;

/** A row's `@odata.etag` (`W/"123"`), or null. */
export function etagOf(row: Readonly<Record<string, unknown>>): string | null {
  const etag = row['@odata.etag'];
  return typeof etag === 'string' ? etag : null;
}

export function requireGuid(value: unknown, what: string): string {
  const parsed = z.guid().safeParse(value);
  if (!parsed.success) throw new ConnectorError('schema_mismatch', `${what} is not a GUID.`);
  return parsed.data.toLowerCase();
}
