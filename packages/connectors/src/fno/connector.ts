import type { ConnectorContext } from '../core/context';
import { defineConnector, defineSink, type RecordOutcome } from '../core/define';
import { isConnectorError } from '../core/errors';
import { parseBusinessEvent } from './business-event';
import { type FnoConfig, fnoConfigSchema, fnoExampleConfig } from './config';
import { ensureCustomer, ensureCustomerRecordSchema } from './customers';
import { pingFno } from './ping';
import { createSalesOrder, createSalesOrderRecordSchema } from './sales-orders';
import { customersSource, pricesSource, productsSource, releasedProductsSource } from './sources';

/**
 * The Dynamics 365 Finance & Operations connector (`fno`): sources of released products, product
 * names, prices and customers; sinks that ensure a customer and create a sales order exactly
 * once; the business-event parser; and `ping`.
 */

/** One record after another; a record's failure (a `ConnectorError`) is its outcome, not the batch's. */
async function eachRecord<R>(
  records: readonly R[],
  write: (record: R) => Promise<string>,
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  for (const record of records) {
    try {
      outcomes.push({ ok: true, key: await write(record) });
    } catch (error) {
      if (!isConnectorError(error)) throw error;
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}

export const fnoConnector = defineConnector({
  id: 'fno',
  version: '1.0.0',
  displayName: 'Dynamics 365 Finance & Operations',
  configSchema: fnoConfigSchema,
  exampleConfig: fnoExampleConfig,
  ping: pingFno,
  sources: {
    releasedProducts: releasedProductsSource,
    products: productsSource,
    prices: pricesSource,
    customers: customersSource,
  },
  sinks: {
    /** Outcome key: the CustomerAccount. */
    customers: defineSink({
      description:
        'Find the F&O customer of a CRM account (key map, account number) or create it in its legal entity.',
      recordSchema: ensureCustomerRecordSchema,
      fixtures: {
        records: [
          {
            legalEntity: 'usmf',
            accountNumber: 'ACC-10001',
            organizationName: 'Kestrel Pumps Inc.',
            currencyCode: 'USD',
            address: {
              street: '1 Main St',
              city: 'Springfield',
              zipCode: '62701',
              state: 'IL',
              countryRegionId: 'USA',
            },
          },
        ],
      },
      write: (ctx: ConnectorContext, config: FnoConfig, records) =>
        eachRecord(records, async (record) => (await ensureCustomer(ctx, config, record)).customerAccount),
    }),
    /** Outcome key: the SalesOrderNumber. */
    salesOrders: defineSink({
      description:
        'Create a CRM order with all its lines as one F&O sales order, exactly once (looked up by CustomersOrderReference).',
      recordSchema: createSalesOrderRecordSchema,
      fixtures: {
        records: [
          {
            legalEntity: 'usmf',
            crmOrderNumber: 'ORD-01001-K7Q2ZX',
            customerAccount: 'ACC-10001',
            requestedShippingDate: '2026-02-01',
            lines: [
              { itemNumber: 'IE-10001', quantity: 2 },
              { itemNumber: 'IE-10002', quantity: 1, salesPrice: 99.5, salesUnitSymbol: 'ea' },
            ],
          },
        ],
      },
      write: (ctx: ConnectorContext, config: FnoConfig, records) =>
        eachRecord(records, async (record) => (await createSalesOrder(ctx, config, record)).salesOrderNumber),
    }),
  },
  parsers: {
    businessEvent: (body: unknown) => parseBusinessEvent(body),
  },
});
