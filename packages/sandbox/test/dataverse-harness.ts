import type { RequestContext, SandboxApp } from '../src/core/contracts';
import {
  createDataverseService,
  type DataverseService,
  type DataverseServiceOptions,
} from '../src/dataverse';
import { MAIN_APP_NAME, MISCONFIGURED_APP_NAME } from '../src/entra';
import { silentLogger } from './host.fixtures';
import { type SandboxFetch, startHosted, type TokenOptions } from './sandbox-harness';

/**
 * Test harness: the Dataverse service behind the real sandbox host (HTTPS with the sandbox CA,
 * control routes, faults, counters) next to the sandbox's Entra ID, whose tenant has the fixed ids
 * below; requests carry msal-node tokens (see `test/sandbox-harness.ts`).
 */

export const TENANT_ID = '8f1c4e2a-3b5d-4c6e-9f70-112233445566';
export const MAIN_APP: SandboxApp = {
  clientId: '5a0c6d2e-1f3b-4a5c-8d7e-9f0a1b2c3d4e',
  clientSecret: 'main-secret',
  displayName: MAIN_APP_NAME,
  dataverseApplicationUser: true,
  fnoEntraApplication: true,
};
export const MISCONFIGURED_APP: SandboxApp = {
  clientId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
  clientSecret: 'other-secret',
  displayName: MISCONFIGURED_APP_NAME,
  dataverseApplicationUser: false,
  fnoEntraApplication: false,
};

export type { TokenOptions };

export type ApiInit = Omit<RequestInit, 'headers'> & { headers?: Record<string, string> };

export interface Harness {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** `https://127.0.0.1:<port>/api/data/v9.2/` */
  root: string;
  /** The sandbox's Entra ID (`https://127.0.0.1:<port>`), the authority of 401 challenges. */
  entraUrl: string;
  stateDir: string;
  service: DataverseService;
  /** `fetch` trusting the sandbox CA, for control routes and anything `api()` does not fit. */
  fetch: SandboxFetch;
  /** The RequestContext of the last request, as the service left it (clientId, entitySet). */
  lastContext(): RequestContext | undefined;
  /** msal-node's token for the main app by default; crafted ones are signed with Entra's key. */
  token(options?: TokenOptions): Promise<string>;
  /** fetch with a valid token for the main app (unless `Authorization` is given) and OData headers. */
  api(pathAndQuery: string, init?: ApiInit): Promise<Response>;
  json<T = Record<string, unknown>>(pathAndQuery: string, init?: ApiInit): Promise<T>;
  close(options?: { keepState?: boolean }): Promise<void>;
}

export async function startHarness(
  options: Partial<Omit<DataverseServiceOptions, 'verifier' | 'apps' | 'authority' | 'logger'>> = {},
): Promise<Harness> {
  const hosted = await startHosted({
    name: 'dataverse',
    identity: {
      tenantId: TENANT_ID,
      apps: [
        { ...MAIN_APP, objectId: '2c9b7a41-6d3e-4f58-9a0b-1c2d3e4f5a6b' },
        { ...MISCONFIGURED_APP, objectId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b' },
      ],
    },
    stateDir: options.stateDir,
    tempPrefix: 'mlc-dataverse-',
    create: ({ stateDir, entra, directory, verifier }) =>
      createDataverseService({
        seedSize: { accounts: 300, contacts: 400 },
        ...options,
        stateDir,
        verifier,
        apps: () => entra.apps(),
        authority: { host: () => directory.url('entra') ?? '', tenantId: entra.tenantId },
        logger: silentLogger(),
      }),
  });
  await hosted.service.ready();
  const root = `${hosted.origin}/api/data/v9.2/`;
  const defaultToken = await hosted.token();

  const api: Harness['api'] = (pathAndQuery, init = {}) => {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
      Authorization: `Bearer ${defaultToken}`,
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...init.headers,
    };
    const url = /^https?:/.test(pathAndQuery) ? pathAndQuery : `${root}${pathAndQuery}`;
    return hosted.fetch(url, { ...init, headers });
  };

  return {
    origin: hosted.origin,
    root,
    entraUrl: hosted.entraUrl,
    stateDir: hosted.stateDir,
    service: hosted.service,
    fetch: hosted.fetch,
    lastContext: hosted.lastContext,
    token: hosted.token,
    api,
    async json<T>(pathAndQuery: string, init?: ApiInit): Promise<T> {
      const response = await api(pathAndQuery, init);
      const text = await response.text();
      if (!response.ok) throw new Error(`${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
    close: hosted.close,
  };
}
