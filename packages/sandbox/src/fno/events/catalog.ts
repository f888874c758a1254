import type { PostedInvoice } from '../invoicing/post-invoice';
import type { EntityChange } from '../store/changes';
import {
  EMPTY_ISO_DATE,
  EMPTY_WCF_DATE,
  NIL_GUID,
  type Payload,
  type PayloadValue,
  sortKeys,
  wcfDay,
} from './envelope';

/** A data member of an event contract, as the catalog's "Payload" tab lists it. */
export interface CatalogField {
  name: string;
  /** X++ type family; decides the "Download schema" default. */
  type: 'String' | 'Enum' | 'Date' | 'Real';
  description: string;
}

/** One entry of System administration > Setup > Business events > Business event catalog. */
export interface CatalogEvent {
  businessEventId: string;
  name: string;
  description: string;
  category: string;
  /** true: Microsoft's standard event; false: a partner extension this integration ships (UNCONFIRMED). */
  standard: boolean;
  majorVersion: number;
  minorVersion: number;
  fields: readonly CatalogField[];
}

export const SALES_INVOICE_POSTED = 'SalesInvoicePostedBusinessEvent';
export const CUSTOMER_CHANGED = 'CustomerChangedBusinessEvent';
export const RELEASED_PRODUCT_CHANGED = 'ReleasedProductChangedBusinessEvent';

/**
 * The catalog: Microsoft's "Invoice is created from a sales order" (`SalesInvoicePostedBusinessEvent`,
 * data members exactly those of `SalesInvoicePostedBusinessEventContract` in the business events
 * developer documentation) and two partner events for this integration, whose ids, names and data
 * members are ours (UNCONFIRMED: there is no standard customer or product event, fno.md §7).
 */
export const CATALOG: readonly CatalogEvent[] = [
  {
    businessEventId: SALES_INVOICE_POSTED,
    name: 'Invoice is created from a sales order',
    description: 'Sales order invoice posted',
    category: 'Accounts receivable',
    standard: true,
    majorVersion: 0,
    minorVersion: 0,
    fields: [
      { name: 'InvoiceAccount', type: 'String', description: 'Invoice account' },
      { name: 'InvoiceAmountInAccountingCurrency', type: 'Real', description: 'Invoice amount' },
      { name: 'InvoiceDate', type: 'Date', description: 'Invoice date' },
      { name: 'InvoiceDueDate', type: 'Date', description: 'Due date' },
      { name: 'InvoiceId', type: 'String', description: 'Invoice' },
      { name: 'InvoiceTaxAmount', type: 'Real', description: 'Sales tax amount' },
      { name: 'LegalEntity', type: 'String', description: 'Legal entity' },
      { name: 'SalesOrderId', type: 'String', description: 'Sales order' },
    ],
  },
  {
    businessEventId: CUSTOMER_CHANGED,
    name: 'Customer changed',
    description: 'A customer was created or updated (ml-connector extension)',
    category: 'Accounts receivable',
    standard: false,
    majorVersion: 1,
    minorVersion: 0,
    fields: [
      { name: 'ChangeType', type: 'Enum', description: 'Created or Updated' },
      { name: 'CustomerAccount', type: 'String', description: 'Customer account' },
      { name: 'LegalEntity', type: 'String', description: 'Legal entity' },
    ],
  },
  {
    businessEventId: RELEASED_PRODUCT_CHANGED,
    name: 'Released product changed',
    description:
      'A released product was created or updated, or its sales price changed (ml-connector extension)',
    category: 'Product information management',
    standard: false,
    majorVersion: 1,
    minorVersion: 0,
    fields: [
      { name: 'ChangeType', type: 'Enum', description: 'Created, Updated or PriceChanged' },
      { name: 'ItemNumber', type: 'String', description: 'Item number' },
      { name: 'LegalEntity', type: 'String', description: 'Legal entity' },
      { name: 'ProductNumber', type: 'String', description: 'Product number' },
    ],
  },
];

export function catalogEvent(businessEventId: string): CatalogEvent | undefined {
  return CATALOG.find((event) => event.businessEventId.toLowerCase() === businessEventId.toLowerCase());
}

function emptyValue(field: CatalogField): PayloadValue {
  switch (field.type) {
    case 'Date':
      return EMPTY_WCF_DATE;
    case 'Real':
      return 0;
    default:
      return '';
  }
}

/**
 * "Download schema": the event's payload with every value at its default, as in the captured
 * sample (empty strings, zeros, 1900-01-01, nil user, `ParentContextRecordSubjects: null`).
 */
