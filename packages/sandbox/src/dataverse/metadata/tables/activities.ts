import { dateTime, decimal, integer, lookup, memo, money, primaryKey, state, status, text } from '../columns';
import { defineTable, type TableSpec } from '../define';
import type { AttributeDef, EntityDef } from '../types';

/**
 * The close activities the sales messages create: `opportunityclose` (WinOpportunity,
 * LoseOpportunity), `quoteclose` (WinQuote, CloseQuote, ConvertQuoteToSalesOrder) and `orderclose`
 * (FulfillSalesOrder, CancelSalesOrder). Activities share the primary key `activityid` (not
 * `<table>id`); the messages create them Completed.
 */

const activityState = (): AttributeDef[] => [
  state([
    [0, 'Open', 1],
    [1, 'Completed', 2],
    [2, 'Canceled', 3],
  ]),
  status([
    [1, 'Open', 0],
    [2, 'Completed', 1],
    [3, 'Canceled', 2],
  ]),
];

const activityColumns = (): AttributeDef[] => [
  text('subject', 200, { display: 'Subject' }),
  memo('description', 2000, { display: 'Description' }),
  dateTime('actualstart', { display: 'Actual Start' }),
  dateTime('actualend', { display: 'Actual End' }),
  text('activitytypecode', 64, { readOnly: true, display: 'Activity Type' }),
];

function activity(
  spec: Omit<TableSpec, 'primaryNameAttribute' | 'ownership' | 'changeTrackingEnabled'>,
): EntityDef {
  const base = defineTable({
    ...spec,
    primaryNameAttribute: 'subject',
    ownership: 'UserOwned',
    changeTrackingEnabled: false,
  });
  return {
    ...base,
    primaryIdAttribute: 'activityid',
    attributes: [primaryKey('activityid'), ...base.attributes.slice(1)],
  };
}

export const opportunityclose = activity({
  logicalName: 'opportunityclose',
  schemaName: 'OpportunityClose',
  entitySetName: 'opportunitycloses',
  displayName: 'Opportunity Close',
  objectTypeCode: 4208,
  columns: [
    ...activityColumns(),
    lookup(
      'opportunityid',
      { entity: 'opportunity', relationship: 'Opportunity_OpportunityClose', cascade: 'Cascade' },
      { display: 'Opportunity' },
    ),
    money('actualrevenue', { display: 'Actual Revenue' }),
    lookup(
      'transactioncurrencyid',
      {
        entity: 'transactioncurrency',
        relationship: 'TransactionCurrency_OpportunityClose',
        cascade: 'Restrict',
      },
      { display: 'Currency' },
    ),
    decimal('exchangerate', { precision: 10, min: 0, readOnly: true, display: 'Exchange Rate' }),
    ...activityState(),
  ],
});

export const quoteclose = activity({
  logicalName: 'quoteclose',
  schemaName: 'QuoteClose',
  entitySetName: 'quotecloses',
  displayName: 'Quote Close',
  objectTypeCode: 4211,
  columns: [
    ...activityColumns(),
    lookup(
      'quoteid',
      { entity: 'quote', relationship: 'Quote_QuoteClose', cascade: 'Cascade' },
      { display: 'Quote' },
    ),
    text('quotenumber', 100, { display: 'Quote Number' }),
    integer('revision', { min: 0, display: 'Revision' }),
    ...activityState(),
  ],
});

export const orderclose = activity({
  logicalName: 'orderclose',
  schemaName: 'OrderClose',
  entitySetName: 'ordercloses',
  displayName: 'Order Close',
  objectTypeCode: 4209,
  columns: [
    ...activityColumns(),
    lookup(
      'salesorderid',
      { entity: 'salesorder', relationship: 'SalesOrder_OrderClose', cascade: 'Cascade' },
      { display: 'Order' },
    ),
    text('ordernumber', 100, { display: 'Order Number' }),
    integer('revision', { min: 0, display: 'Revision' }),
    ...activityState(),
  ],
});
