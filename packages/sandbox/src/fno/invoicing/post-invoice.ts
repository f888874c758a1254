import { LEGAL_ENTITY_PROFILES } from '../seed/names';
import type { FnoStore } from '../store/store';
import type { Row } from '../store/table';
import { round2 } from '../wire';

/**
 * Posting the invoice of a sales order (Accounts receivable > Invoice), which F&O does not expose as
 * an OData action the connector uses: the sandbox offers it on its control API
 * (`POST /_sandbox/fno/invoice`) and the activity generator calls it. The order and its lines
 * become Invoiced in one transaction, which raises `SalesInvoicePostedBusinessEvent` after the
 * commit.
 */
export interface PostedInvoice {
  legalEntity: string;
  invoiceId: string;
  salesOrderNumber: string;
  invoiceAccount: string;
  /** The day of posting (UTC midnight). */
  invoiceDate: Date;
  dueDate: Date;
  /** Currency of the order. */
  currency: string;
  amount: number;
  accountingCurrency: string;
  amountInAccountingCurrency: number;
  taxAmount: number;
}

export interface InvoiceRequest {
  dataAreaId: string;
  SalesOrderNumber: string;
}

/** Why an order cannot be invoiced; `status` is what the control API answers. */
export class InvoicingError extends Error {
  override readonly name = 'InvoicingError';
  constructor(
    readonly status: 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Invoices being posted, by company and order number: the business-event listener, which runs
 * inside the commit, reads the invoice of the order whose status changed to Invoiced.
 */
export class InvoiceJournal {
  private readonly pending = new Map<string, PostedInvoice>();

  find(legalEntity: string, salesOrderNumber: string): PostedInvoice | undefined {
    return this.pending.get(journalKey(legalEntity, salesOrderNumber));
  }

  /** Runs `post` with `invoice` visible to `find`. */
  during<T>(invoice: PostedInvoice, post: () => T): T {
    const key = journalKey(invoice.legalEntity, invoice.salesOrderNumber);
    this.pending.set(key, invoice);
    try {
      return post();
    } finally {
      this.pending.delete(key);
    }
  }
}

function journalKey(legalEntity: string, salesOrderNumber: string): string {
  return `${legalEntity.toLowerCase()}\u0001${salesOrderNumber.toLowerCase()}`;
}

/**
 * Value of one unit of each seeded currency in USD, for `InvoiceAmountInAccountingCurrency`
 * (UNCONFIRMED: fixed rates; EUR matches the seed's demf prices, USD × 0.92).
 */
const USD_PER_UNIT: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 1 / 0.92,
  GBP: 1.27,
  CAD: 0.74,
  CHF: 1.13,
};

export function accountingCurrencyOf(legalEntity: string): string {
  return LEGAL_ENTITY_PROFILES.find((profile) => profile.id === legalEntity.toLowerCase())?.currency ?? 'USD';
}

function convert(amount: number, from: string, to: string): number {
  if (from === to) return amount;
  const fromRate = USD_PER_UNIT[from] ?? 1;
  const toRate = USD_PER_UNIT[to] ?? 1;
  return round2((amount * fromRate) / toRate);
}

/** Days of a payment term such as `Net30` (30 when the name has no number; UNCONFIRMED). */
function termDays(paymentTerms: string): number {
  const days = /(\d+)/.exec(paymentTerms)?.[1];
  return days === undefined ? 30 : Number(days);
}

function utcDay(date: Date, plusDays = 0): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + plusDays));
}

export function orderLines(store: FnoStore, legalEntity: string, salesOrderNumber: string): Row[] {
  const number = salesOrderNumber.toLowerCase();
  return store
    .table('SalesOrderLines')
    .rows()
    .filter(
      (line) =>
        String(line.values['dataAreaId']) === legalEntity &&
        String(line.values['SalesOrderNumber'] ?? '').toLowerCase() === number,
    );
}

