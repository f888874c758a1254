// Shared by the host and Entra integration tests: temp state dirs, an HTTPS client trusting the
// sandbox CA, msal-node's network client on top of it, and a fake resource service.
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { createLogger, type Logger } from '@mlc/logger';
import { Agent, type Dispatcher, request } from 'undici';
import type { RequestContext, SimulatorService } from '../src/core/contracts';
import { createEntraService, describeSandbox, type EntraService } from '../src/entra';
import { ServiceDirectory } from '../src/host/directory';
import { FaultStore } from '../src/host/faults';
import { type RunningSandbox, type StartSandboxOptions, startSandbox } from '../src/host/sandbox';

export const silentLogger = (): Logger => createLogger({ name: 'sandbox-test', level: 'silent' });

export async function tempStateDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlc-sandbox-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

/** An HTTPS client that trusts the sandbox CA (and nothing else). */
export function sandboxClient(caCertPem: string) {
  const agent = new Agent({ connect: { ca: caCertPem } });
  const send = async (
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<HttpResult> => {
    const response = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init.headers ?? {},
      body: init.body ?? null,
      dispatcher: agent,
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
      text,
      json: <T>() => JSON.parse(text) as T,
    };
  };
  return {
    agent,
    send,
    get: (url: string, headers: Record<string, string> = {}) => send(url, { headers }),
    putJson: (url: string, value: unknown) =>
      send(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(value),
      }),
    postForm: (url: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      }),
    close: () => agent.close(),
  };
}

export type SandboxClient = ReturnType<typeof sandboxClient>;

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** msal-node's network module over undici with the sandbox CA (NODE_EXTRA_CA_CERTS is per process). */
export class SandboxNetworkClient implements INetworkModule {
  constructor(private readonly agent: Agent) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    const response = await request(url, {
      method,
      headers: options?.headers ?? {},
      body: method === 'POST' ? (options?.body ?? '') : null,
      dispatcher: this.agent,
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
      body: JSON.parse(text) as T,
    };
  }
}

export function msalApp(options: {
  entraUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  agent: Agent;
}): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authority: `${options.entraUrl}/${options.tenantId}`,
      knownAuthorities: [new URL(options.entraUrl).host],
    },
    system: { networkClient: new SandboxNetworkClient(options.agent) },
  });
}

export interface FakeService extends SimulatorService {
  calls: { reset: number; flush: number; close: number };
}

/**
 * A stand-in resource service: answers 200 with what the host told it; `GET /api/data/v9.2/<set>`
 * sets the entity set; `/throttle/<seconds>` answers 429 with `Retry-After` by itself (implicit
 * headers, as a service would).
 */
export function fakeService(name: SimulatorService['name'] = 'dataverse'): FakeService {
  const calls = { reset: 0, flush: 0, close: 0 };
  return {
    name,
    calls,
    async handle(req: IncomingMessage, body: Buffer, res: ServerResponse, ctx: RequestContext) {
      const url = new URL(req.url ?? '/', ctx.origin);
      const entitySet = /^\/api\/data\/v9\.2\/([A-Za-z]+)/.exec(url.pathname)?.[1];
      if (entitySet) ctx.entitySet = entitySet;
      const throttle = /^\/throttle\/(\d+)$/.exec(url.pathname)?.[1];
      if (throttle) {
        res.statusCode = 429;
        res.setHeader('Retry-After', throttle);
        res.end();
        return;
      }
      const payload = JSON.stringify({
        origin: ctx.origin,
        clientId: ctx.clientId ?? null,
        requestId: ctx.requestId,
        bodyBytes: body.length,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(payload);
    },
    async reset() {
      calls.reset += 1;
    },
    async flush() {
      calls.flush += 1;
    },
    async close() {
      calls.close += 1;
    },
  };
}

export interface TestSandbox {
  sandbox: RunningSandbox;
  entra: EntraService;
  resource: FakeService;
  client: SandboxClient;
  entraUrl: string;
  resourceUrl: string;
  stop: () => Promise<void>;
}

/** Entra + a fake Dataverse on free ports, as `main.ts` composes them. */
export async function startTestSandbox(
  stateDir: string,
  overrides: Partial<StartSandboxOptions> = {},
): Promise<TestSandbox> {
  const faults = new FaultStore();
  const directory = new ServiceDirectory();
  const entra = await createEntraService({ stateDir, faults, directory });
  const resource = fakeService('dataverse');
  const sandbox = await startSandbox({
    stateDir,
    logger: silentLogger(),
    faults,
    directory,
    services: [
      { service: entra, port: 0 },
      { service: resource, port: 0 },
    ],
    describe: (urls) => describeSandbox(entra, urls),
    ...overrides,
  });
  const client = sandboxClient(sandbox.caCertPem);
  return {
    sandbox,
    entra,
    resource,
    client,
    entraUrl: sandbox.urls.entra ?? '',
    resourceUrl: sandbox.urls.dataverse ?? '',
    stop: async () => {
      await client.close();
      await sandbox.stop();
    },
  };
}
