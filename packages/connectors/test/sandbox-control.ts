import type { CountersSnapshot, EntraApp, EntraService, FaultInput } from '@mlc/sandbox';
import { Agent, type Dispatcher, request } from 'undici';

/**
 * What both connector test sandboxes share: the host's control API (`/_sandbox/…`) over HTTPS
 * trusted with the sandbox CA, app lookup, and the token-request count read from the counters.
 */
export function createControlClient<Service extends string>(
  caPem: string,
  originOf: (service: Service) => string,
) {
  const agent = new Agent({ connect: { ca: caPem } });
  const call = async (method: Dispatcher.HttpMethod, url: string, body?: unknown): Promise<unknown> => {
    const response = await request(url, {
      method,
      dispatcher: agent,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    call,
    faults: async (service: Service, faults: FaultInput) => {
      await call('PUT', `${originOf(service)}/_sandbox/faults`, faults);
    },
    counters: async (service: Service) =>
      (await call('GET', `${originOf(service)}/_sandbox/counters`)) as CountersSnapshot,
    resetCounters: async (service: Service) => {
      await call('POST', `${originOf(service)}/_sandbox/counters/reset`);
    },
    close: () => agent.close(),
  };
}

export function findApp(entra: EntraService, name: string): EntraApp {
  const found = entra.apps().find((a) => a.displayName === name);
  if (!found) throw new Error(`the sandbox has no app "${name}"`);
  return found;
}

/** Token requests an app sent to the Entra port (`POST …/oauth2/v2.0/token`). */
export function tokenRequests(counters: CountersSnapshot, clientId: string): number {
  return counters.requests
    .filter((r) => r.clientId === clientId && r.entitySet === 'token')
    .reduce((sum, r) => sum + r.count, 0);
}
