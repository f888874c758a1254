import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { ConnectorError } from '../core/errors';
import type { Priority } from '../http/budget';
import { schemaMismatch } from '../http/errors';
import { type FnoConfig, legalEntityIdSchema } from './config';
import { dateTimeOffset, salesOrderHeaderEntity } from './entities';
import { FnoApi } from './odata';

/**
 * `readSalesOrder`: one F&O sales order with its lines in one request,
 * `SalesOrderHeadersV2(dataAreaId='x',SalesOrderNumber='y')?$select=…&$expand=SalesOrderLines($select=…)&cross-company=true`
 * (fno.md §4: a first-level `$expand` with `$select` inside), and whether F&O has **progressed** it.
 *
 * Progressed (CRM changes must no longer be applied to it) when any of these holds:
 * - the header's `SalesOrderStatus` (enum SalesStatus: None|Backorder|Delivered|Invoiced|Canceled,
 *   fno.md §3) is not `Backorder` (open order): delivered, invoiced, canceled, or `None`;
 * - the header's `SalesOrderProcessingStatus` is one of Picked, PartiallyDelivered, Delivered,
 *   PartiallyInvoiced, DeliveredPartiallyInvoiced, Invoiced, Canceled (fno.md §3): goods were picked
 *   or shipped, or something was invoiced, while the order as a whole is still open;
 * - any line's `SalesOrderLineStatus` is not `Backorder` (a line delivered, invoiced or canceled).
 * `Active` and `Confirmed` are not progressed: F&O lets a confirmed order change (it is confirmed
 * again). `SalesOrderLines` has no picked or delivered quantity (fno-entity-fields.txt; only
 * `CDSSalesOrderLines` has `PickedQuantity`), so picking is seen through the processing status.
 * Unknown processing statuses count as not progressed; unknown sales statuses as progressed.
 */

export const salesOrderKeySchema = z.object({
  legalEntity: legalEntityIdSchema,
  salesOrderNumber: z.string().trim().min(1).max(20),
});
export type SalesOrderKey = z.input<typeof salesOrderKeySchema>;

/** The header properties the sales-order mapping writes (F&O names), as F&O holds them. */
export interface FnoSalesOrderHeaderFields {
  OrderingCustomerAccountNumber: string;
  CurrencyCode: string;
  /** `YYYY-MM-DDT12:00:00Z`, null when empty. */
  RequestedShippingDate: string | null;
  DeliveryAddressStreet: string;
  DeliveryAddressCity: string;
  DeliveryAddressZipCode: string;
  DeliveryAddressCountryRegionId: string;
}

export interface FnoSalesOrderLine {
  /** The line's key (with dataAreaId). */
  inventoryLotId: string;
  lineNumber: number;
  itemNumber: string;
  orderedSalesQuantity: number;
  salesUnitSymbol: string;
  salesPrice: number;
  salesPriceQuantity: number;
  lineDiscountAmount: number;
  lineDescription: string;
  requestedShippingDate: string | null;
  lineAmount: number;
  /** `SalesOrderLineStatus` (SalesStatus): `Backorder` while open; `Delivered`, `Invoiced`, `Canceled`. */
  status: string;
}

export interface FnoSalesOrder {
  dataAreaId: string;
  salesOrderNumber: string;
  customersOrderReference: string;
  /** `SalesOrderStatus` as F&O returns it (SalesStatus: None|Backorder|Delivered|Invoiced|Canceled). */
  status: string;
  /** `SalesOrderProcessingStatus` as F&O returns it (Active, Confirmed, Picked, …). */
  processingStatus: string;
  etag: string | null;
  progressed: { yes: boolean; reason?: string };
  header: FnoSalesOrderHeaderFields;
  /** By LineNumber, then lot id. */
  lines: FnoSalesOrderLine[];
}

export const HEADER_FIELDS = [
  'OrderingCustomerAccountNumber',
  'CurrencyCode',
  'RequestedShippingDate',
  'DeliveryAddressStreet',
  'DeliveryAddressCity',
  'DeliveryAddressZipCode',
  'DeliveryAddressCountryRegionId',
] as const satisfies readonly (keyof FnoSalesOrderHeaderFields)[];

const lineRow = z.object({
  InventoryLotId: z.string(),
  LineNumber: z.number(),
  ItemNumber: z.string(),
  OrderedSalesQuantity: z.number(),
  SalesUnitSymbol: z.string(),
  SalesPrice: z.number(),
  SalesPriceQuantity: z.number(),
  LineDiscountAmount: z.number(),
  LineDescription: z.string(),
  RequestedShippingDate: dateTimeOffset,
  LineAmount: z.number(),
  SalesOrderLineStatus: z.string(),
});

const headerRow = z.object({
  '@odata.etag': z.string().optional(),
  dataAreaId: z.string(),
  SalesOrderNumber: z.string(),
  CustomersOrderReference: z.string(),
  SalesOrderStatus: z.string(),
  SalesOrderProcessingStatus: z.string(),
  OrderingCustomerAccountNumber: z.string(),
  CurrencyCode: z.string(),
  RequestedShippingDate: dateTimeOffset,
  DeliveryAddressStreet: z.string(),
  DeliveryAddressCity: z.string(),
  DeliveryAddressZipCode: z.string(),
  DeliveryAddressCountryRegionId: z.string(),
  SalesOrderLines: z.array(lineRow),
});

