import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConfidentialClientApplication } from '@azure/msal-node';
import { type CryptoKey, generateKeyPair } from 'jose';
import { Agent, type RequestInit as UndiciRequestInit, fetch as undiciFetch } from 'undici';
import { inject } from 'vitest';
import type { RequestContext, SandboxApp, SimulatorService, TokenVerifier } from '../src/core/contracts';
import {
  createEntraService,
  createTokenVerifier,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  type EntraService,
} from '../src/entra';
import { loadOrCreateSigningKey, type SigningKey } from '../src/entra/keys';
import { issueAccessToken } from '../src/entra/token';
import { ServiceDirectory } from '../src/host/directory';
import type { FaultBodies } from '../src/host/fault-bodies';
import { FaultStore } from '../src/host/faults';
import { ensureDir, readIfExists, writeFileAtomic } from '../src/host/files';
import { type RunningSandbox, startSandbox } from '../src/host/sandbox';
import { msalApp, silentLogger } from './host.fixtures';

/**
 * What the Dataverse and F&O harnesses share: the simulator behind the real sandbox host (HTTPS with
 * the sandbox CA, the host's control routing, faults and counters) next to the sandbox's Entra ID,
 * with tokens from msal-node, as `npm run sandbox` composes them. Only tokens a real tenant would
 * not issue (expired, foreign-signed, other audience or tenant, unregistered app) are minted here,
 * with Entra's own signing key and token code.
 */

/** A sandbox tenant with fixed ids, so that tests can name its apps. */
export interface SandboxIdentity {
  tenantId: string;
  apps: ReadonlyArray<SandboxApp & { objectId: string }>;
}

export interface TokenOptions {
  /** Default: the simulator's own URL. */
  audience?: string;
  /** Default: the main app. A registered app's token comes from msal-node like the default one. */
  appId?: string;
  tenantId?: string;
  expiresInSeconds?: number;
  /** Signed with another key under Entra's `kid` (a forged token). */
  foreignKey?: boolean;
}

/** `fetch` that trusts the sandbox CA. */
export type SandboxFetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface HostedSimulator<S extends SimulatorService> {
  /** `https://127.0.0.1:<port>` of the simulator. */
  origin: string;
  /** `https://127.0.0.1:<port>` of the sandbox's Entra ID. */
  entraUrl: string;
  stateDir: string;
  service: S;
  entra: EntraService;
  sandbox: RunningSandbox;
  fetch: SandboxFetch;
  /** The RequestContext the host handed to the service for its last request (not control routes). */
  lastContext(): RequestContext | undefined;
  /** msal-node's token for the main app and the simulator unless options ask for a crafted one. */
  token(options?: TokenOptions): Promise<string>;
  close(options?: { keepState?: boolean }): Promise<void>;
}

export interface HostedOptions<S extends SimulatorService> {
  name: 'dataverse' | 'fno';
  identity: SandboxIdentity;
  /** A state directory to use (kept on close); default a fresh temporary one (removed on close). */
  stateDir?: string | undefined;
  tempPrefix: string;
  faultBodies?: FaultBodies;
  create(deps: {
    stateDir: string;
    entra: EntraService;
    directory: ServiceDirectory;
    verifier: TokenVerifier;
  }): S | Promise<S>;
}

