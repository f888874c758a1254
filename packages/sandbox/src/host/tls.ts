import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import path from 'node:path';
import forge from 'node-forge';
import { ensureDir, readIfExists, writeFileAtomic } from './files';

/**
 * The sandbox's TLS material: a CA generated once per install and a server certificate for the
 * loopback names, signed by it. Clients trust `ca.pem` (undici `connect: { ca }`,
 * `NODE_EXTRA_CA_CERTS`); the private keys never leave `<stateDir>/tls/` (mode 600).
 */
export interface TlsMaterial {
  /** Absolute path of `ca.pem`. */
  caCertPath: string;
  caCertPem: string;
  certPem: string;
  keyPem: string;
  /** What this call had to create (both false when everything was reused). */
  generated: { ca: boolean; server: boolean };
}

export interface TlsOptions {
  now?: Date;
  /** Lifetime of a new server certificate, default 825 days. */
  serverValidityDays?: number;
}

const CA_VALIDITY_YEARS = 10;
const DEFAULT_SERVER_VALIDITY_DAYS = 825;
/** A certificate this close to its end is replaced rather than reused. */
const RENEW_MARGIN_MS = 24 * 60 * 60 * 1000;
const SERVER_DNS_NAMES = ['localhost'];
const SERVER_IPS = ['127.0.0.1', '::1'];

export async function ensureTlsMaterial(stateDir: string, options: TlsOptions = {}): Promise<TlsMaterial> {
  const now = options.now ?? new Date();
  const dir = path.resolve(stateDir, 'tls');
  const files = {
    caCert: path.join(dir, 'ca.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
    cert: path.join(dir, 'server.pem'),
    key: path.join(dir, 'server-key.pem'),
  };
  await ensureDir(dir);

  let ca = await readPair(files.caCert, files.caKey);
  const generated = { ca: false, server: false };
  if (!ca || !isUsable(ca, now)) {
    ca = createCa(now);
    await writeFileAtomic(files.caKey, ca.keyPem);
    await writeFileAtomic(files.caCert, ca.certPem, 0o644);
    generated.ca = true;
  }

  let server = generated.ca ? undefined : await readPair(files.cert, files.key);
  if (!server || !isUsable(server, now) || !isIssuedBy(server.certPem, ca.certPem)) {
    server = createServerCertificate(ca, now, options.serverValidityDays ?? DEFAULT_SERVER_VALIDITY_DAYS);
    await writeFileAtomic(files.key, server.keyPem);
    await writeFileAtomic(files.cert, server.certPem, 0o644);
    generated.server = true;
  }

  return {
    caCertPath: files.caCert,
    caCertPem: ca.certPem,
    certPem: server.certPem,
    keyPem: server.keyPem,
    generated,
  };
}

interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

async function readPair(certFile: string, keyFile: string): Promise<CertificateAndKey | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  return certPem && keyPem ? { certPem, keyPem } : undefined;
}

/** Parses, is within its validity (with a day's margin) and matches its private key. */
function isUsable(pair: CertificateAndKey, now: Date): boolean {
  try {
    const cert = new X509Certificate(pair.certPem);
    const validFrom = new Date(cert.validFrom).getTime();
    const validTo = new Date(cert.validTo).getTime();
    if (validFrom > now.getTime() || validTo - RENEW_MARGIN_MS <= now.getTime()) return false;
    return cert.checkPrivateKey(createPrivateKey(pair.keyPem));
  } catch {
    return false;
  }
}

function isIssuedBy(certPem: string, caCertPem: string): boolean {
  try {
    return new X509Certificate(certPem).verify(new X509Certificate(caCertPem).publicKey);
  } catch {
    return false;
  }
}

function createCa(now: Date): CertificateAndKey {
  const keys = generateRsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now);
  cert.validity.notAfter.setUTCFullYear(now.getUTCFullYear() + CA_VALIDITY_YEARS);
  const subject = [
    { name: 'commonName', value: 'ml-connector sandbox CA' },
    { name: 'organizationName', value: 'ml-connector sandbox (local only)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

function createServerCertificate(ca: CertificateAndKey, now: Date, validityDays: number): CertificateAndKey {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = generateRsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * 24 * 60 * 60 * 1000);
  cert.setSubject([
    { name: 'commonName', value: 'localhost' },
    { name: 'organizationName', value: 'ml-connector sandbox' },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...SERVER_DNS_NAMES.map((value) => ({ type: 2, value })),
        ...SERVER_IPS.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

/** RSA 2048 from Node's native generator (fast), handed to forge for the certificate work. */
function generateRsaKeys(): {
  publicKey: forge.pki.rsa.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  privateKeyPem: string;
} {
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(pair.publicKey),
    privateKey: forge.pki.privateKeyFromPem(pair.privateKey),
    privateKeyPem: pair.privateKey,
  };
}

/** 128 random bits, positive (the high bit cleared so DER does not read it as negative). */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}
