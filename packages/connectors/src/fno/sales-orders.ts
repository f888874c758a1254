import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { ConnectorError, isConnectorError } from '../core/errors';
import { type BatchOperation, type BatchPartResult, sendChangeset } from './batch';
import { type FnoConfig, legalEntityIdSchema, SALES_ORDER_NUMBER_MAX } from './config';
import { recheck } from './customers';
import { salesOrderHeaderEntity, salesOrderLineEntity } from './entities';
import { FnoApi, keyPredicate, queryString, sameValue, stringLiteral } from './odata';

/**
 * `createSalesOrder`: a CRM order becomes one F&O sales order with all its lines, exactly once.
 *
 * - The CRM order number is stored on the F&O header as `CustomersOrderReference` (the header's
 *   "customer reference", mapped by dual-write from `msdyn_customersorderreference`, fno.md §8) and
 *   every attempt starts by looking the order up by it: `$filter=dataAreaId eq 'x' and
 *   CustomersOrderReference eq '…'&cross-company=true&$expand=SalesOrderLines`. Found with lines →
 *   returned as it is; found without lines (a crash between header and lines) → the lines are
 *   added (or the header deleted if they fail).
 * - `salesOrderNumbers: 'manual'` (the legal entity's number sequence allows manual numbers): the
 *   number is `salesOrderNumberPrefix` + the CRM order number, known before writing, so header and
 *   lines go in one atomic `$batch` changeset: F&O never holds a header without its lines, and the
 *   key makes a second create impossible.
 * - `sequence` (F&O assigns the number): the lines need the header's number, and Content-ID
 *   references in F&O's `$batch` are UNCONFIRMED (fno.md §5), so the header is created first, then
 *   all lines in one changeset; if the lines fail, the header is deleted again (compensation). For
 *   that short moment F&O holds a header without lines; a crash in it is repaired by the next attempt.
 * - `knownNew` (the caller knows no earlier attempt exists) skips the look-up before the first write.
 * - A write whose outcome is unknown (`outcome_unknown` from the HTTP core) is followed by the
 *   look-up before anything else (again after `outcomeUnknownRecheckMs`), and sent again only
 *   when the order is not there.
 * - Refusals carry F&O's Infolog (`upstream.infolog`) and say which line was refused.
 *
 * Run one attempt per CRM order at a time (the worker's job key): two concurrent attempts for the
 * same order could both miss each other's header.
 */

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();
const isoDate = z.iso.date();

export const salesOrderLineInputSchema = z.object({
  itemNumber: z.string().trim().min(1).max(20),
  quantity: z.number().positive(),
  salesUnitSymbol: optionalText(10),
  /** Unit price; when omitted F&O prices the line (trade agreements, then the item's base price). */
  salesPrice: z.number().nonnegative().optional(),
  lineDiscountAmount: z.number().nonnegative().optional(),
  lineDiscountPercentage: z.number().min(0).max(100).optional(),
  lineDescription: optionalText(1000),
  requestedShippingDate: isoDate.optional(),
  shippingSiteId: optionalText(10),
  shippingWarehouseId: optionalText(10),
});

export const createSalesOrderRecordSchema = z.object({
  legalEntity: legalEntityIdSchema.optional(),
  /** The CRM order number; stored as CustomersOrderReference and used to find the order again. */
  crmOrderNumber: z.string().trim().min(1).max(60),
  customerAccount: z.string().trim().min(1).max(20),
  currencyCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/)
    .transform((value) => value.toUpperCase())
    .optional(),
  /** The customer's own purchase order number. */
  customerRequisitionNumber: optionalText(20),
  salesOrderName: optionalText(60),
  requestedShippingDate: isoDate.optional(),
  requestedReceiptDate: isoDate.optional(),
  /** Where the order is delivered (the CRM order's ship-to address); F&O uses the customer's otherwise. */
  deliveryAddress: z
    .object({
      street: optionalText(250),
      city: optionalText(60),
      zipCode: optionalText(10),
      countryRegionId: optionalText(10),
    })
    .optional(),
  lines: z.array(salesOrderLineInputSchema).min(1).max(2000),
});

export type CreateSalesOrderRecord = z.output<typeof createSalesOrderRecordSchema>;

export interface CreatedSalesOrder {
  dataAreaId: string;
  salesOrderNumber: string;
  /** `found`: it was there already; `completed`: it was there without lines, which were added now. */
  outcome: 'created' | 'found' | 'completed';
  /** Lot ids (the lines' keys) in the order of the record's lines when created now. */
  lines: { inventoryLotId: string; itemNumber: string }[];
}

const lineRow = z.object({ InventoryLotId: z.string(), ItemNumber: z.string() });
const headerWithLines = salesOrderHeaderEntity.row
  .pick({ dataAreaId: true, SalesOrderNumber: true, CustomersOrderReference: true })
  .extend({ SalesOrderLines: z.array(lineRow).default([]) });