const HEADER_SELECT = Object.keys(headerRow.shape).filter(
  (name) => !name.startsWith('@') && name !== 'SalesOrderLines',
);
const LINE_SELECT = Object.keys(lineRow.shape);

const OPEN_STATUS = 'Backorder';
const PROGRESSED_PROCESSING = new Set([
  'Picked',
  'PartiallyDelivered',
  'Delivered',
  'PartiallyInvoiced',
  'DeliveredPartiallyInvoiced',
  'Invoiced',
  'Canceled',
]);

export async function readSalesOrder(
  ctx: ConnectorContext,
  config: FnoConfig,
  key: SalesOrderKey,
  options: { priority?: Priority } = {},
): Promise<FnoSalesOrder | undefined> {
  const parsedKey = salesOrderKeySchema.safeParse(key);
  if (!parsedKey.success) {
    throw new ConnectorError(
      'validation_failed',
      `Not a sales order key: ${parsedKey.error.issues[0]?.message}`,
    );
  }
  const { legalEntity, salesOrderNumber } = parsedKey.data;
  const api = new FnoApi(ctx, config);
  const raw = await api.getEntity<unknown>(
    salesOrderHeaderEntity.entitySet,
    salesOrderHeaderEntity.keyFields,
    { dataAreaId: legalEntity, SalesOrderNumber: salesOrderNumber },
    z.unknown(),
    {
      select: HEADER_SELECT,
      expand: `SalesOrderLines($select=${LINE_SELECT.join(',')})`,
      companyScoped: true,
      priority: options.priority ?? 'live',
    },
  );
  if (raw === undefined) return undefined;
  const parsed = headerRow.safeParse(raw);
  if (!parsed.success) {
    throw schemaMismatch(`Sales order ${salesOrderNumber} in ${legalEntity}`, parsed.error);
  }
  return toSalesOrder(parsed.data);
}

function toSalesOrder(row: z.output<typeof headerRow>): FnoSalesOrder {
  const lines = row.SalesOrderLines.map(
    (line): FnoSalesOrderLine => ({
      inventoryLotId: line.InventoryLotId,
      lineNumber: line.LineNumber,
      itemNumber: line.ItemNumber,
      orderedSalesQuantity: line.OrderedSalesQuantity,
      salesUnitSymbol: line.SalesUnitSymbol,
      salesPrice: line.SalesPrice,
      salesPriceQuantity: line.SalesPriceQuantity,
      lineDiscountAmount: line.LineDiscountAmount,
      lineDescription: line.LineDescription,
      requestedShippingDate: line.RequestedShippingDate,
      lineAmount: line.LineAmount,
      status: line.SalesOrderLineStatus,
    }),
  ).sort((a, b) => a.lineNumber - b.lineNumber || a.inventoryLotId.localeCompare(b.inventoryLotId));
  const header: FnoSalesOrderHeaderFields = {
    OrderingCustomerAccountNumber: row.OrderingCustomerAccountNumber,
    CurrencyCode: row.CurrencyCode,
    RequestedShippingDate: row.RequestedShippingDate,
    DeliveryAddressStreet: row.DeliveryAddressStreet,
    DeliveryAddressCity: row.DeliveryAddressCity,
    DeliveryAddressZipCode: row.DeliveryAddressZipCode,
    DeliveryAddressCountryRegionId: row.DeliveryAddressCountryRegionId,
  };
  return {
    dataAreaId: row.dataAreaId,
    salesOrderNumber: row.SalesOrderNumber,
    customersOrderReference: row.CustomersOrderReference,
    status: row.SalesOrderStatus,
    processingStatus: row.SalesOrderProcessingStatus,
    etag: row['@odata.etag'] ?? null,
    progressed: progressedOf(row.SalesOrderStatus, row.SalesOrderProcessingStatus, lines),
    header,
    lines,
  };
}

/** The rule in the module comment. */
export function progressedOf(
  status: string,
  processingStatus: string,
  lines: readonly Pick<FnoSalesOrderLine, 'status' | 'lineNumber' | 'inventoryLotId' | 'itemNumber'>[],
): { yes: boolean; reason?: string } {
  if (status !== OPEN_STATUS) {
    return { yes: true, reason: `the order's status is ${status || 'empty'}, not an open order (Backorder)` };
  }
  if (PROGRESSED_PROCESSING.has(processingStatus)) {
    return { yes: true, reason: `the order's processing status is ${processingStatus}` };
  }
  const line = lines.find((l) => l.status !== OPEN_STATUS);
  if (line) {
    return {
      yes: true,
      reason: `line ${line.lineNumber} (lot ${line.inventoryLotId}, item ${line.itemNumber}) is ${line.status || 'empty'}`,
    };
  }
  return { yes: false };
}
