import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { ConnectorError, isConnectorError } from '../core/errors';
import { type BatchOperation, sendChangeset } from './batch';
import type { FnoConfig } from './config';
import { salesOrderHeaderEntity, salesOrderLineEntity } from './entities';
import { FnoApi, keyPredicate } from './odata';
import {
  type FnoSalesOrder,
  type FnoSalesOrderLine,
  readSalesOrder,
  salesOrderKeySchema,
} from './sales-order-read';

/**
 * `updateSalesOrder`: applies CRM changes (the output of `diffFnoSalesOrder` in `@mlc/mappings`,
 * F&O property names) to an F&O sales order that F&O has not progressed, in **one atomic `$batch`
 * changeset** (fno.md §5): the header `PATCH`, line `DELETE`s, line `PATCH`es, then line `POST`s.
 *
 * - Input is checked by zod before anything is sent: only the allow-listed properties (below),
 *   lines of the order's legal entity, no lot both updated and removed.
 * - Every attempt **reads the order first** (`readSalesOrder`, one request) and plans only what is
 *   still to do: header values already equal are not sent, lines already removed are skipped, line
 *   changes already applied are not sent, and an added line whose `LineNumber` is already on the
 *   order with the same `ItemNumber` counts as added. So running it again (after a crash, or a lost
 *   answer) applies nothing twice — provided added lines carry a `LineNumber` (the worker numbers
 *   them after the order's last line). A progressed order (see `sales-order-read.ts`) is refused
 *   with `conflict`; a missing order with `not_found`; a lot to update that is not on the order
 *   with `not_found`; a `LineNumber` held by another item with `conflict`.
 * - A refusal by F&O is `validation_failed` (or F&O's code) naming the operation (the header, the
 *   line with its lot and item, or the added line) with F&O's Infolog in `upstream.infolog`, and a
 *   remedy; the changeset is atomic, so nothing was changed.
 * - `outcome_unknown` (connection lost after sending): after `outcomeUnknownRecheckMs` the order is
 *   read again and what is still missing is sent once more (the changeset is atomic: all or
 *   nothing of it is there). With an added line that has no `LineNumber` it cannot tell, so the
 *   `outcome_unknown` is returned with a remedy instead of risking a duplicate line.
 *
 * Run one update per order at a time (the worker's job key).
 */

const text = (max: number) => z.string().trim().max(max);
/** An AX date: `YYYY-MM-DD` or a date-time of that day (the mapping sends `…T12:00:00Z`). */
const axDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(?:T.*)?$/, 'expected a date (YYYY-MM-DD or YYYY-MM-DDT12:00:00Z)')
  .refine((value) => !Number.isNaN(Date.parse(`${value.slice(0, 10)}T12:00:00Z`)), 'not a date')
  .transform((value) => `${value.slice(0, 10)}T12:00:00Z`);

/** Header properties that may change (the ones the mapping writes); null clears a text or date. */
export const salesOrderHeaderChangesSchema = z.strictObject({
  OrderingCustomerAccountNumber: text(20).min(1).optional(),
  CurrencyCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/)
    .transform((value) => value.toUpperCase())
    .optional(),
  RequestedShippingDate: axDate.nullable().optional(),
  DeliveryAddressStreet: text(250).nullable().optional(),
  DeliveryAddressCity: text(60).nullable().optional(),
  DeliveryAddressZipCode: text(10).nullable().optional(),
  DeliveryAddressCountryRegionId: text(10).nullable().optional(),
});

const lineFields = {
  LineNumber: z.number().positive(),
  ItemNumber: text(20).min(1),
  OrderedSalesQuantity: z.number().positive(),
  SalesUnitSymbol: text(10).min(1),
  SalesPrice: z.number().nonnegative(),
  SalesPriceQuantity: z.number().positive(),
  LineDiscountAmount: z.number().nonnegative(),
  LineDescription: text(1000),
  RequestedShippingDate: axDate,
};