/** Whether an order can be invoiced now (used by the activity generator to pick one). */
export function isInvoiceable(store: FnoStore, header: Row): boolean {
  const status = String(header.values['SalesOrderStatus'] ?? '');
  if (status === 'Invoiced' || status === 'Canceled') return false;
  const legalEntity = String(header.values['dataAreaId'] ?? '');
  const account = String(
    header.values['InvoiceCustomerAccountNumber'] || header.values['OrderingCustomerAccountNumber'] || '',
  );
  const customer = store.table('CustomersV3').find({ dataAreaId: legalEntity, CustomerAccount: account });
  const hold = String(customer?.values['OnHoldStatus'] ?? 'No');
  if (hold === 'Invoice' || hold === 'All') return false;
  return orderLines(store, legalEntity, String(header.values['SalesOrderNumber'] ?? '')).length > 0;
}

/**
 * Posts the invoice of an open order: header and lines become Invoiced (their processing status
 * too), the invoice gets the next number of the company (`CIV-000001`…, counting the orders already
 * invoiced; UNCONFIRMED format), amounts are the order's totals (no sales tax, as the simulator
 * computes none).
 */
export function postInvoice(
  store: FnoStore,
  journal: InvoiceJournal,
  now: Date,
  request: InvoiceRequest,
): PostedInvoice {
  const legalEntity = request.dataAreaId.toLowerCase();
  if (!store.isLegalEntity(legalEntity)) {
    throw new InvoicingError(404, 'company_not_found', `Company ${request.dataAreaId} does not exist`);
  }
  const header = store
    .table('SalesOrderHeadersV2')
    .find({ dataAreaId: legalEntity, SalesOrderNumber: request.SalesOrderNumber });
  if (!header) {
    throw new InvoicingError(
      404,
      'order_not_found',
      `Sales order ${request.SalesOrderNumber} does not exist in ${legalEntity}`,
    );
  }
  const number = String(header.values['SalesOrderNumber'] ?? '');
  const status = String(header.values['SalesOrderStatus'] ?? '');
  if (status === 'Invoiced' || status === 'Canceled') {
    throw new InvoicingError(
      409,
      `order_${status.toLowerCase()}`,
      `Sales order ${number} is ${status.toLowerCase()} and cannot be invoiced`,
    );
  }
  const lines = orderLines(store, legalEntity, number);
  if (lines.length === 0) {
    throw new InvoicingError(409, 'nothing_to_post', `Sales order ${number} has no lines: nothing to post`);
  }
  const invoiceAccount = String(
    header.values['InvoiceCustomerAccountNumber'] || header.values['OrderingCustomerAccountNumber'] || '',
  );
  const customer = store
    .table('CustomersV3')
    .find({ dataAreaId: legalEntity, CustomerAccount: invoiceAccount });
  const hold = String(customer?.values['OnHoldStatus'] ?? 'No');
  if (hold === 'Invoice' || hold === 'All') {
    throw new InvoicingError(
      409,
      'customer_on_hold',
      `Customer ${invoiceAccount} is on hold for ${hold === 'All' ? 'all transactions' : 'invoicing'}`,
    );
  }

  const invoiced = store
    .table('SalesOrderHeadersV2')
    .rows()
    .filter(
      (row) =>
        String(row.values['dataAreaId']) === legalEntity && row.values['SalesOrderStatus'] === 'Invoiced',
    ).length;
  const currency = String(header.values['CurrencyCode'] || accountingCurrencyOf(legalEntity));
  const amount = round2(lines.reduce((sum, line) => sum + Number(line.values['LineAmount'] ?? 0), 0));
  const accountingCurrency = accountingCurrencyOf(legalEntity);
  const invoice: PostedInvoice = {
    legalEntity,
    invoiceId: `CIV-${String(invoiced + 1).padStart(6, '0')}`,
    salesOrderNumber: number,
    invoiceAccount,
    invoiceDate: utcDay(now),
    dueDate: utcDay(now, termDays(String(header.values['PaymentTermsName'] ?? ''))),
    currency,
    amount,
    accountingCurrency,
    amountInAccountingCurrency: convert(amount, currency, accountingCurrency),
    taxAmount: 0,
  };
  journal.during(invoice, () =>
    store.transact(now, (tx) => {
      for (const line of lines) {
        tx.update('SalesOrderLines', line, { ...line.values, SalesOrderLineStatus: 'Invoiced' });
      }
      tx.update('SalesOrderHeadersV2', header, {
        ...header.values,
        SalesOrderStatus: 'Invoiced',
        SalesOrderProcessingStatus: 'Invoiced',
      });
    }),
  );
  return invoice;
}
