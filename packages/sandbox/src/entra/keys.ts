import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { type CryptoKey, importPKCS8, type JWK } from 'jose';
import forge from 'node-forge';
import { SandboxStateError } from '../host/errors';
import { readIfExists, writeFileAtomic } from '../host/files';

/** The key Entra signs tokens with, and its public half as published in the JWKS. */
export interface SigningKey {
  /** `kid` (and `x5t`): base64url SHA-1 thumbprint of the key's certificate, as Entra's are. */
  kid: string;
  privateKey: CryptoKey;
  /** `{kty, use, kid, x5t, n, e, x5c}` */
  publicJwk: JWK & { kid: string; x5t: string; x5c: string[] };
}

/**
 * Loads `<stateDir>/entra/signing-key.pem` (mode 600) and its self-signed certificate, generating
 * both on first start. The key survives restarts and `--reset`, so tokens stay verifiable.
 */
export async function loadOrCreateSigningKey(stateDir: string): Promise<SigningKey> {
  const dir = path.resolve(stateDir, 'entra');
  const keyFile = path.join(dir, 'signing-key.pem');
  const certFile = path.join(dir, 'signing-cert.pem');
  let keyPem = await readIfExists(keyFile);
  let certPem = await readIfExists(certFile);
  if (keyPem === undefined || certPem === undefined) {
    ({ keyPem, certPem } = createSigningKey());
    await writeFileAtomic(keyFile, keyPem);
    await writeFileAtomic(certFile, certPem, 0o644);
  }
  try {
    const der = Buffer.from(
      forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(certPem))).getBytes(),
      'binary',
    );
    const kid = createHash('sha1').update(der).digest('base64url');
    const publicKey = createPublicKey(createPrivateKey(keyPem)).export({ format: 'jwk' });
    return {
      kid,
      privateKey: await importPKCS8(keyPem, 'RS256'),
      publicJwk: {
        kty: 'RSA',
        use: 'sig',
        kid,
        x5t: kid,
        n: String(publicKey.n),
        e: String(publicKey.e),
        x5c: [der.toString('base64')],
      },
    };
  } catch (error) {
    throw new SandboxStateError(
      keyFile,
      'unusable signing key; delete it and signing-cert.pem to generate a new one',
      {
        cause: error,
      },
    );
  }
}

function createSigningKey(): { keyPem: string; certPem: string } {
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = new Date();
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now);
  cert.validity.notAfter.setUTCFullYear(now.getUTCFullYear() + 10);
  const subject = [{ name: 'commonName', value: 'ml-connector sandbox token signing' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(pair.privateKey), forge.md.sha256.create());
  return { keyPem: pair.privateKey, certPem: forge.pki.certificateToPem(cert) };
}
