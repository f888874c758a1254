import type { IncomingMessage } from 'node:http';
import { DataverseError, ErrorCode } from '../errors';
import type { Store } from '../store/store';
import { isEntityRef } from '../store/types';
import type { Caller } from './auth';

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

/**
 * Impersonation as the Web API offers it: `CallerObjectId: <Entra object id>` (preferred) or
 * `MSCRMCallerID: <systemuserid>` makes the request run as that user, so `createdby`/`modifiedby`
 * and a webhook's `InitiatingUserId`/`UserId` name the impersonated user. The calling application
 * user is assumed to hold `prvActOnBehalfOfAnotherUser` (the Delegate role). When both headers
 * are sent, `CallerObjectId` wins. A malformed id is 400 `0x80040203`; an unknown user 404
 * `0x80040217`; a disabled one 400 `0x80040225` (codes and wording UNCONFIRMED, see the README).
 * Service protection keeps counting against the calling application user.
 */
export function impersonate(req: IncomingMessage, caller: Caller, store: Store): Caller {
  const objectId = single(req.headers['callerobjectid'], 'CallerObjectId');
  const systemUserId = single(req.headers['mscrmcallerid'], 'MSCRMCallerID');
  if (objectId === undefined && systemUserId === undefined) return caller;
  const [header, value] =
    objectId !== undefined ? ['CallerObjectId', objectId] : ['MSCRMCallerID', systemUserId];
  const id = GUID.exec(value ?? '')?.[1]?.toLowerCase();
  if (!id) {
    throw new DataverseError(
      400,
      ErrorCode.invalidArgument,
      `The ${header} header value '${value}' is not a valid GUID.`,
      { messageName: 'InvalidArgument' },
    );
  }
  const user = header === 'MSCRMCallerID' ? store.get('systemuser', id) : byObjectId(store, id);
  if (!user) {
    throw new DataverseError(
      404,
      ErrorCode.objectDoesNotExist,
      header === 'MSCRMCallerID'
        ? `systemuser With Id = ${id} Does Not Exist`
        : `No systemuser with azureactivedirectoryobjectid = ${id} exists in this organization.`,
      { messageName: 'ObjectDoesNotExist', entitySchemaName: 'SystemUser' },
    );
  }
  if (user.values['isdisabled'] === true) {
    throw new DataverseError(
      400,
      ErrorCode.userDisabled,
      `The specified user (Id = ${user.id}) is disabled. Consider enabling this user.`,
      { messageName: 'UserDisabled' },
    );
  }
  const businessUnit = user.values['businessunitid'];
  return {
    token: caller.token,
    actor: {
      userId: user.id,
      businessUnitId: isEntityRef(businessUnit) ? businessUnit.id : caller.actor.businessUnitId,
      organizationId: caller.actor.organizationId,
    },
    callingUserId: caller.actor.userId,
  };
}

function single(value: string | string[] | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    throw new DataverseError(400, ErrorCode.invalidArgument, `The ${name} header may be sent only once.`, {
      messageName: 'InvalidArgument',
    });
  }
  return value.trim();
}

function byObjectId(store: Store, objectId: string) {
  for (const row of store.rows('systemuser')) {
    const value = row.values['azureactivedirectoryobjectid'];
    if (typeof value === 'string' && value.toLowerCase() === objectId) return row;
  }
  return undefined;
}
