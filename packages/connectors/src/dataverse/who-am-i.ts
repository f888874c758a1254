import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { DataverseApi } from './api';
import type { DataverseConfig } from './config';

export const whoAmISchema = z.looseObject({
  UserId: z.guid(),
  BusinessUnitId: z.guid(),
  OrganizationId: z.guid(),
});

export interface DataverseIdentity {
  /** The systemuser id our application user has in this environment (lower case). */
  userId: string;
  businessUnitId: string;
  organizationId: string;
}

/** `WhoAmI`: who our app is in this environment (the modifying user of our own writes). */
export async function whoAmI(ctx: ConnectorContext, config: DataverseConfig): Promise<DataverseIdentity> {
  const api = new DataverseApi(ctx, config);
  const me = (await api.get('WhoAmI', whoAmISchema, { priority: 'live' })).body;
  return {
    userId: me.UserId.toLowerCase(),
    businessUnitId: me.BusinessUnitId.toLowerCase(),
    organizationId: me.OrganizationId.toLowerCase(),
  };
}
