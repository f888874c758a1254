import { createHash } from 'node:crypto';
import type { SandboxApp } from '../../core/contracts';
import type { Store } from '../store/store';
import type { Actor, StoredRow } from '../store/types';

/** A stable GUID from a name, so an app's user keeps its id whatever else the seed holds. */
export function nameBasedGuid(name: string): string {
  const hex = createHash('sha1').update(name).digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export function applicationUserId(clientId: string): string {
  return nameBasedGuid(`dataverse-application-user:${clientId.toLowerCase()}`);
}

/** The application user bound to a client id, if the org has one and it is enabled. */
export function findApplicationUser(store: Store, clientId: string): StoredRow | undefined {
  const id = clientId.toLowerCase();
  for (const row of store.rows('systemuser')) {
    const applicationId = row.values['applicationid'];
    if (typeof applicationId === 'string' && applicationId.toLowerCase() === id) {
      return row.values['isdisabled'] === true ? undefined : row;
    }
  }
  return undefined;
}

/**
 * Makes sure every app registered with `dataverseApplicationUser: true` has its application user
 * (`# <display name>`, access mode Non-interactive) in the root business unit. Apps registered
 * after the seed was written get theirs on the next start or on their first call.
 */
export function syncApplicationUsers(store: Store, apps: readonly SandboxApp[], actor: Actor): void {
  for (const app of apps) {
    if (!app.dataverseApplicationUser) continue;
    const id = applicationUserId(app.clientId);
    if (store.get('systemuser', id)) continue;
    store.insert(
      'systemuser',
      {
        fullname: `# ${app.displayName}`,
        firstname: '#',
        lastname: app.displayName,
        domainname: `${app.clientId.toLowerCase()}@sandbox.invalid`,
        applicationid: app.clientId.toLowerCase(),
        azureactivedirectoryobjectid: nameBasedGuid(`entra-service-principal:${app.clientId.toLowerCase()}`),
        isdisabled: false,
        accessmode: 4,
        businessunitid: { id: actor.businessUnitId, logicalName: 'businessunit' },
      },
      { actor, id },
    );
  }
}