/** A new line (a `FnoSalesOrderLinePayload` of the mapping fits as it is). */
export const salesOrderLineAddSchema = z.strictObject({
  dataAreaId: z.string().optional(),
  LineNumber: lineFields.LineNumber.optional(),
  ItemNumber: lineFields.ItemNumber,
  OrderedSalesQuantity: lineFields.OrderedSalesQuantity,
  SalesUnitSymbol: lineFields.SalesUnitSymbol.optional(),
  SalesPrice: lineFields.SalesPrice.optional(),
  SalesPriceQuantity: lineFields.SalesPriceQuantity.optional(),
  LineDiscountAmount: lineFields.LineDiscountAmount.optional(),
  LineDescription: lineFields.LineDescription.optional(),
  RequestedShippingDate: lineFields.RequestedShippingDate.optional(),
});

/** Changes of an existing line; null clears the discount (0), description ("") or date. */
export const salesOrderLineChangesSchema = z.strictObject({
  LineNumber: lineFields.LineNumber.optional(),
  ItemNumber: lineFields.ItemNumber.optional(),
  OrderedSalesQuantity: lineFields.OrderedSalesQuantity.optional(),
  SalesUnitSymbol: lineFields.SalesUnitSymbol.optional(),
  SalesPrice: lineFields.SalesPrice.optional(),
  SalesPriceQuantity: lineFields.SalesPriceQuantity.optional(),
  LineDiscountAmount: lineFields.LineDiscountAmount.nullable().optional(),
  LineDescription: lineFields.LineDescription.nullable().optional(),
  RequestedShippingDate: lineFields.RequestedShippingDate.nullable().optional(),
});

export const updateSalesOrderSchema = salesOrderKeySchema
  .extend({
    header: salesOrderHeaderChangesSchema.optional(),
    addLines: z.array(salesOrderLineAddSchema).max(2000).optional(),
    updateLines: z
      .array(
        z.strictObject({ inventoryLotId: z.string().trim().min(1), changes: salesOrderLineChangesSchema }),
      )
      .max(2000)
      .optional(),
    removeLines: z.array(z.string().trim().min(1)).max(2000).optional(),
  })
  .superRefine((value, issues) => {
    for (const [index, line] of (value.addLines ?? []).entries()) {
      if (line.dataAreaId !== undefined && line.dataAreaId.toLowerCase() !== value.legalEntity) {
        issues.addIssue({
          code: 'custom',
          path: ['addLines', index, 'dataAreaId'],
          message: `a line of legal entity ${line.dataAreaId} cannot go on an order of ${value.legalEntity}`,
        });
      }
    }
    const removed = new Set((value.removeLines ?? []).map((lot) => lot.toLowerCase()));
    for (const [index, line] of (value.updateLines ?? []).entries()) {
      if (removed.has(line.inventoryLotId.toLowerCase())) {
        issues.addIssue({
          code: 'custom',
          path: ['updateLines', index, 'inventoryLotId'],
          message: `lot ${line.inventoryLotId} is both updated and removed`,
        });
      }
    }
  });

export type UpdateSalesOrderInput = z.input<typeof updateSalesOrderSchema>;
type Input = z.output<typeof updateSalesOrderSchema>;

export interface UpdatedSalesOrder {
  /**
   * `updated`: a changeset was applied by this call (after a lost answer, `applied` is empty and
   * `skipped` lists what the re-read found in place); `unchanged`: everything was already so.
   */
  outcome: 'updated' | 'unchanged';
  /** The order as read after the update. */
  order: FnoSalesOrder;
  applied: {
    /** Header properties sent. */
    header: string[];
    added: { inventoryLotId: string; lineNumber: number; itemNumber: string }[];
    /** Lots patched. */
    updated: string[];
    removed: string[];
  };
  /** What was already done (an earlier run, or the same values): not sent again. */
  skipped: { addedLineNumbers: number[]; updatedLots: string[]; removedLots: string[]; header: string[] };
}

const HEADER = salesOrderHeaderEntity;
const LINES = salesOrderLineEntity;
const EMPTY_DATE = '1900-01-01T12:00:00Z';
const ALLOWED =
  'Header: OrderingCustomerAccountNumber, CurrencyCode, RequestedShippingDate, DeliveryAddressStreet/City/ZipCode/CountryRegionId. ' +
  'Lines: LineNumber, ItemNumber, OrderedSalesQuantity, SalesUnitSymbol, SalesPrice, SalesPriceQuantity, LineDiscountAmount, LineDescription, RequestedShippingDate.';

