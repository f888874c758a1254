/**
 * Both sides compared by reading the sandbox as a user: every CRM sales order of the bed's
 * accounts with its lines (Dataverse Web API) against the F&O sales orders (`SalesOrderHeadersV2`
 * with `SalesOrderLines`, every company) whose `CustomersOrderReference` is the CRM order number.
 */
import type { BenchHarness, Row } from '@mlc/bench';
import type { SoakFigure } from '../scenario';
import type { OrderBed } from './bed';
import { clearFaults } from './control';
import { info, mustBe } from './figures';

export interface Line {
  item: string;
  quantity: number;
  /** Net amount of the line, cents. */
  cents: number;
}

export interface CrmOrder {
  id: string;
  orderNumber: string;
  lines: Line[];
}

export interface Comparison {
  expected: number;
  /** Lines of the CRM orders. */
  lines: number;
  found: number;
  duplicated: number;
  missing: number;
  linesMissing: number;
  linesExtra: number;
  totalsUnequal: number;
  /** A few examples of each problem (order numbers), for the report. */
  examples: Record<string, string[]>;
}

const cents = (amount: number) => Math.round(amount * 100);

async function pages(
  get: (target: string) => Promise<{ status: number; body: { value: Row[]; '@odata.nextLink'?: string } }>,
  base: string,
  first: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  let target: string | undefined = first;
  while (target) {
    const response = await get(target);
    if (response.status !== 200) throw new Error(`GET ${target}: ${response.status}`);
    rows.push(...response.body.value);
    const next: string | undefined = response.body['@odata.nextLink'];
    target = next ? next.slice(next.indexOf(base) + base.length) : undefined;
  }
  return rows;
}

/** The CRM orders of `accountIds` with their lines (product numbers from the bed's catalog). */
export async function readCrmOrders(bed: OrderBed): Promise<CrmOrder[]> {
  const { h, catalog, accounts } = bed;
  const numbers = new Map(catalog.products.map((product) => [product.id.toLowerCase(), product.number]));
  const orders: CrmOrder[] = [];
  for (const account of accounts) {
    const rows = await pages(
      (target) => h.dv<{ value: Row[] }>('GET', target),
      '/api/data/v9.2/',
      `salesorders?$select=salesorderid,ordernumber&$filter=_customerid_value eq ${account}` +
        '&$expand=order_details($select=quantity,priceperunit,manualdiscountamount,_productid_value)',
    );
    for (const row of rows) {
      const details = (row['order_details'] as Row[] | undefined) ?? [];
      orders.push({
        id: String(row['salesorderid']).toLowerCase(),
        orderNumber: String(row['ordernumber']),
        lines: details.map((line) => {
          const quantity = Number(line['quantity']);
          const productId = String(line['_productid_value']).toLowerCase();
          return {
            item: numbers.get(productId) ?? `product ${productId}`,
            quantity,
            cents: cents(
              quantity * Number(line['priceperunit'] ?? 0) - Number(line['manualdiscountamount'] ?? 0),
            ),
          };
        }),
      });
    }
  }
  return orders;
}

/** Every F&O sales order with its lines, by `CustomersOrderReference`. */
export async function readFnoOrders(
  h: BenchHarness,
): Promise<Map<string, { number: string; lines: Line[] }[]>> {
  const rows = await pages(
    (target) => h.fno<{ value: Row[] }>('GET', target),
    '/data/',
    'SalesOrderHeadersV2?cross-company=true&$select=dataAreaId,SalesOrderNumber,CustomersOrderReference&$expand=SalesOrderLines',
  );
  const byReference = new Map<string, { number: string; lines: Line[] }[]>();
  for (const row of rows) {
    const reference = String(row['CustomersOrderReference'] ?? '');
    if (!reference) continue;
    const lines = ((row['SalesOrderLines'] as Row[] | undefined) ?? []).map((line) => {
      const quantity = Number(line['OrderedSalesQuantity']);
      const per = Number(line['SalesPriceQuantity'] ?? 1) || 1;
      return {
        item: String(line['ItemNumber']),
        quantity,
        cents: cents(
          (quantity * Number(line['SalesPrice'] ?? 0)) / per - Number(line['LineDiscountAmount'] ?? 0),
        ),
      };
    });
    const list = byReference.get(reference) ?? [];
    list.push({ number: `${row['dataAreaId']}/${row['SalesOrderNumber']}`, lines });
    byReference.set(reference, list);
  }
  return byReference;
}

