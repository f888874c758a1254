import type { RequestContext, SandboxApp } from '../src/core/contracts';
import { MAIN_APP_NAME, MISCONFIGURED_APP_NAME } from '../src/entra';
import { createFnoService, type FnoService, type FnoServiceOptions, fnoFaultBodies } from '../src/fno';
import { silentLogger } from './host.fixtures';
import { type SandboxFetch, startHosted, type TokenOptions } from './sandbox-harness';

/**
 * Test harness: the F&O service behind the real sandbox host (HTTPS with the sandbox CA, control
 * routes, F&O's fault bodies) next to the sandbox's Entra ID, whose tenant has the fixed ids below;
 * requests carry msal-node tokens (see `test/sandbox-harness.ts`).
 */

export const TENANT_ID = '3c1d2e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5';
export const MAIN_APP: SandboxApp = {
  clientId: '7d2e1f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6',
  clientSecret: 'main-secret',
  displayName: MAIN_APP_NAME,
  dataverseApplicationUser: true,
  fnoEntraApplication: true,
};
/** Registered in Entra but not under Microsoft Entra applications in F&O. */
export const NOT_REGISTERED_APP: SandboxApp = {
  clientId: '1e2f3a4b-5c6d-4e7f-8a9b-c0d1e2f3a4b5',
  clientSecret: 'other-secret',
  displayName: MISCONFIGURED_APP_NAME,
  dataverseApplicationUser: false,
  fnoEntraApplication: false,
};

export type { TokenOptions };

export type ApiInit = Omit<RequestInit, 'headers' | 'body'> & {
  headers?: Record<string, string>;
  body?: string;
};

export interface FnoHarness {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** The sandbox's Entra ID (`https://127.0.0.1:<port>`). */
  entraUrl: string;
  stateDir: string;
  service: FnoService;
  /** `fetch` trusting the sandbox CA (control routes; `control()` in `fno-receiver.ts`). */
  fetch: SandboxFetch;
  lastContext(): RequestContext | undefined;
  /** msal-node's token for the main app by default; crafted ones are signed with Entra's key. */
  token(options?: TokenOptions): Promise<string>;
  /** fetch `/data/<path>` with a valid token of the main app unless `Authorization` is given. */
  api(pathAndQuery: string, init?: ApiInit): Promise<Response>;
  /** GET (or `init`) and parse JSON; throws on a non-2xx answer. */
  json<T = ODataCollection>(pathAndQuery: string, init?: ApiInit): Promise<T>;
  post(pathAndQuery: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(options?: { keepState?: boolean }): Promise<void>;
}

export type Entity = Record<string, unknown>;
export interface ODataCollection {
  '@odata.context': string;
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: Entity[];
}

export type HarnessOptions = Partial<Omit<FnoServiceOptions, 'verifier' | 'apps' | 'logger'>>;

export async function startFno(options: HarnessOptions = {}): Promise<FnoHarness> {
  const hosted = await startHosted({
    name: 'fno',
    identity: {
      tenantId: TENANT_ID,
      apps: [
        { ...MAIN_APP, objectId: '4b3a2f1e-0d9c-4b8a-9f7e-6d5c4b3a2f1e' },
        { ...NOT_REGISTERED_APP, objectId: '6f5e4d3c-2b1a-4f0e-8d9c-7b6a5f4e3d2c' },
      ],
    },
    stateDir: options.stateDir,
    tempPrefix: 'mlc-fno-',
    faultBodies: fnoFaultBodies,
    create: ({ stateDir, entra, verifier }) =>
      createFnoService({
        coldStartMs: 0,
        ...options,
        stateDir,
        verifier,
        apps: () => entra.apps(),
        logger: silentLogger(),
      }),
  });
  const { origin } = hosted;
  const defaultToken = await hosted.token();

  const api: FnoHarness['api'] = (pathAndQuery, init = {}) => {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
      Authorization: `Bearer ${defaultToken}`,
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...init.headers,
    };
    const url = /^https?:/.test(pathAndQuery) ? pathAndQuery : `${origin}/data/${pathAndQuery}`;
    return hosted.fetch(url, { ...init, headers });
  };

  return {
    origin,
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
    post: (pathAndQuery, body, headers = {}) =>
      api(pathAndQuery, { method: 'POST', body: JSON.stringify(body), headers }),
    close: hosted.close,
  };
}

/** The `innererror.message` of an F&O write failure. */
export async function infolog(response: Response): Promise<string> {
  const body = (await response.json()) as { error?: { innererror?: { message?: string; type?: string } } };
  return body.error?.innererror?.message ?? '';
}
