import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenRejectedError, type TokenRejection } from '../src/core/contracts';
import { sandboxDescriptorSchema } from '../src/descriptor';
import { createTokenVerifier } from '../src/entra';
import { startTestSandbox, type TestSandbox, tempStateDir } from './host.fixtures';

async function rejectionOf(promise: Promise<unknown>): Promise<TokenRejection | 'accepted'> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (error instanceof TokenRejectedError) return error.reason;
    throw error;
  }
}

describe('token verifier', () => {
  let state: Awaited<ReturnType<typeof tempStateDir>>;
  let t: TestSandbox;

  const tokenFor = async (resource: string): Promise<string> => {
    const app = t.entra.mainApp();
    const response = await t.client.postForm(`${t.entraUrl}/${t.entra.tenantId}/oauth2/v2.0/token`, {
      client_id: app.clientId,
      client_secret: app.clientSecret,
      grant_type: 'client_credentials',
      scope: `${resource}/.default`,
    });
    expect(response.status).toBe(200);
    return String(response.json()['access_token']);
  };
  const verifier = (now?: () => number) =>
    createTokenVerifier({
      jwks: t.entra.jwks(),
      tenantId: t.entra.tenantId,
      faults: t.sandbox.faults,
      service: 'dataverse',
      ...(now ? { now } : {}),
    });

  beforeAll(async () => {
    state = await tempStateDir();
    t = await startTestSandbox(state.dir);
  });

  afterEach(async () => {
    await t.client.putJson(`${t.resourceUrl}/_sandbox/faults`, {});
    await t.client.putJson(`${t.entraUrl}/_sandbox/faults`, {});
  });

  afterAll(async () => {
    await t.stop();
    await state.remove();
  });

  it('accepts a token for the service, whatever the case of the host or a trailing slash', async () => {
    const token = await tokenFor(t.resourceUrl);
    const verified = await verifier().verify(token, t.resourceUrl);
    const app = t.entra.mainApp();
    expect(verified).toMatchObject({
      audience: t.resourceUrl,
      tenantId: t.entra.tenantId,
      appId: app.clientId,
      objectId: app.objectId,
    });
    expect(verified.expiresAt - verified.issuedAt).toBe(3599);
    await expect(verifier().verify(token, `${t.resourceUrl}/`)).resolves.toMatchObject({
      appId: app.clientId,
    });
    await expect(verifier().verify(token, t.resourceUrl.replace('https', 'HTTPS'))).resolves.toBeDefined();
  });

  it('refuses a token for another audience', async () => {
    const port = new URL(t.resourceUrl).port;
    const forLocalhost = await tokenFor(`https://localhost:${port}`);
    expect(decodeJwt(forLocalhost).aud).toBe(`https://localhost:${port}`);
    expect(await rejectionOf(verifier().verify(forLocalhost, t.resourceUrl))).toBe('wrong_audience');
    const forResource = await tokenFor(t.resourceUrl);
    expect(await rejectionOf(verifier().verify(forResource, 'https://127.0.0.1:1'))).toBe('wrong_audience');
  });

  it('expires tokens issued before the token-expiry fault, and accepts tokens issued after it', async () => {
    const before = await tokenFor(t.resourceUrl);
    const set = await t.client.putJson(`${t.resourceUrl}/_sandbox/faults`, {
      expireTokensIssuedBefore: 'now',
    });
    expect(set.json()['expireTokensIssuedBefore']).toMatch(/^\d{4}-\d\d-\d\dT/);
    const rejected = await verifier()
      .verify(before, t.resourceUrl)
      .catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(TokenRejectedError);
    expect((rejected as TokenRejectedError).reason).toBe('expired');
    expect((rejected as TokenRejectedError).message).toMatch(/token-expiry fault/);

    const after = await tokenFor(t.resourceUrl);
    expect(await rejectionOf(verifier().verify(after, t.resourceUrl))).toBe('accepted');

    await t.client.putJson(`${t.resourceUrl}/_sandbox/faults`, {});
    expect(await rejectionOf(verifier().verify(before, t.resourceUrl))).toBe('accepted');

    // Set on the Entra port, the fault applies to every resource.
    await t.client.putJson(`${t.entraUrl}/_sandbox/faults`, {
      expireTokensIssuedBefore: new Date(Date.now() + 1000).toISOString(),
    });
    expect(await rejectionOf(verifier().verify(before, t.resourceUrl))).toBe('expired');
  });

  it('refuses a token past its exp', async () => {
    const token = await tokenFor(t.resourceUrl);
    const anHourLater = () => Date.now() + 3600 * 1000;
    expect(await rejectionOf(verifier(anHourLater).verify(token, t.resourceUrl))).toBe('expired');
  });

  it('refuses a tampered token, a token signed by another key, a missing and a malformed token', async () => {
    const token = await tokenFor(t.resourceUrl);
    const [header, payload, signature = ''] = token.split('.');
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    expect(await rejectionOf(verifier().verify(`${header}.${payload}.${flipped}`, t.resourceUrl))).toBe(
      'bad_signature',
    );

    const claims = decodeJwt(token);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: t.entra.jwks().keys[0]?.kid ?? '' })
      .sign(privateKey);
    expect(await rejectionOf(verifier().verify(forged, t.resourceUrl))).toBe('bad_signature');

    expect(await rejectionOf(verifier().verify('', t.resourceUrl))).toBe('missing');
    expect(await rejectionOf(verifier().verify('not-a-jwt', t.resourceUrl))).toBe('malformed');
  });
});

