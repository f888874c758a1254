import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type ConnectionSettings, type ConnectionSettingsInput, connectionSettingsSchema } from '@mlc/db';
import { type SandboxDescriptor, sandboxDescriptorSchema } from '@mlc/sandbox';

/** The running sandbox as `sandbox.json` describes it, with its CA certificate read. */
export interface RunningSandboxInfo {
  descriptor: SandboxDescriptor;
  caPem: string;
  /** Origins of Entra ID, Dataverse and F&O: the only URLs a sandbox connection may use. */
  origins: { entra: string; sales: string; fno: string };
}

/**
 * Reads `<stateDir>/sandbox.json` (written by the sandbox once it listens) and the CA it names.
 * `null` when there is none or it does not parse: the onboarding then offers no sandbox.
 */
export async function readSandbox(stateDir: string): Promise<RunningSandboxInfo | null> {
  let text: string;
  try {
    text = await readFile(path.join(stateDir, 'sandbox.json'), 'utf8');
  } catch {
    return null;
  }
  let parsed: ReturnType<typeof sandboxDescriptorSchema.safeParse>;
  try {
    parsed = sandboxDescriptorSchema.safeParse(JSON.parse(text));
  } catch {
    return null;
  }
  if (!parsed.success || !parsed.data.fno) return null;
  const descriptor = parsed.data;
  let caPem: string;
  try {
    caPem = await readFile(path.resolve(stateDir, descriptor.caCertPath), 'utf8');
  } catch {
    return null;
  }
  return {
    descriptor,
    caPem,
    origins: {
      entra: new URL(descriptor.entra.authorityHost).origin,
      sales: new URL(descriptor.sales.url).origin,
      fno: new URL(descriptor.fno?.url ?? descriptor.sales.url).origin,
    },
  };
}

/** Legal entity settings of the sandbox's seed (usmf in USD, demf in EUR), with its CA. */
export function sandboxSettings(info: RunningSandboxInfo): ConnectionSettings {
  const legalEntities = info.descriptor.fno?.legalEntities ?? [];
  const input: ConnectionSettingsInput = {
    legalEntities: {
      default: 'usmf',
      rules: legalEntities.includes('demf')
        ? [{ field: 'address1_country', equals: 'Germany', dataAreaId: 'demf' }]
        : [],
      settings: {
        usmf: {
          customerGroupId: '10',
          currencyCode: 'USD',
          customerAccounts: 'manual',
          salesOrderNumbers: 'sequence',
          priceList: 'Standard Price List (USD)',
        },
        ...(legalEntities.includes('demf')
          ? {
              demf: {
                customerGroupId: '10',
                currencyCode: 'EUR',
                customerAccounts: 'manual',
                salesOrderNumbers: 'sequence',
                priceList: 'Standard Price List (EUR)',
              },
            }
          : {}),
      },
    },
    sandbox: { caPem: info.caPem },
  };
  return connectionSettingsSchema.parse(input);
}

/** Whether a connection's three URLs are exactly the running sandbox's. */
export function isSandboxConnection(
  info: RunningSandboxInfo | null,
  urls: { authorityHost: string; salesUrl: string; fnoUrl: string },
): boolean {
  if (!info) return false;
  const origin = (value: string) => {
    try {
      return new URL(value).origin;
    } catch {
      return undefined;
    }
  };
  return (
    origin(urls.authorityHost) === info.origins.entra &&
    origin(urls.salesUrl) === info.origins.sales &&
    origin(urls.fnoUrl) === info.origins.fno
  );
}