export function schemaSample(event: CatalogEvent): Payload {
  const payload: Payload = {
    BusinessEventId: '',
    BusinessEventLegalEntity: '',
    ContextRecordSubject: '',
    ControlNumber: 0,
    EventId: '',
    EventTime: EMPTY_WCF_DATE,
    EventTimeIso8601: EMPTY_ISO_DATE,
    InitiatingUserAADObjectId: `{${NIL_GUID}}`,
    MajorVersion: 0,
    MinorVersion: 0,
    ParentContextRecordSubjects: null,
  };
  for (const field of event.fields) payload[field.name] = emptyValue(field);
  return sortKeys(payload);
}

/** An event raised by a committed change, before it gets its control number and id. */
export interface RaisedEvent {
  businessEventId: string;
  legalEntity: string;
  fields: Payload;
}

/** Changes to these ReleasedProductsV2 properties alone are a price change. */
const PRICE_PROPERTIES = new Set(['SalesPrice', 'SalesPriceQuantity', 'SalesPriceDate']);

/**
 * The events one committed transaction raises, at most one per event and record: customer
 * creates/updates, released-product creates/updates, sales price agreement changes (the item's
 * product event) and order headers that became Invoiced (`invoices` holds the posted invoice).
 */
export function eventsFromChanges(
  changes: readonly EntityChange[],
  invoiceFor: (legalEntity: string, salesOrderNumber: string) => PostedInvoice | undefined,
): RaisedEvent[] {
  const raised = new Map<string, RaisedEvent>();
  const add = (event: RaisedEvent, key: string): void => {
    const id = `${event.businessEventId}\u0001${event.legalEntity}\u0001${key.toLowerCase()}`;
    const existing = raised.get(id);
    // Created wins over a later update of the same record in the same transaction.
    if (existing && existing.fields['ChangeType'] === 'Created') return;
    raised.set(id, event);
  };
  for (const change of changes) {
    const legalEntity = change.legalEntity ?? '';
    const text = (name: string): string => String(change.values[name] ?? change.keys[name] ?? '');
    switch (change.entitySet) {
      case 'CustomersV3': {
        if (change.operation === 'delete') break;
        const account = text('CustomerAccount');
        add(
          {
            businessEventId: CUSTOMER_CHANGED,
            legalEntity,
            fields: {
              ChangeType: change.operation === 'create' ? 'Created' : 'Updated',
              CustomerAccount: account,
              LegalEntity: legalEntity,
            },
          },
          account,
        );
        break;
      }
      case 'ReleasedProductsV2': {
        if (change.operation === 'delete') break;
        const item = text('ItemNumber');
        const priceOnly =
          change.changed.length > 0 && change.changed.every((name) => PRICE_PROPERTIES.has(name));
        add(
          {
            businessEventId: RELEASED_PRODUCT_CHANGED,
            legalEntity,
            fields: {
              ChangeType: change.operation === 'create' ? 'Created' : priceOnly ? 'PriceChanged' : 'Updated',
              ItemNumber: item,
              LegalEntity: legalEntity,
              ProductNumber: text('ProductNumber') || item,
            },
          },
          item,
        );
        break;
      }
      case 'SalesPriceAgreements': {
        const item = text('ItemNumber');
        if (!item) break;
        add(
          {
            businessEventId: RELEASED_PRODUCT_CHANGED,
            legalEntity,
            fields: {
              ChangeType: 'PriceChanged',
              ItemNumber: item,
              LegalEntity: legalEntity,
              ProductNumber: text('ProductNumber') || item,
            },
          },
          item,
        );
        break;
      }
      case 'SalesOrderHeadersV2': {
        if (change.operation !== 'update' || !change.changed.includes('SalesOrderStatus')) break;
        if (change.values['SalesOrderStatus'] !== 'Invoiced') break;
        const invoice = invoiceFor(legalEntity, text('SalesOrderNumber'));
        if (!invoice) break;
        add(
          {
            businessEventId: SALES_INVOICE_POSTED,
            legalEntity,
            fields: {
              InvoiceAccount: invoice.invoiceAccount,
              InvoiceAmountInAccountingCurrency: invoice.amountInAccountingCurrency,
              InvoiceDate: wcfDay(invoice.invoiceDate),
              InvoiceDueDate: wcfDay(invoice.dueDate),
              InvoiceId: invoice.invoiceId,
              InvoiceTaxAmount: invoice.taxAmount,
              LegalEntity: legalEntity,
              SalesOrderId: invoice.salesOrderNumber,
            },
          },
          invoice.invoiceId,
        );
        break;
      }
      default:
        break;
    }
  }
  return [...raised.values()];
}
