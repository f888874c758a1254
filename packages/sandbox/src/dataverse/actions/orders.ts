import { errors } from '../errors';
import type { RequestScope } from '../http/scope';
import { isEntityRef, type StoredRow, type Value } from '../store/types';
import { toDataverseDateTime } from '../time';
import { runMessage } from '../webhooks/dispatcher';
import { EMPTY_GUID, optionSetValue, type Wcf } from '../webhooks/wcf';
import { convert } from '../write/payload';
import { RecordWriter } from '../write/writer';
import {
  actionBody,
  alreadyClosed,
  type Columns,
  closingStatus,
  columnSetParameter,
  copyColumns,
  guidParameter,
  int32Parameter,
  recordById,
  sendEntityResult,
  stateLabel,
  stringParameter,
} from './common';

/**
 * The messages that make a sales order from a quote or an opportunity and answer with it:
 * - `ConvertQuoteToSalesOrder` `{"QuoteId", "ColumnSet", "QuoteCloseDate"?, "QuoteCloseStatus"?,
 *   "QuoteCloseSubject"?, "QuoteCloseDescription"?, "ProcessInstanceId"?}`: the quote must be
 *   Active or Won; an Active quote is won (statuscode `QuoteCloseStatus`, default 4) with a
 *   `quoteclose`; the order gets the quote's header and lines, `quoteid`, `opportunityid`,
 *   `ordercreationmethod` 776160001 (Win Quote) and locked prices;
 * - `GenerateSalesOrderFromOpportunity` `{"OpportunityId", "ColumnSet"}`: an Open or Won
 *   opportunity's header and products, `opportunityid` set, `ordercreationmethod` 776160000.
 * Both answer 200 with the order (`ColumnSet` columns).
 */

const LINE_COLUMNS = [
  'productid',
  'uomid',
  'quantity',
  'priceperunit',
  'manualdiscountamount',
  'tax',
  'ispriceoverridden',
  'isproductoverridden',
  'productdescription',
  'lineitemnumber',
  'description',
];

/** The source's lines in line-number order (then creation order). */
function linesOf(scope: RequestScope, table: string, parentColumn: string, parentId: string): StoredRow[] {
  const lines = [...scope.state.store.rows(table)].filter((line) => {
    const ref = line.values[parentColumn];
    return isEntityRef(ref) && ref.id === parentId;
  });
  const number = (row: StoredRow) =>
    typeof row.values['lineitemnumber'] === 'number' ? row.values['lineitemnumber'] : Number.MAX_SAFE_INTEGER;
  const created = (row: StoredRow) => String(row.values['createdon'] ?? '');
  return lines.sort((a, b) => number(a) - number(b) || created(a).localeCompare(created(b)));
}

function createOrder(
  writer: RecordWriter,
  scope: RequestScope,
  header: Columns,
  lines: StoredRow[],
): StoredRow {
  const metadata = scope.metadata;
  const order = writer.create(metadata.entity('salesorder'), {}, { columns: header });
  const lineModel = metadata.entity('salesorderdetail');
  for (const line of lines) {
    const columns = copyColumns(line, LINE_COLUMNS);
    columns.set('salesorderid', { id: order.id, logicalName: 'salesorder' });
    writer.create(lineModel, {}, { columns });
  }
  return scope.state.store.get('salesorder', order.id) ?? order;
}

