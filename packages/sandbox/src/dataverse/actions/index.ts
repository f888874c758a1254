import type { RequestScope } from '../http/scope';
import { CLOSE_ACTIONS } from './close';
import { ORDER_ACTIONS } from './orders';

/**
 * The sales messages (unbound actions, `POST /api/data/v9.2/<name>`): WinOpportunity,
 * LoseOpportunity, WinQuote, CloseQuote, FulfillSalesOrder, CancelSalesOrder (close activity +
 * state, 204), ConvertQuoteToSalesOrder and GenerateSalesOrderFromOpportunity (200 + the order).
 */
export const SALES_ACTIONS: ReadonlyMap<string, (scope: RequestScope) => void> = new Map([
  ...CLOSE_ACTIONS,
  ...ORDER_ACTIONS,
]);