type Planned =
  | { kind: 'header'; operation: BatchOperation; fields: string[] }
  | { kind: 'remove'; operation: BatchOperation; line: FnoSalesOrderLine }
  | { kind: 'update'; operation: BatchOperation; line: FnoSalesOrderLine }
  | { kind: 'add'; operation: BatchOperation; index: number; body: Record<string, unknown> };

interface Plan {
  operations: Planned[];
  skipped: UpdatedSalesOrder['skipped'];
}

export async function updateSalesOrder(
  ctx: ConnectorContext,
  config: FnoConfig,
  input: UpdateSalesOrderInput,
): Promise<UpdatedSalesOrder> {
  const parsed = updateSalesOrderSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ConnectorError('validation_failed', `The sales order update is not valid: ${issues}`, {
      remedy: `Send only these F&O properties. ${ALLOWED} Lots in updateLines/removeLines are InventoryLotIds of the order.`,
    });
  }
  const request = parsed.data;
  const { legalEntity, salesOrderNumber } = request;
  const api = new FnoApi(ctx, config);
  const what = `sales order ${salesOrderNumber} in ${legalEntity}`;
  const log = ctx.logger.child({ legalEntity, salesOrderNumber });

  for (let attempt = 1; ; attempt++) {
    const order = await readCurrent(ctx, config, request, what);
    const plan = planUpdate(order, request, what);
    if (plan.operations.length === 0) {
      // After a lost answer (attempt 2) the changeset of attempt 1 is what is there now.
      return {
        outcome: attempt > 1 ? 'updated' : 'unchanged',
        order,
        applied: emptyApplied(),
        skipped: plan.skipped,
      };
    }
    try {
      const result = await sendChangeset(
        api,
        plan.operations.map((p) => p.operation),
      );
      if (!result.ok) throw refused(result.error, result.index, plan, request, what);
      const added = plan.operations.flatMap((p, index) => {
        if (p.kind !== 'add') return [];
        const body = parseJson(result.parts[index]?.body ?? '');
        const line = z
          .looseObject({ InventoryLotId: z.string(), LineNumber: z.number(), ItemNumber: z.string() })
          .safeParse(body);
        if (!line.success) {
          throw new ConnectorError(
            'schema_mismatch',
            `The answer to added line ${p.index + 1} of ${what} has no InventoryLotId.`,
          );
        }
        return [
          {
            inventoryLotId: line.data.InventoryLotId,
            lineNumber: line.data.LineNumber,
            itemNumber: line.data.ItemNumber,
          },
        ];
      });
      const after = (await readSalesOrder(ctx, config, { legalEntity, salesOrderNumber })) ?? order;
      log.info({ operations: plan.operations.length }, 'F&O sales order updated');
      return {
        outcome: 'updated',
        order: after,
        applied: {
          header: plan.operations.flatMap((p) => (p.kind === 'header' ? p.fields : [])),
          added,
          updated: plan.operations.flatMap((p) => (p.kind === 'update' ? [p.line.inventoryLotId] : [])),
          removed: plan.operations.flatMap((p) => (p.kind === 'remove' ? [p.line.inventoryLotId] : [])),
        },
        skipped: plan.skipped,
      };
    } catch (error) {
      if (!isConnectorError(error) || error.code !== 'outcome_unknown') throw error;
      const unnumbered = (request.addLines ?? []).some((line) => line.LineNumber === undefined);
      if (unnumbered || attempt >= 2) {
        throw new ConnectorError('outcome_unknown', `${error.message} (updating ${what})`, {
          ...(error.upstream ? { upstream: error.upstream } : {}),
          remedy: unnumbered
            ? 'Check the order in F&O before running the update again: an added line without LineNumber cannot be recognised, so it is not resent automatically. Give added lines a LineNumber to make re-runs safe.'
            : 'Run the update again: it reads the order first and applies only what is missing.',
          cause: error,
        });
      }
      log.info('order update: outcome unknown, reading the order again before resending what is missing');
      if (config.outcomeUnknownRecheckMs > 0)
        await ctx.clock.sleep(config.outcomeUnknownRecheckMs, ctx.signal);
    }
  }
}