export async function startHosted<S extends SimulatorService>(
  options: HostedOptions<S>,
): Promise<HostedSimulator<S>> {
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(tmpdir(), options.tempPrefix)));
  await installIdentity(stateDir, options.identity);
  const faults = new FaultStore();
  const directory = new ServiceDirectory();
  const entra = await createEntraService({ stateDir, faults, directory });
  const verifier = createTokenVerifier({
    jwks: entra.jwks(),
    tenantId: entra.tenantId,
    faults,
    service: options.name,
  });
  const service = await options.create({ stateDir, entra, directory, verifier });
  let last: RequestContext | undefined;
  let sandbox: RunningSandbox;
  try {
    sandbox = await startSandbox({
      stateDir,
      logger: silentLogger(),
      faults,
      directory,
      // State is written when a test flushes or the harness closes, never behind a test's back
      // (a periodic flush could overlap the tests' own `service.flush()`, which bypasses the host).
      flushIntervalMs: 60 * 60 * 1000,
      services: [
        { service: entra, port: 0 },
        {
          service: recordingContexts(service, (ctx) => {
            last = ctx;
          }),
          port: 0,
          ...(options.faultBodies ? { faultBodies: options.faultBodies } : {}),
        },
      ],
    });
  } catch (error) {
    await service.close();
    throw error;
  }
  const origin = sandbox.urls[options.name] ?? '';
  const entraUrl = sandbox.urls.entra ?? '';
  const agent = new Agent({ connect: { ca: sandbox.caCertPem } });
  const sandboxFetch: SandboxFetch = (url, init = {}) =>
    // The global and undici's RequestInit are the same shape; their TypeScript declarations differ.
    undiciFetch(url, { ...init, dispatcher: agent } as UndiciRequestInit);

  const msalApps = new Map<string, ConfidentialClientApplication>();
  const msalTokens = new Map<string, string>();
  const msalToken = async (app: SandboxApp, resource: string): Promise<string> => {
    const cacheKey = `${app.clientId} ${resource}`;
    const cached = msalTokens.get(cacheKey);
    if (cached) return cached;
    let client = msalApps.get(app.clientId);
    if (!client) {
      client = msalApp({
        entraUrl,
        tenantId: entra.tenantId,
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        agent,
      });
      msalApps.set(app.clientId, client);
    }
    const result = await client.acquireTokenByClientCredential({ scopes: [`${resource}/.default`] });
    if (!result?.accessToken) throw new Error(`msal-node returned no token for ${app.displayName}`);
    msalTokens.set(cacheKey, result.accessToken);
    return result.accessToken;
  };

  let signingKey: Promise<SigningKey> | undefined;
  const mint = async (o: TokenOptions): Promise<string> => {
    // The key Entra wrote to the state directory and signs with (read, not created: Entra made it).
    signingKey ??= loadOrCreateSigningKey(stateDir);
    const key = await signingKey;
    const appId = o.appId ?? entra.mainApp().clientId;
    const app = entra.findApp(appId) ?? {
      clientId: appId,
      clientSecret: '',
      displayName: 'not registered in the sandbox tenant',
      objectId: randomUUID(),
      dataverseApplicationUser: false,
      fnoEntraApplication: false,
    };
    const issued = await issueAccessToken({
      key: o.foreignKey ? { ...key, privateKey: await foreignPrivateKey() } : key,
      tenantId: o.tenantId ?? entra.tenantId,
      app,
      audience: o.audience ?? origin,
      lifetimeSeconds: o.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
      nowMs: Date.now(),
    });
    return issued.accessToken;
  };

  const token = (o: TokenOptions = {}): Promise<string> => {
    const app = entra.findApp(o.appId ?? entra.mainApp().clientId);
    const crafted =
      o.audience !== undefined ||
      o.tenantId !== undefined ||
      o.expiresInSeconds !== undefined ||
      o.foreignKey === true;
    return app && !crafted ? msalToken(app, origin) : mint(o);
  };

  return {
    origin,
    entraUrl,
    stateDir,
    service,
    entra,
    sandbox,
    fetch: sandboxFetch,
    lastContext: () => last,
    token,
    async close(closeOptions = {}) {
      await sandbox.stop();
      await agent.destroy();
      if (!closeOptions.keepState && !options.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The service as the host sees it, noting the RequestContext of each request it is handed. */
function recordingContexts(
  service: SimulatorService,
  record: (ctx: RequestContext) => void,
): SimulatorService {
  const { control } = service;
  return {
    name: service.name,
    handle(req, body, res, ctx) {
      record(ctx);
      return service.handle(req, body, res, ctx);
    },
    ...(control ? { control: control.bind(service) } : {}),
    reset: () => service.reset(),
    flush: () => service.flush(),
    close: () => service.close(),
  };
}

/**
 * Writes the tenant's app registrations (`entra/apps.json`, as Entra keeps them) unless the state
 * directory has them, and copies the TLS material and signing key of the template the global setup
 * made (RSA key generation is the slow part of a first start). Entra and the host then start as on
 * an existing install.
 */
async function installIdentity(stateDir: string, identity: SandboxIdentity): Promise<void> {
  const appsFile = path.join(stateDir, 'entra', 'apps.json');
  if ((await readIfExists(appsFile)) === undefined) {
    const registrations = {
      version: 1,
      tenantId: identity.tenantId,
      tenantDisplayName: 'ml-connector sandbox',
      apps: identity.apps.map((app) => ({
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        displayName: app.displayName,
        objectId: app.objectId,
        dataverseApplicationUser: app.dataverseApplicationUser,
        fnoEntraApplication: app.fnoEntraApplication,
      })),
    };
    await writeFileAtomic(appsFile, `${JSON.stringify(registrations, null, 2)}\n`);
  }
  const template = inject('sandboxIdentityTemplate') as string | undefined;
  if (!template) return;
  const files = [
    'tls/ca.pem',
    'tls/ca-key.pem',
    'tls/server.pem',
    'tls/server-key.pem',
    'entra/signing-key.pem',
    'entra/signing-cert.pem',
  ];
  // Copied as a set, so that a state directory keeps whatever identity it already has.
  const present = await Promise.all(files.map((file) => readIfExists(path.join(stateDir, file))));
  if (present.some((text) => text !== undefined)) return;
  await Promise.all(['tls', 'entra'].map((dir) => ensureDir(path.join(stateDir, dir))));
  for (const file of files) await copyFile(path.join(template, file), path.join(stateDir, file));
}

let foreignKey: Promise<CryptoKey> | undefined;

/** A private key Entra never published. */
function foreignPrivateKey(): Promise<CryptoKey> {
  foreignKey ??= generateKeyPair('RS256').then((pair) => pair.privateKey);
  return foreignKey;
}
