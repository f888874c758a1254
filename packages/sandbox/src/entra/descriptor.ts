import type { SandboxDescriptor } from '../descriptor';
import type { SandboxUrls } from '../host/sandbox';
import type { EntraService } from './service';

/**
 * The `sandbox.json` parts other than `caCertPath`: Entra's authority host and tenant, and the
 * Dataverse and F&O URLs with the main app's credentials (the same app is registered on both
 * sides), and F&O's legal entities.
 */
export function describeSandbox(
  entra: EntraService,
  urls: SandboxUrls,
  fnoLegalEntities: readonly string[] = [],
): Omit<SandboxDescriptor, 'caCertPath'> {
  const main = entra.mainApp();
  if (!urls.entra || !urls.dataverse) {
    throw new Error('sandbox.json needs the Entra ID and Dataverse simulators to be listening');
  }
  return {
    entra: { authorityHost: urls.entra, tenantId: entra.tenantId },
    sales: {
      url: urls.dataverse,
      clientId: main.clientId,
      clientSecret: main.clientSecret,
    },
    ...(urls.fno
      ? {
          fno: {
            url: urls.fno,
            clientId: main.clientId,
            clientSecret: main.clientSecret,
            legalEntities: [...fnoLegalEntities],
          },
        }
      : {}),
  };
}
