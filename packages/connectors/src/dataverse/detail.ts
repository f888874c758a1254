import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { ConnectorError, isConnectorError } from '../core/errors';
import type { Priority } from '../http/budget';
import { schemaMismatch } from '../http/errors';
import { ANNOTATION, DataverseApi, includeAnnotations, recordPath } from './api';
import type { DataverseConfig } from './config';
import {
  type Columns,
  type CustomerAccountRow,
  type CustomerContactRow,
  customerAccountTable,
  customerContactTable,
  etagOf,
  lookupValueSchema,
  type OpportunityLineRow,
  type OpportunityRow,
  opportunityLineTable,
  opportunityTable,
  type RowOf,
  type SalesOrderLineRow,
  type SalesOrderRow,
  salesOrderLineTable,
  salesOrderTable,
  type Table,
} from './tables';

/**
 * Full detail reads: an order with its lines and its customer, an opportunity with its products
 * and its customer, each in one request:
 *
 * `GET salesorders(<id>)?$select=…&$expand=order_details($select=…),customerid_account($select=…),
 * customerid_contact($select=…),transactioncurrencyid($select=isocurrencycode)`
 *
 * The polymorphic `customerid` is expanded through both of its navigation properties
 * (`customerid_account`, `customerid_contact`); the one that does not apply comes back null, and
 * `_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname` says which table it is. Should a
 * service refuse the two customer expansions, the customer is fetched with one more request.
 * Lookups carry their related row's name (FormattedValue), e.g. the unit of each line.
 * Opportunity products get their product's `productnumber` from a nested expansion in the same
 * request (`product_opportunities($select=…;$expand=productid($select=productnumber))`);
 * `salesorderdetail` has its own read-only `productnumber` column (reference §2).
 */

export type Customer =
  | { table: 'account'; id: string; row: CustomerAccountRow }
  | { table: 'contact'; id: string; row: CustomerContactRow };

export const customerSchema: z.ZodType<Customer> = z.discriminatedUnion('table', [
  z.object({ table: z.literal('account'), id: z.guid(), row: customerAccountTable.rowSchema }),
  z.object({ table: z.literal('contact'), id: z.guid(), row: customerContactTable.rowSchema }),
]);

export interface OrderWithLines {
  order: SalesOrderRow;
  etag: string | null;
  /** ISO code of the order's currency (`USD`), from the expanded transactioncurrency. */
  currencyCode: string | null;
  customer: Customer | null;
  /** By line item number (lines without one last), then by id. */
  lines: SalesOrderLineRow[];
}

export const orderWithLinesSchema: z.ZodType<OrderWithLines> = z.object({
  order: salesOrderTable.rowSchema,
  etag: z.string().nullable(),
  currencyCode: z.string().nullable(),
  customer: customerSchema.nullable(),
  lines: z.array(salesOrderLineTable.rowSchema),
});

export interface OpportunityWithProducts {
  opportunity: OpportunityRow;
  etag: string | null;
  currencyCode: string | null;
  customer: Customer | null;
  products: OpportunityLineRow[];
}

export const opportunityWithProductsSchema: z.ZodType<OpportunityWithProducts> = z.object({
  opportunity: opportunityTable.rowSchema,
  etag: z.string().nullable(),
  currencyCode: z.string().nullable(),
  customer: customerSchema.nullable(),
  products: z.array(opportunityLineTable.rowSchema),
});

export interface DetailOptions {
  /** Default `live`: a person or a webhook is waiting for it. */
  priority?: Priority;
}

export async function readOrderWithLines(
  ctx: ConnectorContext,
  config: DataverseConfig,
  id: string,
  options: DetailOptions = {},
): Promise<OrderWithLines> {
  const read = await readWithLines(ctx, config, id, {
    header: salesOrderTable,
    lines: salesOrderLineTable,
    navigation: 'order_details',
    priority: options.priority ?? 'live',
  });
  return {
    order: read.header,
    etag: read.etag,
    currencyCode: read.currencyCode,
    customer: read.customer,
    lines: read.lines,
  };
}

export async function readOpportunityWithProducts(
  ctx: ConnectorContext,
  config: DataverseConfig,
  id: string,
  options: DetailOptions = {},
): Promise<OpportunityWithProducts> {
  const read = await readWithLines(ctx, config, id, {
    header: opportunityTable,
    lines: opportunityLineTable,
    navigation: 'product_opportunities',
    priority: options.priority ?? 'live',
  });
  return {
    opportunity: read.header,
    etag: read.etag,
    currencyCode: read.currencyCode,
    customer: read.customer,
    products: read.lines,
  };
}

