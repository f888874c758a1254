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
import { createFnoService, type FnoService, type FnoServiceOptions } from '../src/fno';

/**
 * Test harness: the F&O service behind a plain `node:http` server on 127.0.0.1 (TLS is the host's
 * business), with a local RS256 key pair standing in for Entra ID.
 */

export const TENANT_ID = '3c1d2e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5';
export const MAIN_APP: SandboxApp = {
  clientId: '7d2e1f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6',
  clientSecret: 'main-secret',
  displayName: 'ml-connector',
  dataverseApplicationUser: true,
  fnoEntraApplication: true,
};
/** Registered in Entra but not under Microsoft Entra applications in F&O. */
export const NOT_REGISTERED_APP: SandboxApp = {
  clientId: '1e2f3a4b-5c6d-4e7f-8a9b-c0d1e2f3a4b5',
  clientSecret: 'other-secret',
  displayName: 'ml-connector (not an application user)',
  dataverseApplicationUser: false,
  fnoEntraApplication: false,
};

const ISSUER = `https://login.microsoftonline.com/${TENANT_ID}/v2.0`;
const keys = await generateKeyPair('RS256');

/** Verifies the harness's tokens the way the sandbox Entra verifier does (signature, lifetime, aud). */
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
      throw new TokenRejectedError('malformed', error instanceof Error ? error.message : 'malformed');
    }
  },
};

export interface TokenOptions {
  audience?: string;
  appId?: string;
  expiresInSeconds?: number;
}

export type ApiInit = Omit<RequestInit, 'headers' | 'body'> & {
  headers?: Record<string, string>;
  body?: string;
};

export interface FnoHarness {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  stateDir: string;
  service: FnoService;
  lastContext(): RequestContext | undefined;
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
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(tmpdir(), 'mlc-fno-')));
  const logger = createLogger({ name: 'fno-test', level: 'silent' });
  const service = await createFnoService({
    coldStartMs: 0,
    ...options,
    stateDir,
    verifier: localVerifier,
    apps: () => [MAIN_APP, NOT_REGISTERED_APP],
    logger,
  });
  let last: RequestContext | undefined;
  let origin = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const pathname = new URL(req.url ?? '/', origin).pathname;
      if (pathname.startsWith('/_sandbox/')) {
        // The sandbox control routes of the F&O port, as the host hands them over.
        service.control(pathname, req, Buffer.concat(chunks), res).then(
          (handled) => {
            if (!handled) res.writeHead(404).end();
          },
          (error: unknown) => res.writeHead(599).end(String(error)),
        );
        return;
      }
      last = { origin, requestId: randomUUID(), logger };
      service.handle(req, Buffer.concat(chunks), res, last).catch((error: unknown) => {
        res.writeHead(599).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const token = (o: TokenOptions = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const expires = now + (o.expiresInSeconds ?? 3600);
    return new SignJWT({ tid: TENANT_ID, appid: o.appId ?? MAIN_APP.clientId, oid: randomUUID() })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISSUER)
      .setAudience(o.audience ?? origin)
      .setIssuedAt(Math.min(now, expires - 1))
      .setExpirationTime(expires)
      .sign(keys.privateKey);
  };
  const defaultToken = await token();

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
    return fetch(url, { ...init, headers });
  };

  return {
    get origin() {
      return origin;
    },
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
    post: (pathAndQuery, body, headers = {}) =>
      api(pathAndQuery, { method: 'POST', body: JSON.stringify(body), headers }),
    async close(closeOptions = {}) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      if (!closeOptions.keepState && !options.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The `innererror.message` of an F&O write failure. */
export async function infolog(response: Response): Promise<string> {
  const body = (await response.json()) as { error?: { innererror?: { message?: string; type?: string } } };
  return body.error?.innererror?.message ?? '';
}
