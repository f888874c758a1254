import type { z } from 'zod';
import { defineConnector, defineSink, defineSource } from '../core/define';
import { type DataverseConfig, dataverseConfigSchema, dataverseExampleConfig } from './config';
import { deltaCheckpointSchema, deltaRecordSchema, readChanges } from './delta';
import * as fixtures from './fixtures';
import { pingDataverse } from './ping';
import { parseRemoteExecutionContext } from './remote-execution-context';
import {
  accountNumberRecordSchema,
  accountSinkRecordSchema,
  contactSinkRecordSchema,
  orderErpNumberRecordSchema,
  priceListItemSinkRecordSchema,
  productSinkRecordSchema,
  unitSinkRecordSchema,
  writeAccountNumbers,
  writeAccounts,
  writeContacts,
  writeOrderErpNumbers,
  writePriceListItems,
  writeProducts,
  writeUnits,
} from './sinks';
import {
  accountTable,
  type Columns,
  contactTable,
  opportunityTable,
  productTable,
  salesOrderTable,
  type Table,
} from './tables';

/**
 * The Dynamics 365 Sales (Dataverse Web API) connector.
 *
 * Sources: change-tracking reads of accounts, contacts, opportunities, sales orders and products
 * (`delta.ts`). Sinks: products, accounts, contacts and units by `UpsertMultiple`, price-list
 * items by `$batch`, the ERP order number written back onto the order and the F&O customer account
 * onto the account (`sinks.ts`). Parser:
 * the webhook body (`remote-execution-context.ts`). Beyond the common interface the module exports
 * the detail reads (`readOrderWithLines`, `readOpportunityWithProducts`) and the setup
 * (`ensureWebhook`, `ensureAlternateKeys`, `verifyChangeTracking`).
 */

function changeSource<C extends Columns>(table: Table<C>, records: readonly unknown[]) {
  return defineSource({
    description: `Changes of ${table.entitySet} (change tracking: upserts and deletions), resumable from a delta link.`,
    recordSchema: deltaRecordSchema(table.rowSchema),
    checkpointSchema: deltaCheckpointSchema,
    fixtures: { records, checkpoint: fixtures.deltaCheckpointFixture },
    read: (ctx, config: DataverseConfig, checkpoint) => readChanges(ctx, config, table, checkpoint),
  });
}

function sink<R>(
  description: string,
  recordSchema: z.ZodType<R>,
  records: readonly unknown[],
  write: (
    ctx: Parameters<typeof writeProducts>[0],
    config: DataverseConfig,
    records: readonly R[],
  ) => ReturnType<typeof writeProducts>,
) {
  return defineSink({ description, recordSchema, fixtures: { records }, write });
}

export const dataverseConnector = defineConnector({
  id: 'dataverse',
  version: '1.0.0',
  displayName: 'Dynamics 365 Sales',
  configSchema: dataverseConfigSchema,
  exampleConfig: dataverseExampleConfig,
  ping: pingDataverse,
  sources: {
    accounts: changeSource(accountTable, fixtures.accountFixtures),
    contacts: changeSource(contactTable, fixtures.contactFixtures),
    opportunities: changeSource(opportunityTable, fixtures.opportunityFixtures),
    salesOrders: changeSource(salesOrderTable, fixtures.salesOrderFixtures),
    products: changeSource(productTable, fixtures.productFixtures),
  },
  sinks: {
    products: sink(
      'Products by product number (UpsertMultiple); Draft ones are published (left Active).',
      productSinkRecordSchema,
      fixtures.productSinkFixtures,
      writeProducts,
    ),
    accounts: sink(
      'Accounts by account number (UpsertMultiple).',
      accountSinkRecordSchema,
      fixtures.accountSinkFixtures,
      writeAccounts,
    ),
    contacts: sink(
      'Contacts by the id the worker chose (UpsertMultiple).',
      contactSinkRecordSchema,
      fixtures.contactSinkFixtures,
      writeContacts,
    ),
    units: sink(
      'Units by unit group and name (UpsertMultiple).',
      unitSinkRecordSchema,
      fixtures.unitSinkFixtures,
      writeUnits,
    ),
    priceListItems: sink(
      'Price-list items by price list, product and unit ($batch changesets of PATCH upserts).',
      priceListItemSinkRecordSchema,
      fixtures.priceListItemSinkFixtures,
      writePriceListItems,
    ),
    orderErpNumbers: sink(
      'The F&O order number written into the configured column of the CRM order (live).',
      orderErpNumberRecordSchema,
      fixtures.orderErpNumberFixtures,
      writeOrderErpNumbers,
    ),
    accountNumbers: sink(
      'The F&O customer account written into the empty account number of a CRM account (live).',
      accountNumberRecordSchema,
      fixtures.accountNumberFixtures,
      writeAccountNumbers,
    ),
  },
  parsers: {
    webhook: parseRemoteExecutionContext,
  },
});