function convertQuoteToSalesOrder(scope: RequestScope): void {
  const action = 'ConvertQuoteToSalesOrder';
  const body = actionBody(scope, action, [
    'QuoteId',
    'ColumnSet',
    'QuoteCloseDate',
    'QuoteCloseStatus',
    'QuoteCloseSubject',
    'QuoteCloseDescription',
    'ProcessInstanceId',
  ]);
  const metadata = scope.metadata;
  const quoteModel = metadata.entity('quote');
  const orderModel = metadata.entity('salesorder');
  const closeModel = metadata.entity('quoteclose');
  const quoteId = guidParameter(body, action, 'QuoteId');
  const select = columnSetParameter(body, orderModel);
  const requestedStatus = int32Parameter(body, action, 'QuoteCloseStatus', true);
  const subject = stringParameter(body, 'QuoteCloseSubject');
  const description = stringParameter(body, 'QuoteCloseDescription');
  const closeDateValue = body['QuoteCloseDate'];
  const closeAttribute = closeModel.attributes.get('actualend');
  const closeDate =
    closeDateValue === undefined || closeDateValue === null || !closeAttribute
      ? undefined
      : convert(closeModel, closeAttribute, closeDateValue);

  const quote = recordById(scope, quoteModel, quoteId);
  const state = quote.values['statecode'];
  if (state !== 1 && state !== 2) {
    if (state === 3) throw alreadyClosed(quoteModel);
    throw errors.invalidArgument(
      `The quote with Id ${quote.id} cannot be converted to an order because it is in the ${stateLabel(quoteModel, typeof state === 'number' ? state : 0)} state. Activate the quote first.`,
    );
  }
  const winStatus = closingStatus(quoteModel, 2, requestedStatus ?? -1, quote.id);

  const { store } = scope.state;
  const now = scope.now();
  const writer = new RecordWriter(scope.writeContext(), { bypassStateRules: true });
  const order = runMessage(
    store,
    { name: action, entity: 'quote', primaryEntityId: EMPTY_GUID, userId: scope.caller.actor.userId },
    () =>
      store.transaction(() => {
        if (state === 1) {
          writer.create(
            closeModel,
            {},
            {
              columns: new Map<string, Value | null>([
                ['subject', subject ?? 'Quote Won'],
                ['description', description ?? null],
                ['actualend', closeDate ?? toDataverseDateTime(now)],
                ['quoteid', { id: quote.id, logicalName: 'quote' }],
                ['quotenumber', quote.values['quotenumber'] ?? null],
                ['revision', quote.values['revisionnumber'] ?? null],
                ['activitytypecode', 'quoteclose'],
                ['statecode', 1],
                ['statuscode', 2],
              ]),
            },
          );
          writer.update(quoteModel, store.get('quote', quote.id) ?? quote, {
            statecode: 2,
            statuscode: winStatus,
          });
        }
        const header = copyColumns(quote, [
          'name',
          'customerid',
          'pricelevelid',
          'transactioncurrencyid',
          'opportunityid',
          'description',
          'paymenttermscode',
          'discountamount',
          'discountpercentage',
          'freightamount',
        ]);
        header.set('quoteid', { id: quote.id, logicalName: 'quote' });
        header.set('ordercreationmethod', 776160001);
        header.set('ispricelocked', true);
        return createOrder(writer, scope, header, linesOf(scope, 'quotedetail', 'quoteid', quote.id));
      }),
    () => inputs(body, ['QuoteId', 'ColumnSet', 'QuoteCloseStatus']),
    (created) => ({ entity: 'salesorder', id: created.id }),
  );
  sendEntityResult(scope, orderModel, order, select);
}

function generateSalesOrderFromOpportunity(scope: RequestScope): void {
  const action = 'GenerateSalesOrderFromOpportunity';
  const body = actionBody(scope, action, ['OpportunityId', 'ColumnSet']);
  const metadata = scope.metadata;
  const opportunityModel = metadata.entity('opportunity');
  const orderModel = metadata.entity('salesorder');
  const opportunityId = guidParameter(body, action, 'OpportunityId');
  const select = columnSetParameter(body, orderModel);
  const opportunity = recordById(scope, opportunityModel, opportunityId);
  if (opportunity.values['statecode'] === 2) {
    throw errors.invalidArgument(
      `An order cannot be generated from the opportunity with Id ${opportunity.id} because it is Lost.`,
    );
  }
  const { store } = scope.state;
  const writer = new RecordWriter(scope.writeContext(), { bypassStateRules: true });
  const order = runMessage(
    store,
    { name: action, entity: 'opportunity', primaryEntityId: EMPTY_GUID, userId: scope.caller.actor.userId },
    () =>
      store.transaction(() => {
        const header = copyColumns(opportunity, [
          'name',
          'pricelevelid',
          'transactioncurrencyid',
          'description',
        ]);
        const customer = opportunity.values['customerid'] ?? opportunity.values['parentaccountid'];
        if (customer !== undefined) header.set('customerid', customer);
        header.set('opportunityid', { id: opportunity.id, logicalName: 'opportunity' });
        header.set('ordercreationmethod', 776160000);
        return createOrder(
          writer,
          scope,
          header,
          linesOf(scope, 'opportunityproduct', 'opportunityid', opportunity.id),
        );
      }),
    () => inputs(body, ['OpportunityId', 'ColumnSet']),
    (created) => ({ entity: 'salesorder', id: created.id }),
  );
  sendEntityResult(scope, orderModel, order, select);
}

/** The request's parameters for the message's webhook context (ids as strings, ColumnSet typed). */
function inputs(body: Record<string, unknown>, names: readonly string[]): Array<{ key: string; value: Wcf }> {
  const out: Array<{ key: string; value: Wcf }> = [];
  for (const name of names) {
    const value = body[name];
    if (value === undefined) continue;
    if (name === 'ColumnSet') {
      const columnSet = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
      const columns = Array.isArray(columnSet['Columns'])
        ? columnSet['Columns'].filter((c): c is string => typeof c === 'string')
        : [];
      out.push({
        key: name,
        value: {
          __type: 'ColumnSet:http://schemas.microsoft.com/xrm/2011/Contracts',
          AllColumns: columnSet['AllColumns'] === true,
          AttributeExpressions: [],
          Columns: columns,
        },
      });
    } else if (name === 'QuoteCloseStatus' && typeof value === 'number') {
      out.push({ key: name, value: optionSetValue(value) });
    } else if (typeof value === 'string') {
      out.push({ key: name, value });
    }
  }
  return out;
}

export const ORDER_ACTIONS: ReadonlyArray<[string, (scope: RequestScope) => void]> = [
  ['ConvertQuoteToSalesOrder', convertQuoteToSalesOrder],
  ['GenerateSalesOrderFromOpportunity', generateSalesOrderFromOpportunity],
];
