import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
 *
 * Every run records into a folder of its own, `runs/<started>-<pid>/`, and ends by writing its
 * `complete.json`: `{ finishedAt, full, testFiles, ran, missing, testNamePattern, failedTests }`.
 * A run is `full` when it ran every integration test file of this package with no name filter; the
 * gate reads the latest full run only. So a partial run (one file, `-t`) never destroys a complete
 * recording, and two runs at once never mix their files. Old runs are removed when a full run
 * ends (all finished runs before it, and unfinished ones older than a day).
 */
const UNFINISHED_KEPT_MS = 24 * 60 * 60 * 1000;

interface RecordingRun {
  root: string;
  dir: string;
  startedAt: number;
}

function startRequestRecording(): RecordingRun | undefined {
  const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
  const root =
    process.env['MLC_RECORD_REQUESTS'] || path.join(repoRoot, 'node_modules', '.cache', 'mlc-requests');
  if (root === 'off') {
    delete process.env['MLC_RECORD_REQUESTS'];
    delete process.env['MLC_RECORD_REQUESTS_RUN'];
    return undefined;
  }
  const startedAt = Date.now();
  const dir = path.join(
    root,
    'runs',
    `${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}-${process.pid}`,
  );
  mkdirSync(dir, { recursive: true });
  process.env['MLC_RECORD_REQUESTS'] = root;
  // The test workers read this (`request-recorder.ts`); they inherit the environment.
  process.env['MLC_RECORD_REQUESTS_RUN'] = dir;
  return { root, dir, startedAt };
}

/** What the run covered: every integration test file of the package, and no name filter? */
async function describeRun(project: TestProject) {
  const { testFiles } = await project.globTestFiles();
  const modules = project.vitest.state.getTestModules().filter((m) => m.project.name === project.name);
  const ran = new Set(modules.map((m) => m.moduleId));
  const relative = (file: string) => path.relative(project.config.root, file);
  const missing = testFiles.filter((file) => !ran.has(file)).map(relative);
  const testNamePattern = project.vitest.config.testNamePattern?.source;
  const failedTests = modules.reduce(
    (sum, m) => sum + [...m.children.allTests()].filter((t) => t.result().state === 'failed').length,
    0,
  );
  return {
    full: missing.length === 0 && !testNamePattern && testFiles.length > 0,
    testFiles: testFiles.length,
    ran: [...ran].map(relative).sort(),
    missing,
    ...(testNamePattern ? { testNamePattern } : {}),
    failedTests,
  };
}

/** After a full run: the finished runs before it, and unfinished runs older than a day, go. */
function pruneRuns(run: RecordingRun): void {
  const runs = path.join(run.root, 'runs');
  for (const name of readdirSync(runs)) {
    const dir = path.join(runs, name);
    if (dir === run.dir) continue;
    const complete = path.join(dir, 'complete.json');
    const finishedAt = existsSync(complete)
      ? Date.parse((JSON.parse(readFileSync(complete, 'utf8')) as { finishedAt: string }).finishedAt)
      : undefined;
    const old =
      finishedAt === undefined
        ? runStartedAt(name) < run.startedAt - UNFINISHED_KEPT_MS
        : finishedAt < run.startedAt;
    if (old) rmSync(dir, { recursive: true, force: true });
  }
  // The layout before per-run folders: files directly in the root.
  for (const name of readdirSync(run.root)) {
    if (name.endsWith('.jsonl') || name === 'complete.json')
      rmSync(path.join(run.root, name), { force: true });
  }
}

/** The start time in a run folder's name (`2025-01-31T10-00-00-000Z-1234`). */
function runStartedAt(name: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-/.exec(name);
  return match ? Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`) : 0;
}

export default function setup(project: TestProject): () => Promise<void> {
  const recording = startRequestRecording();
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
  return async () => {
    if (!recording) return;
    const run = await describeRun(project);
    writeFileSync(
      path.join(recording.dir, 'complete.json'),
      `${JSON.stringify({ finishedAt: new Date().toISOString(), ...run }, null, 2)}\n`,
    );
    if (run.full) pruneRuns(recording);
  };
}
