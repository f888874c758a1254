import type { WriteContext } from '../write/context';

/** What `WinOpportunity` takes (`Status` and the `OpportunityClose` activity's columns). */
export interface WinOpportunityRequest {
  opportunityId: string;
  /** A statuscode of the Won state (default 3, Won). */
  status?: number;
  /** `OpportunityClose.subject`. */
  subject: string;
  /** `OpportunityClose.actualrevenue`; defaults to the opportunity's estimated revenue. */
  actualRevenue?: number;
  /** `OpportunityClose.actualend` (a date); defaults to today. */
  actualEnd?: string;
}

/**
 * The sales messages the activity generator needs, so that it closes opportunities exactly as the
 * `WinOpportunity` action does (opportunityclose activity, Won state, the Win message for
 * webhooks). Implemented by `actions/close.ts` (`actionSalesMessages`); each call is one
 * transaction.
 */
export interface SalesMessages {
  winOpportunity(context: WriteContext, request: WinOpportunityRequest, now: Date): void;
}