interface WithLinesSpec<H extends Columns, L extends Columns> {
  header: Table<H> & { columns: { customerid: unknown; transactioncurrencyid: unknown } };
  lines: Table<L> & { columns: { lineitemnumber: unknown } };
  navigation: string;
  priority: Priority;
}

const rowSchema = z.record(z.string(), z.unknown());
const expandedCurrency = z.object({ isocurrencycode: z.string().nullable() }).nullable();
const CUSTOMER_NAVIGATIONS = { account: 'customerid_account', contact: 'customerid_contact' } as const;

async function readWithLines<H extends Columns, L extends Columns>(
  ctx: ConnectorContext,
  config: DataverseConfig,
  id: string,
  spec: WithLinesSpec<H, L>,
): Promise<{
  header: RowOf<H>;
  etag: string | null;
  currencyCode: string | null;
  customer: Customer | null;
  lines: RowOf<L>[];
}> {
  const api = new DataverseApi(ctx, config);
  const path = recordPath(spec.header.entitySet, id);
  const base = [
    `${spec.navigation}($select=${spec.lines.select}${spec.lines.expand ? `;$expand=${spec.lines.expand}` : ''})`,
    'transactioncurrencyid($select=isocurrencycode)',
  ];
  const customers = [
    `${CUSTOMER_NAVIGATIONS.account}($select=${customerAccountTable.select})`,
    `${CUSTOMER_NAVIGATIONS.contact}($select=${customerContactTable.select})`,
  ];
  const get = (expand: string[]) =>
    api.get(`${path}?$select=${spec.header.select}&$expand=${expand.join(',')}`, rowSchema, {
      prefer: [includeAnnotations(ANNOTATION.formatted, ANNOTATION.lookupTable)],
      priority: spec.priority,
      expanded: true,
    });

  let row: Record<string, unknown>;
  let customersExpanded = true;
  try {
    row = (await get([...base, ...customers])).body;
  } catch (error) {
    if (!isConnectorError(error) || error.code !== 'validation_failed') throw error;
    ctx.logger.info(
      { table: spec.header.logicalName, upstream: error.upstream },
      'customer expansion refused: reading the customer separately',
    );
    customersExpanded = false;
    row = (await get(base)).body;
  }

  const what = `The ${spec.header.logicalName} ${id}`;
  const header = spec.header.convert(row, what);
  const lookup = lookupValueSchema.nullable().parse(header['customerid']);
  let customer: Customer | null = null;
  if (lookup) {
    if (lookup.table !== 'account' && lookup.table !== 'contact') {
      throw new ConnectorError('schema_mismatch', `${what} has a customer of table "${lookup.table}".`);
    }
    const table = lookup.table === 'account' ? customerAccountTable : customerContactTable;
    const customerRow = customersExpanded
      ? row[CUSTOMER_NAVIGATIONS[lookup.table]]
      : (
          await api.get(`${recordPath(table.entitySet, lookup.id)}?$select=${table.select}`, rowSchema, {
            prefer: [includeAnnotations(ANNOTATION.formatted, ANNOTATION.lookupTable)],
            priority: spec.priority,
          })
        ).body;
    customer = toCustomer(lookup.table, lookup.id, customerRow, what);
  }

  const rawLines = row[spec.navigation];
  const lines = z.array(rowSchema).safeParse(rawLines);
  if (!lines.success) throw schemaMismatch(`${what}: ${spec.navigation}`, lines.error);
  const converted = lines.data.map((line, index) => spec.lines.convert(line, `${what}: line ${index}`));
  converted.sort(compareLines(spec.lines.primaryId));

  const currency = expandedCurrency.safeParse(row['transactioncurrencyid']);
  const currencyCode = currency.success ? (currency.data?.isocurrencycode ?? null) : null;
  return { header, etag: etagOf(row), currencyCode, customer, lines: converted };
}

function toCustomer(table: 'account' | 'contact', id: string, raw: unknown, what: string): Customer {
  const parsed = rowSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConnectorError('schema_mismatch', `${what}: its customer (${table} ${id}) was not returned.`);
  }
  return table === 'account'
    ? { table, id, row: customerAccountTable.convert(parsed.data, `${what}: customer account`) }
    : { table, id, row: customerContactTable.convert(parsed.data, `${what}: customer contact`) };
}

function compareLines(primaryId: string) {
  return (a: Record<string, unknown>, b: Record<string, unknown>): number => {
    const x = a['lineitemnumber'];
    const y = b['lineitemnumber'];
    const nx = typeof x === 'number' ? x : Number.POSITIVE_INFINITY;
    const ny = typeof y === 'number' ? y : Number.POSITIVE_INFINITY;
    if (nx !== ny) return nx < ny ? -1 : 1;
    return String(a[primaryId]).localeCompare(String(b[primaryId]));
  };
}