async function readCurrent(
  ctx: ConnectorContext,
  config: FnoConfig,
  request: Input,
  what: string,
): Promise<FnoSalesOrder> {
  const order = await readSalesOrder(ctx, config, {
    legalEntity: request.legalEntity,
    salesOrderNumber: request.salesOrderNumber,
  });
  if (!order) {
    throw new ConnectorError('not_found', `F&O has no ${what}.`, {
      remedy:
        'The order was deleted or renumbered in F&O. Check Accounts receivable > Orders > All sales orders; to send the CRM order again, remove its link to the F&O order first.',
    });
  }
  if (order.progressed.yes) {
    throw new ConnectorError(
      'conflict',
      `F&O has progressed ${what} (${order.progressed.reason}): changes from Dynamics 365 Sales are no longer applied to it.`,
      {
        remedy:
          'Make the change in F&O (or with a new order) if it is still needed; the CRM order and the F&O order now differ.',
      },
    );
  }
  return order;
}

function planUpdate(order: FnoSalesOrder, request: Input, what: string): Plan {
  const { legalEntity } = request;
  const operations: Planned[] = [];
  const skipped: Plan['skipped'] = { addedLineNumbers: [], updatedLots: [], removedLots: [], header: [] };
  const orderPath = `${HEADER.entitySet}(${keyPredicate(HEADER.keyFields, { dataAreaId: legalEntity, SalesOrderNumber: order.salesOrderNumber })})`;
  const linePath = (lot: string) =>
    `${LINES.entitySet}(${keyPredicate(LINES.keyFields, { dataAreaId: legalEntity, InventoryLotId: lot })})`;
  const byLot = new Map(order.lines.map((line) => [line.inventoryLotId.toLowerCase(), line]));

  // Header.
  const headerBody: Record<string, unknown> = {};
  const headerChanges = Object.entries(request.header ?? {}).sort(([a], [b]) => a.localeCompare(b));
  for (const [field, value] of headerChanges) {
    if (value === undefined) continue;
    const wire = toWire(field, value);
    const current = (order.header as unknown as Record<string, unknown>)[field];
    if (sameWire(field, current, wire)) skipped.header.push(field);
    else headerBody[field] = wire;
  }
  if (Object.keys(headerBody).length > 0) {
    operations.push({
      kind: 'header',
      operation: { method: 'PATCH', path: orderPath, body: headerBody },
      fields: Object.keys(headerBody),
    });
  }

  // Removed lines.
  const removed = new Set<string>();
  for (const lot of request.removeLines ?? []) {
    const line = byLot.get(lot.toLowerCase());
    if (!line) {
      skipped.removedLots.push(lot);
      continue;
    }
    removed.add(lot.toLowerCase());
    operations.push({
      kind: 'remove',
      operation: { method: 'DELETE', path: linePath(line.inventoryLotId) },
      line,
    });
  }

  // Changed lines.
  for (const { inventoryLotId, changes } of request.updateLines ?? []) {
    const line = byLot.get(inventoryLotId.toLowerCase());
    if (!line) {
      throw new ConnectorError('not_found', `Line lot ${inventoryLotId} is not on ${what}.`, {
        remedy:
          'The line was deleted in F&O, or the lot id belongs to another order: read the order again (readSalesOrder) and match its lines before updating.',
      });
    }
    const body: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      const wire = toWire(field, value);
      if (!sameWire(field, lineValue(line, field), wire)) body[field] = wire;
    }
    if (Object.keys(body).length === 0) {
      skipped.updatedLots.push(line.inventoryLotId);
      continue;
    }
    operations.push({
      kind: 'update',
      operation: { method: 'PATCH', path: linePath(line.inventoryLotId), body },
      line,
    });
  }

  // Added lines: a LineNumber already on the order with the same item was added before.
  const remaining = order.lines.filter((line) => !removed.has(line.inventoryLotId.toLowerCase()));
  for (const [index, add] of (request.addLines ?? []).entries()) {
    if (add.LineNumber !== undefined) {
      const holder = remaining.find((line) => line.lineNumber === add.LineNumber);
      if (holder && holder.itemNumber.toLowerCase() === add.ItemNumber.toLowerCase()) {
        skipped.addedLineNumbers.push(add.LineNumber);
        continue;
      }
      if (holder) {
        throw new ConnectorError(
          'conflict',
          `Line number ${add.LineNumber} of ${what} is held by item ${holder.itemNumber} (lot ${holder.inventoryLotId}), not ${add.ItemNumber}.`,
          {
            remedy:
              'Someone added or renumbered lines in F&O: number the new lines after the order’s last line (read it again), then update again.',
          },
        );
      }
    }
    const { dataAreaId: _ignored, ...fields } = add;
    const body: Record<string, unknown> = {
      dataAreaId: legalEntity,
      SalesOrderNumber: order.salesOrderNumber,
      ...fields,
    };
    if (fields.SalesPrice !== undefined && fields.SalesPriceQuantity === undefined)
      body['SalesPriceQuantity'] = 1;
    operations.push({ kind: 'add', operation: { method: 'POST', path: LINES.entitySet, body }, index, body });
  }
  return { operations, skipped };
}

