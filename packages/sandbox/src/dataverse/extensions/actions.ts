import { errors } from '../errors';
import type { RequestScope } from '../http/scope';

/** An unbound Web API action (`POST /api/data/v9.2/WinOpportunity`). */
export type ActionHandler = (scope: RequestScope) => void;

/**
 * The sales messages the simulator will offer. Hook: implement each with `RecordWriter` and
 * `{ bypassStateRules: true }` (the platform changes state internally), e.g. WinOpportunity sets
 * statecode 1 / statuscode `Status`, actualvalue, actualclosedate and creates the opportunityclose.
 */
export const UNBOUND_ACTIONS: ReadonlyMap<string, ActionHandler> = new Map<string, ActionHandler>(
  [
    'WinOpportunity',
    'LoseOpportunity',
    'ConvertQuoteToSalesOrder',
    'WinQuote',
    'CloseQuote',
    'FulfillSalesOrder',
    'CancelSalesOrder',
  ].map((name) => [
    name,
    () => {
      throw errors.notImplemented(`The ${name} message`);
    },
  ]),
);

export function isUnboundAction(name: string): boolean {
  return UNBOUND_ACTIONS.has(name);
}

export function handleUnboundAction(scope: RequestScope, name: string): void {
  const handler = UNBOUND_ACTIONS.get(name);
  if (!handler) throw errors.resourceNotFound(name);
  if (scope.method !== 'POST') throw errors.methodNotAllowed(scope.method, ['POST']);
  handler(scope);
}
