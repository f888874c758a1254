import { z } from 'zod';
import type { Result } from '../errors';
import { parseSource } from '../parse';
import { crmOpportunityRowSchema, crmSalesOrderRowSchema } from '../sales/records';
import { attempt, fail, fit, textOf, unwrap } from '../text';

/**
 * The deal key: the natural key of the F&O sales order a CRM deal becomes, stored in the F&O
 * header's `CustomersOrderReference` and used to find that order again (exactly once).
 *
 * - A won **opportunity** → `OPP-<opportunityid>` (the GUID in lower case, 40 characters).
 * - A CRM **order that came from an opportunity** (`opportunityid` set; orders converted from a
 *   quote carry the quote's opportunity) → the same `OPP-<opportunityid>`. So the won opportunity
 *   and the CRM order later generated from it (or from its quote) are one deal: the order finds
 *   the F&O order created for the opportunity and updates it instead of creating a second one,
 *   whichever of the two is synced first.
 * - Any other CRM **order** → its `ordernumber` (trimmed).
 *
 * Consequences worth knowing: every CRM order generated from the same opportunity maps to the
 * same F&O order; an order whose `opportunityid` is set or changed after it was synced under its
 * order number gets a new key (the worker's key map, which links the CRM order to the F&O order it
 * created, takes precedence over the key). `CustomersOrderReference` holds 60 characters: a longer
 * order number is `value_too_long`.
 */

export const DEAL_KEY_MAX = 60;

const orderRecord = z.object({ order: crmSalesOrderRowSchema });
const opportunityRecord = z.object({ opportunity: crmOpportunityRowSchema });

/** The deal key of `{ order }` (an `OrderWithLines`) or `{ opportunity }` (an `OpportunityWithProducts`). */
export function dealKeyOf(record: unknown): Result<string> {
  return attempt(() => {
    if (typeof record === 'object' && record !== null && 'opportunity' in record) {
      const { opportunity } = unwrap(parseSource(opportunityRecord, record, 'The CRM opportunity'));
      return opportunityKey(opportunity.opportunityid);
    }
    const { order } = unwrap(parseSource(orderRecord, record, 'The CRM order'));
    if (order.opportunityid) return opportunityKey(order.opportunityid.id);
    const number =
      textOf(order.ordernumber) ??
      fail(
        'missing_field',
        `CRM order ${order.salesorderid} has no order number, which is its key in F&O: give it one in Dynamics 365 Sales.`,
        ['order', 'ordernumber'],
      );
    return fit(number, {
      what: `The order number of CRM order '${number}'`,
      target: "F&O's CustomersOrderReference",
      max: DEAL_KEY_MAX,
      path: ['order', 'ordernumber'],
      remedy: 'shorten the auto-numbering format of orders in Dynamics 365 Sales.',
    });
  });
}

function opportunityKey(id: string): string {
  return `OPP-${id.toLowerCase()}`;
}