const lineKey = (line: Line) => `${line.item.toUpperCase()}|${line.quantity}|${line.cents}`;

/** Lines of `a` not matched one-to-one in `b`. */
function unmatched(a: readonly Line[], b: readonly Line[]): number {
  const pool = new Map<string, number>();
  for (const line of b) pool.set(lineKey(line), (pool.get(lineKey(line)) ?? 0) + 1);
  let missing = 0;
  for (const line of a) {
    const left = pool.get(lineKey(line)) ?? 0;
    if (left > 0) pool.set(lineKey(line), left - 1);
    else missing += 1;
  }
  return missing;
}

export function compareOrders(
  crm: readonly CrmOrder[],
  fno: ReadonlyMap<string, { number: string; lines: Line[] }[]>,
): Comparison {
  const result: Comparison = {
    expected: crm.length,
    lines: crm.reduce((sum, order) => sum + order.lines.length, 0),
    found: 0,
    duplicated: 0,
    missing: 0,
    linesMissing: 0,
    linesExtra: 0,
    totalsUnequal: 0,
    examples: {},
  };
  const note = (problem: string, order: string) => {
    const list = result.examples[problem] ?? [];
    if (list.length < 5) list.push(order);
    result.examples[problem] = list;
  };
  for (const order of crm) {
    const matches = fno.get(order.orderNumber) ?? [];
    if (matches.length === 0) {
      result.missing += 1;
      note('missing', order.orderNumber);
      continue;
    }
    result.found += 1;
    if (matches.length > 1) {
      result.duplicated += 1;
      note('duplicated', `${order.orderNumber} → ${matches.map((m) => m.number).join(', ')}`);
    }
    const target = matches[0] as { number: string; lines: Line[] };
    const missing = unmatched(order.lines, target.lines);
    const extra = unmatched(target.lines, order.lines);
    result.linesMissing += missing;
    result.linesExtra += extra;
    if (missing > 0) note('linesMissing', `${order.orderNumber} → ${target.number}`);
    if (extra > 0) note('linesExtra', `${order.orderNumber} → ${target.number}`);
    const total = (lines: readonly Line[]) => lines.reduce((sum, line) => sum + line.cents, 0);
    if (total(order.lines) !== total(target.lines)) {
      result.totalsUnequal += 1;
      note('totalsUnequal', `${order.orderNumber} → ${target.number}`);
    }
  }
  return result;
}

/** Reads both sides (faults off first: the comparison itself must not be disturbed). */
export async function compareSides(bed: OrderBed): Promise<Comparison & { crm: CrmOrder[] }> {
  await clearFaults(bed.h);
  const crm = await readCrmOrders(bed);
  const fno = await readFnoOrders(bed.h);
  return { ...compareOrders(crm, fno), crm };
}

/** The comparison as figures with their pass conditions. */
export function comparisonFigures(comparison: Comparison, created: number): SoakFigure[] {
  return [
    mustBe('orders expected (CRM)', comparison.expected, created, `${created}, the orders sent`),
    info('lines expected (CRM)', comparison.lines),
    mustBe('orders found in F&O', comparison.found, comparison.expected, '= expected'),
    mustBe('orders duplicated', comparison.duplicated, 0),
    mustBe('orders missing', comparison.missing, 0),
    mustBe('lines missing', comparison.linesMissing, 0),
    mustBe('lines extra', comparison.linesExtra, 0),
    mustBe('totals unequal', comparison.totalsUnequal, 0),
  ];
}