describe('sandbox state', () => {
  it('keeps the tenant, apps, signing key and CA across a restart and --reset, and writes sandbox.json', async () => {
    const state = await tempStateDir();
    try {
      const first = await startTestSandbox(state.dir);
      const tenantId = first.entra.tenantId;
      const apps = first.entra.apps();
      const jwks = first.entra.jwks();
      const caCertPem = first.sandbox.caCertPem;
      const app = first.entra.mainApp();
      const tokenResponse = await first.client.postForm(`${first.entraUrl}/${tenantId}/oauth2/v2.0/token`, {
        client_id: app.clientId,
        client_secret: app.clientSecret,
        grant_type: 'client_credentials',
        scope: `${first.resourceUrl}/.default`,
      });
      const token = String(tokenResponse.json()['access_token']);

      const descriptorPath = path.join(state.dir, 'sandbox.json');
      expect(first.sandbox.descriptorPath).toBe(descriptorPath);
      const descriptor = sandboxDescriptorSchema.parse(JSON.parse(await readFile(descriptorPath, 'utf8')));
      expect(descriptor).toEqual({
        caCertPath: path.join(state.dir, 'tls', 'ca.pem'),
        entra: { authorityHost: first.entraUrl, tenantId },
        sales: { url: first.resourceUrl, clientId: app.clientId, clientSecret: app.clientSecret },
      });
      expect(path.isAbsolute(descriptor.caCertPath)).toBe(true);
      for (const file of ['sandbox.json', 'entra/apps.json', 'entra/signing-key.pem']) {
        expect((await stat(path.join(state.dir, file))).mode & 0o777, file).toBe(0o600);
      }
      await first.stop();

      for (const reset of [false, true]) {
        const again = await startTestSandbox(state.dir, { reset });
        try {
          expect(again.entra.tenantId).toBe(tenantId);
          expect(again.entra.apps()).toEqual(apps);
          expect(again.entra.jwks()).toEqual(jwks);
          expect(again.sandbox.caCertPem).toBe(caCertPem);
          expect(again.resource.calls.reset).toBe(reset ? 1 : 0);
          const verified = await createTokenVerifier({ jwks: again.entra.jwks(), tenantId }).verify(
            token,
            first.resourceUrl,
          );
          expect(verified.appId).toBe(app.clientId);
        } finally {
          await again.stop();
        }
      }
    } finally {
      await state.remove();
    }
  });
});
