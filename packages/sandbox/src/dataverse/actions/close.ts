import type { SalesMessages, WinOpportunityRequest } from '../activity/sales-messages';
import type { DataverseError } from '../errors';
import { errors } from '../errors';
import type { RequestScope } from '../http/scope';
import type { EntityModel } from '../metadata/registry';
import type { StoredRow, Value } from '../store/types';
import { toDataverseDate, toDataverseDateTime } from '../time';
import { createTarget } from '../webhooks/context';
import { runMessage } from '../webhooks/dispatcher';
import { EMPTY_GUID, optionSetValue } from '../webhooks/wcf';
import type { WriteContext } from '../write/context';
import { type JsonRecord, parsePayload } from '../write/payload';
import { RecordWriter } from '../write/writer';
import {
  actionBody,
  alreadyClosed,
  boundRecord,
  type Columns,
  closingStatus,
  entityParameter,
  int32Parameter,
  sendNoContent,
} from './common';

/**
 * The messages that close a row with a close activity: `{"<Activity>": {… "<nav>@odata.bind":
 * "/<set>(<id>)"}, "Status": n}` → 204. The activity (`opportunityclose`, `quoteclose`,
 * `orderclose`) is created Completed, the row moves to the closed state with `Status` (`-1` = the
 * state's default status), both in one transaction; then the message is raised for webhooks.
 */
interface CloseSpec {
  action: string;
  /** The SDK message name webhooks see (Win, Lose, Close, Fulfill, Cancel). */
  message: string;
  parameter: string;
  activity: string;
  navigation: string;
  target: string;
  state: number;
  /** States the row may be in. */
  from: readonly number[];
  /** The error for a row in another state (default: "The <table> is already closed."). */
  refuse?: (model: EntityModel, row: StoredRow) => DataverseError;
  /** Columns of the activity taken from the row (currency, numbers, revenue). */
  activityDefaults?: (row: StoredRow, sent: Columns) => Columns;
  /** What else changes on the row besides statecode/statuscode. */
  rowChanges?: (row: StoredRow, activity: StoredRow, today: string) => Record<string, number | string | null>;
}

const opportunityRevenue = (won: boolean) => (row: StoredRow, sent: Columns) => {
  const columns: Columns = new Map();
  const currency = row.values['transactioncurrencyid'];
  if (currency !== undefined) columns.set('transactioncurrencyid', currency);
  const estimated = row.values['estimatedvalue'];
  if (won && !sent.has('actualrevenue') && typeof estimated === 'number')
    columns.set('actualrevenue', estimated);
  return columns;
};

const numberOrNull = (value: Value | undefined): number | null => (typeof value === 'number' ? value : null);

const closeDate = (activity: StoredRow, today: string): string => {
  const end = activity.values['actualend'];
  return typeof end === 'string' ? end.slice(0, 10) : today;
};

const SPECS: readonly CloseSpec[] = [
  {
    action: 'WinOpportunity',
    message: 'Win',
    parameter: 'OpportunityClose',
    activity: 'opportunityclose',
    navigation: 'opportunityid',
    target: 'opportunity',
    state: 1,
    from: [0],
    activityDefaults: opportunityRevenue(true),
    rowChanges: (_row, activity, today) => ({
      actualvalue: numberOrNull(activity.values['actualrevenue']),
      actualclosedate: closeDate(activity, today),
      closeprobability: 100,
    }),
  },
  {
    action: 'LoseOpportunity',
    message: 'Lose',
    parameter: 'OpportunityClose',
    activity: 'opportunityclose',
    navigation: 'opportunityid',
    target: 'opportunity',
    state: 2,
    from: [0],
    activityDefaults: opportunityRevenue(false),
    rowChanges: (_row, activity, today) => ({
      ...(typeof activity.values['actualrevenue'] === 'number'
        ? { actualvalue: activity.values['actualrevenue'] }
        : {}),
      actualclosedate: closeDate(activity, today),
      closeprobability: 0,
    }),
  },
  {
    action: 'WinQuote',
    message: 'Win',
    parameter: 'QuoteClose',
    activity: 'quoteclose',
    navigation: 'quoteid',
    target: 'quote',
    state: 2,
    from: [1],
    refuse: (model, row) =>
      row.values['statecode'] === 0
        ? errors.invalidArgument(
            `The quote with Id ${row.id} must be active (statecode 1) before it can be won.`,
          )
        : alreadyClosed(model),
    activityDefaults: quoteNumbers,
  },
  {
    action: 'CloseQuote',
    message: 'Close',
    parameter: 'QuoteClose',
    activity: 'quoteclose',
    navigation: 'quoteid',
    target: 'quote',
    state: 3,
    from: [0, 1],
    activityDefaults: quoteNumbers,
  },
  {
    action: 'FulfillSalesOrder',
    message: 'Fulfill',
    parameter: 'OrderClose',
    activity: 'orderclose',
    navigation: 'salesorderid',
    target: 'salesorder',
    state: 3,
    from: [0, 1],
    activityDefaults: orderNumber,
    rowChanges: (row, activity, today) =>
      row.values['datefulfilled'] === undefined ? { datefulfilled: closeDate(activity, today) } : {},
  },
  {
    action: 'CancelSalesOrder',
    message: 'Cancel',
    parameter: 'OrderClose',
    activity: 'orderclose',
    navigation: 'salesorderid',
    target: 'salesorder',
    state: 2,
    from: [0, 1],
    activityDefaults: orderNumber,
  },
];

