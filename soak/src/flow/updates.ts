/** Changes to existing CRM orders, as a person makes them: a line's quantity raised. */
import type { BenchHarness, Row } from '@mlc/bench';
import { persist } from './orders';

/** Raises the quantity of the first line of a CRM order by `by`; returns the new quantity. */
export async function raiseFirstLine(h: BenchHarness, orderId: string, by = 1): Promise<number> {
  const { body } = await persist(`read order ${orderId}`, () =>
    h.dv<Row>(
      'GET',
      `salesorders(${orderId})?$select=ordernumber&$expand=order_details($select=salesorderdetailid,quantity)`,
    ),
  );
  const lines = (body['order_details'] as Row[] | undefined) ?? [];
  const line = [...lines].sort((a, b) =>
    String(a['salesorderdetailid']).localeCompare(String(b['salesorderdetailid'])),
  )[0];
  if (!line) throw new Error(`order ${orderId} has no line`);
  const quantity = Number(line['quantity']) + by;
  const response = await persist(`update order ${orderId}`, () =>
    h.dv('PATCH', `salesorderdetails(${line['salesorderdetailid']})`, { quantity }),
  );
  if (response.status >= 300) throw new Error(`PATCH salesorderdetails: ${response.status}`);
  return quantity;
}
