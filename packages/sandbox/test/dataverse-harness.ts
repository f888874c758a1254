import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@mlc/logger';
import { generateKeyPair, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import {
  type RequestContext,
  type SandboxApp,
  TokenRejectedError,
  type TokenVerifier,
  type VerifiedToken,
} from '../src/core/contracts';
import {
  createDataverseService,
  type DataverseService,
  type DataverseServiceOptions,
} from '../src/dataverse';

/**
 * Test harness: the Dataverse service behind a plain `node:http` server on 127.0.0.1, with a
 * local RS256 key pair standing in for Entra ID (the host engineer covers TLS and the real Entra).
 */

export const TENANT_ID = '8f1c4e2a-3b5d-4c6e-9f70-112233445566';
export const AUTHORITY_HOST = 'https://127.0.0.1:4401';
export const MAIN_APP: SandboxApp = {
  clientId: '5a0c6d2e-1f3b-4a5c-8d7e-9f0a1b2c3d4e',
  clientSecret: 'main-secret',
  displayName: 'ml-connector',
  dataverseApplicationUser: true,
  fnoEntraApplication: true,
};
export const MISCONFIGURED_APP: SandboxApp = {
  clientId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
  clientSecret: 'other-secret',
  displayName: 'ml-connector (not an application user)',
  dataverseApplicationUser: false,
  fnoEntraApplication: false,
};

const ISSUER = `https://login.microsoftonline.com/${TENANT_ID}/v2.0`;
const keys = await generateKeyPair('RS256');
const otherKeys = await generateKeyPair('RS256');

/** Verifies the harness's tokens like the sandbox's Entra verifier does. */
export const localVerifier: TokenVerifier = {
  async verify(token: string, audience: string): Promise<VerifiedToken> {
    if (!token) throw new TokenRejectedError('missing', 'no token');
    try {
      const { payload } = await jwtVerify(token, keys.publicKey, { issuer: ISSUER, algorithms: ['RS256'] });
      const { aud, tid, appid, oid, iat, exp } = payload;
      if (
        typeof aud !== 'string' ||
        typeof tid !== 'string' ||
        typeof appid !== 'string' ||
        typeof oid !== 'string'
      ) {
        throw new TokenRejectedError('malformed', 'claims missing');
      }
      if (aud.replace(/\/$/, '').toLowerCase() !== audience.replace(/\/$/, '').toLowerCase()) {
        throw new TokenRejectedError('wrong_audience', `token for ${aud}, not ${audience}`);
      }
      return {
        audience: aud,
        tenantId: tid,
        appId: appid,
        objectId: oid,
        issuedAt: iat ?? 0,
        expiresAt: exp ?? 0,
      };
    } catch (error) {
      if (error instanceof TokenRejectedError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new TokenRejectedError('expired', 'expired');
      if (error instanceof joseErrors.JWSSignatureVerificationFailed)
        throw new TokenRejectedError('bad_signature', 'bad signature');
      throw new TokenRejectedError('malformed', error instanceof Error ? error.message : 'malformed');
    }
  },
};

export interface TokenOptions {
  audience?: string;
  appId?: string;
  tenantId?: string;
  expiresInSeconds?: number;
  /** Sign with a key the verifier does not know. */
  foreignKey?: boolean;
}

export type ApiInit = Omit<RequestInit, 'headers'> & { headers?: Record<string, string> };

export interface Harness {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `http://127.0.0.1:<port>/api/data/v9.2/` */
  root: string;
  stateDir: string;
  service: DataverseService;
  /** The RequestContext of the last request, as the service left it (clientId, entitySet). */
  lastContext(): RequestContext | undefined;
  token(options?: TokenOptions): Promise<string>;
  /** fetch with a valid token for the main app (unless `Authorization` is given) and OData headers. */
  api(pathAndQuery: string, init?: ApiInit): Promise<Response>;
  json<T = Record<string, unknown>>(pathAndQuery: string, init?: ApiInit): Promise<T>;
  close(options?: { keepState?: boolean }): Promise<void>;
}

export async function startHarness(
  options: Partial<Omit<DataverseServiceOptions, 'verifier' | 'apps' | 'authority' | 'logger'>> = {},
): Promise<Harness> {
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(tmpdir(), 'mlc-dataverse-')));
  const logger = createLogger({ name: 'dataverse-test', level: 'silent' });
  const service = createDataverseService({
    seedSize: { accounts: 300, contacts: 400 },
    ...options,
    stateDir,
    verifier: localVerifier,
    apps: () => [MAIN_APP, MISCONFIGURED_APP],
    authority: { host: AUTHORITY_HOST, tenantId: TENANT_ID },
    logger,
  });
  await service.ready();
  let last: RequestContext | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const pathname = new URL(req.url ?? '/', origin).pathname;
      if (pathname.startsWith('/_sandbox/')) {
        // What the host does: its own routes first (not simulated here), then the service's.
        void service.control?.(pathname, req, body, res).then((handled) => {
          if (!handled) res.writeHead(404).end();
        });
        return;
      }
      last = { origin, requestId: randomUUID(), logger };
      void service.handle(req, body, res, last);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const root = `${origin}/api/data/v9.2/`;

  const token = async (o: TokenOptions = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const expires = now + (o.expiresInSeconds ?? 3600);
    return new SignJWT({
      tid: o.tenantId ?? TENANT_ID,
      appid: o.appId ?? MAIN_APP.clientId,
      oid: randomUUID(),
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISSUER)
      .setAudience(o.audience ?? origin)
      .setIssuedAt(Math.min(now, expires - 1))
      .setExpirationTime(expires)
      .sign(o.foreignKey ? otherKeys.privateKey : keys.privateKey);
  };
  const defaultToken = await token();

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
    return fetch(url, { ...init, headers });
  };

  return {
    origin,
    root,
    stateDir,
    service,
    lastContext: () => last,
    token,
    api,
    async json<T>(pathAndQuery: string, init?: ApiInit): Promise<T> {
      const response = await api(pathAndQuery, init);
      const text = await response.text();
      if (!response.ok) throw new Error(`${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
    async close(closeOptions = {}) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      if (!closeOptions.keepState && !options.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
