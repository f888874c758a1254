import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * TLS material for the integration tests, made once per run with the `openssl` CLI (Node cannot
 * issue X.509 certificates by itself): a test CA with a server certificate for 127.0.0.1 and
 * localhost, and a second, unrelated CA with its own server certificate (to prove that only the
 * configured CA is trusted).
 */
export interface TlsFixture {
  caPem: string;
  certPem: string;
  keyPem: string;
  otherCaPem: string;
  otherCertPem: string;
  otherKeyPem: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    tls: TlsFixture;
  }
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `The integration tests make their TLS certificates with the openssl CLI: openssl ${args[0]} failed.`,
      {
        cause: error,
      },
    );
  }
}

/** Splits a command line without quoting (none of these arguments has spaces). */
const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);
const EC_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';

function issue(dir: string, name: string): { caPem: string; certPem: string; keyPem: string } {
  openssl(
    [
      ...words(`req -x509 ${EC_KEY} -days 2 -keyout ${name}-ca.key -out ${name}-ca.pem`),
      ...['-subj', `/CN=mlc ${name} test CA`],
      ...words('-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign'),
    ],
    dir,
  );
  openssl(words(`req ${EC_KEY} -keyout ${name}.key -out ${name}.csr -subj /CN=127.0.0.1`), dir);
  writeFileSync(
    path.join(dir, `${name}.ext`),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    words(
      `x509 -req -in ${name}.csr -CA ${name}-ca.pem -CAkey ${name}-ca.key -CAcreateserial -days 2 -out ${name}.pem -extfile ${name}.ext`,
    ),
    dir,
  );
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  return { caPem: read(`${name}-ca.pem`), certPem: read(`${name}.pem`), keyPem: read(`${name}.key`) };
}

/**
 * Where the harness records the connectors' calls for the contract tests' coverage gate
 * (`test/request-recorder.ts`): `MLC_RECORD_REQUESTS`, by default `node_modules/.cache/mlc-requests`
 * at the repository root (where `contract-tests` looks); `MLC_RECORD_REQUESTS=off` records nothing.
 * Each run starts with an empty directory and ends by writing `complete.json`.
 */
function prepareRequestRecording(): string | undefined {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
  const dir = process.env['MLC_RECORD_REQUESTS'] || path.join(root, 'node_modules', '.cache', 'mlc-requests');
  if (dir === 'off') {
    delete process.env['MLC_RECORD_REQUESTS'];
    return undefined;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env['MLC_RECORD_REQUESTS'] = dir;
  return dir;
}

export default function setup(project: TestProject): () => void {
  const recordDir = prepareRequestRecording();
  const dir = mkdtempSync(path.join(tmpdir(), 'mlc-connectors-tls-'));
  try {
    const main = issue(dir, 'main');
    const other = issue(dir, 'other');
    project.provide('tls', {
      ...main,
      otherCaPem: other.caPem,
      otherCertPem: other.certPem,
      otherKeyPem: other.keyPem,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return () => {
    if (recordDir) {
      writeFileSync(
        path.join(recordDir, 'complete.json'),
        `${JSON.stringify({ finishedAt: new Date().toISOString() })}\n`,
      );
    }
  };
}
