import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTokenProvider } from '@mlc/connectors';
import { type CompleteSandbox, MAIN_APP_NAME, startCompleteSandbox } from '@mlc/sandbox';
import { Agent, type Dispatcher, request } from 'undici';
import { silentLogger } from './consumer-world';

/**
 * The provider side: the whole sandbox in-process (`startCompleteSandbox`, fresh seed, temporary
 * state directory, free ports), real tokens for its Dataverse and F&O from its Entra ID, and its
 * control API / Web API for provider states.
 */
export interface ProviderWorld {
  sandbox: CompleteSandbox;
  clientId: string;
  clientSecret: string;
  /** `Bearer …` for the sandbox's Dataverse or F&O. */
  bearer(service: 'dataverse' | 'fno'): Promise<string>;
  /** JSON to and from the sandbox (control API or the services' APIs, with a token when asked). */
  call(
    method: Dispatcher.HttpMethod,
    url: string,
    body?: unknown,
    options?: { auth?: 'dataverse' | 'fno'; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Record<string, string>; body: unknown }>;
  close(): Promise<void>;
}

export async function startProviderWorld(): Promise<ProviderWorld> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-contract-provider-'));
  const sandbox = await startCompleteSandbox({
    stateDir,
    reset: true,
    logger: silentLogger(),
    fnoColdStartMs: 0,
    // Small F&O pages, so that the paging interactions (next links) are verified with the seed.
    fnoMaxPageSize: 2,
    serviceProtection: false,
  });
  const app = sandbox.entra.apps().find((a) => a.displayName === MAIN_APP_NAME);
  if (!app) throw new Error('the sandbox has no main app');
  const tokens = createTokenProvider({
    authorityHost: sandbox.urls.entra,
    tenantId: sandbox.tenantId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    sandbox: { caPem: sandbox.caPem },
  });
  const agent = new Agent({ connect: { ca: sandbox.caPem } });
  const bearer = async (service: 'dataverse' | 'fno') =>
    `Bearer ${(await tokens.getToken(sandbox.urls[service])).token}`;
  return {
    sandbox,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    bearer,
    async call(method, url, body, options = {}) {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (options.auth) headers['authorization'] = await bearer(options.auth);
      const response = await request(url, {
        method,
        dispatcher: agent,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await response.body.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, headers: flat, body: parsed };
    },
    async close() {
      await agent.close();
      await sandbox.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
