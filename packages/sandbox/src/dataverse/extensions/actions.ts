import { SALES_ACTIONS } from '../actions';
import { errors } from '../errors';
import type { RequestScope } from '../http/scope';

/** An unbound Web API action (`POST /api/data/v9.2/WinOpportunity`). */
export type ActionHandler = (scope: RequestScope) => void;

/**
 * The sales messages the simulator offers (`actions/`): WinOpportunity, LoseOpportunity,
 * WinQuote, CloseQuote, FulfillSalesOrder, CancelSalesOrder, ConvertQuoteToSalesOrder,
 * GenerateSalesOrderFromOpportunity. Each runs in one transaction with
 * `RecordWriter(ctx, { bypassStateRules: true })` and raises its message for webhooks.
 */
export const UNBOUND_ACTIONS: ReadonlyMap<string, ActionHandler> = SALES_ACTIONS;

export function isUnboundAction(name: string): boolean {
  return UNBOUND_ACTIONS.has(name);
}

export function handleUnboundAction(scope: RequestScope, name: string): void {
  const handler = UNBOUND_ACTIONS.get(name);
  if (!handler) throw errors.resourceNotFound(name);
  if (scope.method !== 'POST') throw errors.methodNotAllowed(scope.method, ['POST']);
  handler(scope);
}