/** The value sent to F&O: null clears (strings "", dates F&O's empty date, the discount 0). */
function toWire(field: string, value: unknown): unknown {
  if (value !== null) return value;
  if (field === 'RequestedShippingDate') return EMPTY_DATE;
  if (field === 'LineDiscountAmount') return 0;
  return '';
}

function sameWire(field: string, current: unknown, wire: unknown): boolean {
  if (field === 'RequestedShippingDate') {
    const day = (v: unknown) =>
      typeof v === 'string' && !v.startsWith('1900-01-01') ? v.slice(0, 10) : null;
    return day(current) === day(wire);
  }
  if (typeof current === 'number' && typeof wire === 'number') return Math.abs(current - wire) < 1e-9;
  if (typeof current === 'string' && typeof wire === 'string') {
    // F&O compares codes case-insensitively; descriptions and addresses exactly.
    return /Number|Code|Symbol|Id$/.test(field)
      ? current.toLowerCase() === wire.toLowerCase()
      : current === wire;
  }
  return current === wire;
}

function lineValue(line: FnoSalesOrderLine, field: string): unknown {
  const map: Record<string, unknown> = {
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
  return map[field];
}

/** A refusal of operation `index` of the changeset, naming what it was; nothing was changed. */
function refused(
  error: ConnectorError,
  index: number | undefined,
  plan: Plan,
  request: Input,
  what: string,
): ConnectorError {
  const planned = index === undefined ? undefined : plan.operations[index];
  const subject = !planned
    ? 'the update'
    : planned.kind === 'header'
      ? `the header change (${planned.fields.join(', ')})`
      : planned.kind === 'add'
        ? `added line ${planned.index + 1} (item ${String(request.addLines?.[planned.index]?.ItemNumber)}${request.addLines?.[planned.index]?.LineNumber === undefined ? '' : `, line number ${request.addLines?.[planned.index]?.LineNumber}`})`
        : `${planned.kind === 'remove' ? 'removing' : 'the change of'} line ${planned.line.lineNumber} (lot ${planned.line.inventoryLotId}, item ${planned.line.itemNumber})`;
  const detail = error.upstream?.message ?? error.message;
  return new ConnectorError(error.code, `F&O refused ${subject} of ${what}: ${detail}`, {
    ...(error.upstream ? { upstream: error.upstream } : {}),
    remedy:
      error.code === 'validation_failed'
        ? 'Correct what F&O names in its message (in Dynamics 365 Sales, or the F&O setup it refers to, e.g. release the item to this legal entity), then sync the order again. Nothing of this update was applied (one atomic changeset).'
        : (error.remedy ?? 'The sync tries again later.'),
    cause: error,
  });
}

function emptyApplied(): UpdatedSalesOrder['applied'] {
  return { header: [], added: [], updated: [], removed: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