type HeaderWithLines = z.output<typeof headerWithLines>;

const ALREADY_EXISTS = /record already exists/i;
const HEADER = salesOrderHeaderEntity;
const LINES = salesOrderLineEntity;

export interface CreateSalesOrderOptions {
  /**
   * The caller vouches that no attempt to create this order can have been made before (its first
   * run, for a CRM order created since the sync was enabled, whose reference no other record
   * shares): the look-up by customer reference before the first write is skipped, which saves one
   * F&O call per order. Every look-up after an unknown outcome (and after "already exists") stays.
   * Wrong use can create a second order: when in doubt, leave it off.
   */
  knownNew?: boolean;
}

export async function createSalesOrder(
  ctx: ConnectorContext,
  config: FnoConfig,
  order: CreateSalesOrderRecord,
  options: CreateSalesOrderOptions = {},
): Promise<CreatedSalesOrder> {
  const api = new FnoApi(ctx, config);
  const legalEntity = order.legalEntity ?? config.defaultLegalEntity;
  const settings = config.legalEntitySettings[legalEntity];
  const reference = order.crmOrderNumber;
  const log = ctx.logger.child({ legalEntity, crmOrderNumber: reference });

  const find = async (): Promise<HeaderWithLines | undefined> => {
    const rows = await api.all(
      `${HEADER.entitySet}${queryString({
        filter: `dataAreaId eq ${stringLiteral(legalEntity)} and CustomersOrderReference eq ${stringLiteral(reference)}`,
        select: ['dataAreaId', 'SalesOrderNumber', 'CustomersOrderReference'],
        expand: 'SalesOrderLines($select=InventoryLotId,ItemNumber)',
        crossCompany: true,
      })}`,
      headerWithLines,
      'live',
    );
    // F&O compares case-insensitively and reads `*` as a wildcard: keep exact matches only.
    const matches = rows.filter((row) => sameValue(row.CustomersOrderReference, reference));
    if (matches.length > 1) {
      throw new ConnectorError(
        'conflict',
        `${matches.length} sales orders in ${legalEntity} carry the customer reference "${reference}": ${matches.map((row) => row.SalesOrderNumber).join(', ')}.`,
        {
          remedy:
            'Cancel or delete the extra orders in F&O (Accounts receivable > Orders > All sales orders), keeping the one the ' +
            'CRM order should point to, then run the sync again.',
        },
      );
    }
    return matches[0];
  };

  const headerBody = (salesOrderNumber?: string): Record<string, unknown> => ({
    dataAreaId: legalEntity,
    ...(salesOrderNumber ? { SalesOrderNumber: salesOrderNumber } : {}),
    OrderingCustomerAccountNumber: order.customerAccount,
    CustomersOrderReference: reference,
    ...(order.currencyCode ? { CurrencyCode: order.currencyCode } : {}),
    ...(order.customerRequisitionNumber
      ? { CustomerRequisitionNumber: order.customerRequisitionNumber }
      : {}),
    ...(order.salesOrderName ? { SalesOrderName: order.salesOrderName } : {}),
    ...(order.requestedShippingDate ? { RequestedShippingDate: dateValue(order.requestedShippingDate) } : {}),
    ...(order.requestedReceiptDate ? { RequestedReceiptDate: dateValue(order.requestedReceiptDate) } : {}),
    ...(order.deliveryAddress?.street ? { DeliveryAddressStreet: order.deliveryAddress.street } : {}),
    ...(order.deliveryAddress?.city ? { DeliveryAddressCity: order.deliveryAddress.city } : {}),
    ...(order.deliveryAddress?.zipCode ? { DeliveryAddressZipCode: order.deliveryAddress.zipCode } : {}),
    ...(order.deliveryAddress?.countryRegionId
      ? { DeliveryAddressCountryRegionId: order.deliveryAddress.countryRegionId }
      : {}),
  });

  const lineOperations = (salesOrderNumber: string): BatchOperation[] =>
    order.lines.map((line) => ({
      method: 'POST',
      path: LINES.entitySet,
      body: {
        dataAreaId: legalEntity,
        SalesOrderNumber: salesOrderNumber,
        ItemNumber: line.itemNumber,
        OrderedSalesQuantity: line.quantity,
        ...(line.salesUnitSymbol ? { SalesUnitSymbol: line.salesUnitSymbol } : {}),
        ...(line.salesPrice === undefined ? {} : { SalesPrice: line.salesPrice, SalesPriceQuantity: 1 }),
        ...(line.lineDiscountAmount === undefined ? {} : { LineDiscountAmount: line.lineDiscountAmount }),
        ...(line.lineDiscountPercentage === undefined
          ? {}
          : { LineDiscountPercentage: line.lineDiscountPercentage }),
        ...(line.lineDescription ? { LineDescription: line.lineDescription } : {}),
        ...(line.requestedShippingDate
          ? { RequestedShippingDate: dateValue(line.requestedShippingDate) }
          : {}),
        ...(line.shippingSiteId ? { ShippingSiteId: line.shippingSiteId } : {}),
        ...(line.shippingWarehouseId ? { ShippingWarehouseId: line.shippingWarehouseId } : {}),
      },
    }));

  /** A refusal of part `index` of a changeset whose first `offset` operations are not lines. */
  const refused = (error: ConnectorError, index: number | undefined, offset: number): ConnectorError => {
    const lineIndex = index === undefined ? undefined : index - offset;
    const line = lineIndex === undefined ? undefined : order.lines[lineIndex];
    const what =
      line && lineIndex !== undefined
        ? `line ${lineIndex + 1} (item ${line.itemNumber})`
        : index === 0 && offset === 1
          ? 'the order header'
          : 'the order';
    const detail = error.upstream?.message ?? error.message;
    return new ConnectorError(
      error.code,
      `F&O refused ${what} of CRM order ${reference} in ${legalEntity}: ${detail}`,
      {
        ...(error.upstream ? { upstream: error.upstream } : {}),
        remedy:
          error.code === 'validation_failed'
            ? 'Correct what F&O names in its message (in Dynamics 365 Sales, or the F&O setup it refers to, e.g. release the item to this legal entity), then sync the order again. Nothing was left in F&O.'
            : (error.remedy ?? 'The sync tries again later.'),
        cause: error,
      },
    );
  };

  const createdLines = (parts: readonly BatchPartResult[], offset: number) =>
    parts.slice(offset).map((part, index) => {
      const parsed = lineRow.safeParse(parseJson(part.body));
      if (!parsed.success) {
        throw new ConnectorError(
          'schema_mismatch',
          `The answer to line ${index + 1} of CRM order ${reference} has no InventoryLotId.`,
        );
      }
      return { inventoryLotId: parsed.data.InventoryLotId, itemNumber: parsed.data.ItemNumber };
    });

  const deleteHeader = async (salesOrderNumber: string): Promise<void> => {
    try {
      await api.request(
        `${HEADER.entitySet}(${keyPredicate(HEADER.keyFields, { dataAreaId: legalEntity, SalesOrderNumber: salesOrderNumber })})`,
        {
          method: 'DELETE',
          priority: 'live',
        },
      );
    } catch (error) {
      if (isConnectorError(error) && error.code === 'not_found') return;
      throw error;
    }
  };

  /** Lines of an existing header in one changeset; the header is deleted again if they fail. */
  const addLinesOrRollBack = async (
    salesOrderNumber: string,
    outcome: 'created' | 'completed',
  ): Promise<CreatedSalesOrder> => {
    let failure: ConnectorError;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await sendChangeset(api, lineOperations(salesOrderNumber));
        if (result.ok) {
          return { dataAreaId: legalEntity, salesOrderNumber, outcome, lines: createdLines(result.parts, 0) };
        }
        failure = refused(result.error, result.index, 0);
        break;
      } catch (error) {
        if (!isConnectorError(error)) throw error;
        failure = error;
        if (error.code !== 'outcome_unknown') break;
        const lines = await recheck(ctx, config, async () => {
          const found = await api.all(
            `${LINES.entitySet}${queryString({
              filter: `dataAreaId eq ${stringLiteral(legalEntity)} and SalesOrderNumber eq ${stringLiteral(salesOrderNumber)}`,
              select: ['InventoryLotId', 'ItemNumber', 'SalesOrderNumber'],
              crossCompany: true,
            })}`,
            lineRow.extend({ SalesOrderNumber: z.string() }),
            'live',
          );
          const mine = found.filter((line) => sameValue(line.SalesOrderNumber, salesOrderNumber));
          return mine.length > 0 ? mine : undefined;
        });
        if (lines) {
          // The changeset is atomic: lines there means all of them are.
          return {
            dataAreaId: legalEntity,
            salesOrderNumber,
            outcome,
            lines: lines.map((line) => ({
              inventoryLotId: line.InventoryLotId,
              itemNumber: line.ItemNumber,
            })),
          };
        }
        if (attempt >= 2) break;
        log.info({ salesOrderNumber }, 'order lines: outcome unknown and not found, sending them again');
      }
    }
    try {
      await deleteHeader(salesOrderNumber);
    } catch (error) {
      throw new ConnectorError(
        failure.code,
        `${failure.message} Sales order ${salesOrderNumber} (customer reference ${reference}) was left without lines: deleting it failed (${isConnectorError(error) ? error.message : String(error)}). The next attempt completes or deletes it.`,
        {
          ...(failure.upstream ? { upstream: failure.upstream } : {}),
          ...(failure.remedy ? { remedy: failure.remedy } : {}),
          cause: failure,
        },
      );
    }
    log.info({ salesOrderNumber, code: failure.code }, 'order lines failed: header deleted again');
    throw failure;
  };

  const returnExisting = async (existing: HeaderWithLines): Promise<CreatedSalesOrder> => {
    if (existing.SalesOrderLines.length > 0) {
      return {
        dataAreaId: legalEntity,
        salesOrderNumber: existing.SalesOrderNumber,
        outcome: 'found',
        lines: existing.SalesOrderLines.map((line) => ({
          inventoryLotId: line.InventoryLotId,
          itemNumber: line.ItemNumber,
        })),
      };
    }
    log.warn(
      { salesOrderNumber: existing.SalesOrderNumber },
      'found the order without lines (an earlier attempt stopped): adding them',
    );
    return addLinesOrRollBack(existing.SalesOrderNumber, 'completed');
  };

  const existing = options.knownNew === true ? undefined : await find();
  if (existing) return returnExisting(existing);

  const manualNumber =
    settings?.salesOrderNumbers === 'manual' ? `${config.salesOrderNumberPrefix}${reference}` : undefined;
  if (manualNumber !== undefined && manualNumber.length > SALES_ORDER_NUMBER_MAX) {
    log.warn(
      { manualNumber },
      `the manual order number would be longer than ${SALES_ORDER_NUMBER_MAX} characters: using the number sequence`,
    );
  }

  if (manualNumber !== undefined && manualNumber.length <= SALES_ORDER_NUMBER_MAX) {
    // Header and lines in one atomic changeset.
    for (let attempt = 1; ; attempt++) {
      try {
        const header: BatchOperation = {
          method: 'POST',
          path: HEADER.entitySet,
          body: headerBody(manualNumber),
        };
        const result = await sendChangeset(api, [header, ...lineOperations(manualNumber)]);
        if (result.ok) {
          return {
            dataAreaId: legalEntity,
            salesOrderNumber: manualNumber,
            outcome: 'created',
            lines: createdLines(result.parts, 1),
          };
        }
        if (result.index === 0 && ALREADY_EXISTS.test(result.error.upstream?.message ?? '')) {
          const byNumber = await api.getEntity(
            HEADER.entitySet,
            HEADER.keyFields,
            { dataAreaId: legalEntity, SalesOrderNumber: manualNumber },
            headerWithLines,
            {
              select: ['dataAreaId', 'SalesOrderNumber', 'CustomersOrderReference'],
              expand: 'SalesOrderLines($select=InventoryLotId,ItemNumber)',
              companyScoped: true,
              priority: 'live',
            },
          );
          if (byNumber && sameValue(byNumber.CustomersOrderReference, reference))
            return returnExisting(byNumber);
          throw new ConnectorError(
            'conflict',
            `Sales order number ${manualNumber} is already used in ${legalEntity} by another order (customer reference "${byNumber?.CustomersOrderReference ?? '?'}").`,
            {
              upstream: result.error.upstream ?? {},
              remedy:
                'Set a salesOrderNumberPrefix for this connection that F&O order numbers never start with, or switch the legal entity to sequence numbering.',
            },
          );
        }
        throw refused(result.error, result.index, 1);
      } catch (error) {
        if (!isConnectorError(error) || error.code !== 'outcome_unknown') throw error;
        const found = await recheck(ctx, config, find);
        if (found) return returnExisting(found);
        if (attempt >= 2) throw error;
        log.info('order changeset: outcome unknown and not found, sending it again');
      }
    }
  }

  // Number from the sequence: header first, then the lines (compensated).
  let salesOrderNumber: string | undefined;
  for (let attempt = 1; salesOrderNumber === undefined; attempt++) {
    try {
      const created = await api.request(HEADER.entitySet, {
        method: 'POST',
        json: headerBody(),
        schema: z.looseObject({ SalesOrderNumber: z.string() }),
        priority: 'live',
      });
      salesOrderNumber = created.body.SalesOrderNumber;
    } catch (error) {
      if (!isConnectorError(error)) throw error;
      if (error.code === 'validation_failed') throw refused(error, 0, 1);
      if (error.code !== 'outcome_unknown') throw error;
      const found = await recheck(ctx, config, find);
      if (found) return returnExisting(found);
      if (attempt >= 2) throw error;
      log.info('order header: outcome unknown and not found, sending it again');
    }
  }
  return addLinesOrRollBack(salesOrderNumber, 'created');
}

/** An AX Date value: the day at 12:00:00Z (fno.md §3). */
function dateValue(date: string): string {
  return `${date}T12:00:00Z`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
