import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import type { FnoConfig } from './config';
import { FnoApi, queryString, stringLiteral } from './odata';

/** Who to look for: an organisation by its name, or a person by first and last name. */
export type CustomerNameQuery =
  | { partyType: 'Organization'; organizationName: string }
  | { partyType: 'Person'; firstName: string; lastName: string };

const candidate = z.looseObject({ CustomerAccount: z.string() });

/**
 * The accounts of the customers of one legal entity with exactly this name (`OrganizationName`,
 * or `PersonFirstName` + `PersonLastName`): how a customer that F&O numbered is found again when
 * the worker stopped between creating it and storing its link (no account number, no reference
 * field to look it up by).
 */
export async function findCustomersByName(
  ctx: ConnectorContext,
  config: FnoConfig,
  legalEntity: string,
  query: CustomerNameQuery,
): Promise<string[]> {
  const api = new FnoApi(ctx, config);
  const byName =
    query.partyType === 'Organization'
      ? `OrganizationName eq ${stringLiteral(query.organizationName)}`
      : `PersonFirstName eq ${stringLiteral(query.firstName)} and PersonLastName eq ${stringLiteral(query.lastName)}`;
  const rows = await api.all(
    `CustomersV3${queryString({
      filter: `dataAreaId eq ${stringLiteral(legalEntity)} and ${byName}`,
      select: ['dataAreaId', 'CustomerAccount'],
      crossCompany: true,
    })}`,
    candidate,
    'live',
  );
  return rows.map((row) => row.CustomerAccount);
}
