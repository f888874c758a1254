import {
  type ConnectorContext,
  type FnoConfig,
  type FnoSalesOrder,
  readSalesOrder,
  type UpdateSalesOrderInput,
  updateSalesOrder,
} from '@mlc/connectors';
import { diffFnoSalesOrder, type FnoSalesOrderDiff, type MappedSalesOrder } from '@mlc/mappings';
import { FlowError } from '../engine/errors';

/**
 * A deal already has its F&O order and the CRM side changed: the order is brought in line while
 * F&O has not progressed it (header fields, added/removed/changed lines, in one changeset), and
 * left alone once it has (the caller records why).
 *
 * The F&O order as it is now is compared with the new mapping, on the properties the mapping
 * writes only (F&O fills others itself: a default shipping date, a zero discount), so our own
 * defaults never count as changes. Lines are matched by item and description, in order
 * (`diffFnoSalesOrder`): the CRM line ids are not stored in F&O.
 */
export type OrderUpdateOutcome =
  | { outcome: 'updated' | 'unchanged'; diff: Summary; salesOrderNumber: string }
  | { outcome: 'progressed'; reason: string; salesOrderNumber: string };

interface Summary {
  header: string[];
  added: number;
  removed: number;
  changed: number;
}

export async function updateDealOrder(
  ctx: ConnectorContext,
  config: FnoConfig,
  target: { legalEntity: string; salesOrderNumber: string },
  next: MappedSalesOrder,
): Promise<OrderUpdateOutcome> {
  const current = await readSalesOrder(ctx, config, target, { priority: 'live' });
  if (!current) {
    throw new FlowError(
      'fno_order_missing',
      `F&O sales order ${target.salesOrderNumber} (${target.legalEntity}) that this deal was synced to no longer exists.`,
      {
        remedy:
          'If it was deleted on purpose, unlink the deal in the portal and replay to create a new order; otherwise restore it in F&O.',
      },
    );
  }
  if (current.progressed.yes) {
    return {
      outcome: 'progressed',
      reason: `F&O has progressed sales order ${current.salesOrderNumber} (${current.progressed.reason ?? current.status}): the CRM change is not applied. Change the order in F&O if needed.`,
      salesOrderNumber: current.salesOrderNumber,
    };
  }
  const diff = diffFnoSalesOrder(asMapped(current, next), next);
  if (diff.identityChanged) {
    throw new FlowError(
      'deal_moved',
      `The deal now maps to ${next.header.dataAreaId}/${next.naturalKey}, but its F&O order ${current.salesOrderNumber} is in ${current.dataAreaId}: an order cannot move between legal entities.`,
      {
        remedy:
          'Cancel the F&O order, unlink the deal in the portal and replay to create it in the new legal entity.',
      },
    );
  }
  const summary: Summary = {
    header: diff.header.map((change) => change.field),
    added: diff.lines.added.length,
    removed: diff.lines.removed.length,
    changed: diff.lines.changed.length,
  };
  if (diff.unchanged)
    return { outcome: 'unchanged', diff: summary, salesOrderNumber: current.salesOrderNumber };
  await updateSalesOrder(ctx, config, toUpdate(current, diff));
  return { outcome: 'updated', diff: summary, salesOrderNumber: current.salesOrderNumber };
}

/** The F&O order in the mapping's shape, limited to the properties `next` writes. */
function asMapped(current: FnoSalesOrder, next: MappedSalesOrder): MappedSalesOrder {
  const header: Record<string, unknown> = {
    dataAreaId: current.dataAreaId,
    CustomersOrderReference: current.customersOrderReference,
  };
  for (const field of Object.keys(next.header)) {
    if (field in current.header)
      header[field] = emptyAsUndefined(current.header[field as keyof typeof current.header]);
  }
  const written = new Set(next.lines.flatMap((line) => Object.keys(line.line)));
  const lines = current.lines.map((line) => {
    const all: Record<string, unknown> = {
      dataAreaId: current.dataAreaId,
      LineNumber: line.lineNumber,
      ItemNumber: line.itemNumber,
      OrderedSalesQuantity: line.orderedSalesQuantity,
      SalesUnitSymbol: line.salesUnitSymbol,
      SalesPrice: line.salesPrice,
      SalesPriceQuantity: line.salesPriceQuantity,
      LineDiscountAmount: line.lineDiscountAmount,
      LineDescription: line.lineDescription,
      RequestedShippingDate: line.requestedShippingDate,
    };
    const kept = Object.fromEntries(
      Object.entries(all).filter(
        ([field]) => written.has(field) || field === 'ItemNumber' || field === 'LineNumber',
      ),
    );
    // A description F&O copied from the product is not one we wrote.
    if (!written.has('LineDescription')) delete kept['LineDescription'];
    return {
      sourceLineId: line.inventoryLotId,
      line: kept as unknown as MappedSalesOrder['lines'][number]['line'],
    };
  });
  return {
    naturalKey: current.customersOrderReference,
    header: header as unknown as MappedSalesOrder['header'],
    lines,
  };
}

function emptyAsUndefined(value: unknown): unknown {
  return value === '' || value === null ? undefined : value;
}

function toUpdate(current: FnoSalesOrder, diff: FnoSalesOrderDiff): UpdateSalesOrderInput {
  const lastLine = Math.max(0, ...current.lines.map((line) => line.lineNumber));
  const header = Object.fromEntries(diff.header.map((change) => [change.field, change.to]));
  return {
    legalEntity: current.dataAreaId,
    salesOrderNumber: current.salesOrderNumber,
    ...(Object.keys(header).length > 0 ? { header } : {}),
    addLines: diff.lines.added.map((line, index) => ({ ...line.line, LineNumber: lastLine + index + 1 })),
    updateLines: diff.lines.changed.map((change) => ({
      inventoryLotId: change.previous.sourceLineId,
      changes: Object.fromEntries(change.fields.map((field) => [field.field, field.to])),
    })),
    removeLines: diff.lines.removed.map((line) => line.sourceLineId),
  } as UpdateSalesOrderInput;
}