function quoteNumbers(row: StoredRow): Columns {
  const columns: Columns = new Map();
  if (row.values['quotenumber'] !== undefined) columns.set('quotenumber', row.values['quotenumber']);
  if (row.values['revisionnumber'] !== undefined) columns.set('revision', row.values['revisionnumber']);
  return columns;
}

function orderNumber(row: StoredRow): Columns {
  const columns: Columns = new Map();
  if (row.values['ordernumber'] !== undefined) columns.set('ordernumber', row.values['ordernumber']);
  return columns;
}

function closeRecord(scope: RequestScope, spec: CloseSpec): void {
  const body = actionBody(scope, spec.action, [spec.parameter, 'Status']);
  const activityBody = entityParameter(body, spec.action, spec.parameter);
  const status = int32Parameter(body, spec.action, 'Status');
  const targetModel = scope.metadata.entity(spec.target);
  parsePayload(scope.metadata.entity(spec.activity), activityBody, 'create');
  const row = boundRecord(scope, activityBody, spec.parameter, spec.navigation, targetModel, spec.action);
  applyClose(scope.writeContext(), spec, row, activityBody, status, scope.now());
  sendNoContent(scope);
}

/**
 * Checks the row's state and the status, then creates the close activity and closes the row in
 * one transaction (joining the caller's, if any) and raises the message.
 */
function applyClose(
  context: WriteContext,
  spec: CloseSpec,
  row: StoredRow,
  activityBody: JsonRecord,
  status: number,
  now: Date,
): StoredRow {
  const { store } = context;
  const metadata = store.metadata;
  const activityModel = metadata.entity(spec.activity);
  const targetModel = metadata.entity(spec.target);
  const current = row.values['statecode'];
  if (typeof current !== 'number' || !spec.from.includes(current)) {
    throw (spec.refuse ?? ((model) => alreadyClosed(model)))(targetModel, row);
  }
  const statusCode = closingStatus(targetModel, spec.state, status, row.id);
  const sent = parsePayload(activityModel, activityBody, 'create').columns;
  const today = toDataverseDate(now);
  const writer = new RecordWriter(context, { bypassStateRules: true });
  return runMessage(
    store,
    { name: spec.message, entity: spec.target, primaryEntityId: EMPTY_GUID, userId: context.actor.userId },
    () =>
      store.transaction(() => {
        const preset: Columns = new Map<string, Value | null>([
          ...(spec.activityDefaults?.(row, sent) ?? []),
          ['actualend', toDataverseDateTime(now)],
          ['activitytypecode', spec.activity],
          ['statecode', 1],
          ['statuscode', 2],
        ]);
        const activity = writer.create(activityModel, activityBody, { columns: preset });
        const fresh = store.get(spec.target, row.id) ?? row;
        writer.update(targetModel, fresh, {
          statecode: spec.state,
          statuscode: statusCode,
          ...spec.rowChanges?.(fresh, activity, today),
        });
        return activity;
      }),
    (activity) => [
      { key: spec.parameter, value: createTarget(metadata, activity, spec.activity) },
      { key: 'Status', value: optionSetValue(statusCode) },
    ],
    () => ({ entity: spec.target, id: row.id }),
  );
}

function specOf(action: string): CloseSpec {
  const spec = SPECS.find((s) => s.action === action);
  if (!spec) throw new Error(`no close message ${action}`);
  return spec;
}

/**
 * WinOpportunity for callers inside the service (the activity generator), the same code path as
 * the Web API action: opportunityclose, Won state, the Win message for webhooks. Runs inside the
 * caller's `store.transaction` when there is one.
 */
export const actionSalesMessages: SalesMessages = {
  winOpportunity(context: WriteContext, request: WinOpportunityRequest, now: Date): void {
    const row = context.store.get('opportunity', request.opportunityId);
    if (!row) throw errors.writeNotFound('opportunity', request.opportunityId);
    const activity: JsonRecord = {
      subject: request.subject,
      'opportunityid@odata.bind': `/opportunities(${row.id})`,
      ...(request.actualRevenue !== undefined ? { actualrevenue: request.actualRevenue } : {}),
      ...(request.actualEnd !== undefined
        ? { actualend: `${request.actualEnd.slice(0, 10)}T00:00:00Z` }
        : {}),
    };
    applyClose(context, specOf('WinOpportunity'), row, activity, request.status ?? 3, now);
  },
};

export const CLOSE_ACTIONS: ReadonlyArray<[string, (scope: RequestScope) => void]> = SPECS.map((spec) => [
  spec.action,
  (scope: RequestScope) => closeRecord(scope, spec),
]);
