import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  createDataverseHttpClient,
  createFnoHttpClient,
  dataverseConfigSchema,
  fnoConfigSchema,
  type HttpClient,
} from '@mlc/connectors';
import {
  type ConnectionSettingsInput,
  createDbClient,
  createKeyring,
  createSecretsRepository,
  createVault,
  type DbClient,
  parseKey,
  schema,
} from '@mlc/db';
import { createLogger, type Logger } from '@mlc/logger';
import { type CompleteSandbox, startCompleteSandbox } from '@mlc/sandbox';
import { IntakeError, type RunningWorker, receiveDataverseWebhook, startWorker } from '@mlc/worker';
import { workerNodeArgs } from '@mlc/worker/node-options';
import pg from 'pg';
import type { BenchEnv } from './env';

const here = path.dirname(fileURLToPath(import.meta.url));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Row = Record<string, unknown>;

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  loadavg: number[];
  commit: string;
  dirty: boolean;
}

export function machine(): Machine {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: here, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavg: loadavg().map((value) => Math.round(value * 100) / 100),
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--', '.', '../apps/worker/src', '../packages']).length > 0,
  };
}

export const quietLogger = (): Logger =>
  createLogger({ name: 'bench', destination: new Writable({ write: (_c, _e, done) => done() }) });

/** A scratch database on the server of `DATABASE_URL`, dropped by `drop()`. */
async function scratchDatabase(adminUrl: string) {
  const name = `mlc_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'ml-connector-bench' });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl, application_name: 'ml-connector-bench' });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const secret = () =>
  `${Array.from({ length: 3 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('')}8Q~${randomBytes(26).toString('base64url').slice(0, 34)}`;

/**
 * The sandbox tenant's app registrations, written before the sandbox starts: the product's app
 * (the worker's calls) and a second application user for the people the bench acts as (their
 * calls are counted under their own client id, so the sandbox counters separate them).
 */
async function writeApps(stateDir: string) {
  const app = (displayName: string, access: boolean) => ({
    clientId: randomUUID(),
    clientSecret: secret(),
    displayName,
    objectId: randomUUID(),
    dataverseApplicationUser: access,
    fnoEntraApplication: access,
  });
  const main = app('ml-connector', true);
  const users = app('bench users', true);
  await mkdir(path.join(stateDir, 'entra'), { recursive: true });
  await writeFile(
    path.join(stateDir, 'entra', 'apps.json'),
    `${JSON.stringify(
      {
        version: 1,
        tenantId: randomUUID(),
        tenantDisplayName: 'ml-connector sandbox',
        apps: [main, app('ml-connector (not an application user)', false), users],
      },
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );
  return { main, users };
}

export interface ChildWorker {
  pid: number;
  stop(): Promise<void>;
  log(): string;
  /** Peak and last RSS (bytes) seen by the sampler since the last `resetPeak()`. */
  rss(): { peak: number; last: number; samples: number };
  /** CPU seconds (user + system) the process has used so far (`/proc/<pid>/stat`). */
  cpuSeconds(): number;
  resetPeak(): void;
}

export interface BenchHarness {
  sandbox: CompleteSandbox;
  db: DbClient;
  connectionId: string;
  /** The product's app (the worker's calls) and the users' app (the bench's own calls). */
  clientIds: { worker: string; users: string };
  queue: RunningWorker;
  webhooks: { received: number };
  /** Dataverse Web API / F&O OData as a user (the bench users' app). */
  dv<T = Row>(
    method: string,
    target: string,
    json?: unknown,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    body: T;
    headers: Record<string, string>;
  }>;
  fno<T = Row>(method: string, target: string, json?: unknown): Promise<{ status: number; body: T }>;
  control<T = Row>(service: 'dataverse' | 'fno', method: string, target: string, json?: unknown): Promise<T>;
  startWorkers(count: number, options?: { concurrency?: number }): Promise<ChildWorker[]>;
  /** The worker processes running now. */
  workers(): ChildWorker[];
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  products?: number;
  settings: Partial<ConnectionSettingsInput>;
  /** Dataverse service-protection limits (on by default, as in production). */
  serviceProtection?: boolean;
  fnoMaxPageSize?: number;
}

export async function startBenchHarness(env: BenchEnv, options: HarnessOptions): Promise<BenchHarness> {
  const logger = quietLogger();
  const database = await scratchDatabase(env.databaseUrl);
  const stateDir = await mkdtemp(path.join(tmpdir(), 'mlc-bench-'));
  const apps = await writeApps(stateDir);
  const sandbox = await startCompleteSandbox({
    stateDir,
    reset: true,
    logger,
    fnoColdStartMs: 100,
    ...(options.products === undefined ? {} : { products: options.products }),
    ...(options.fnoMaxPageSize === undefined ? {} : { fnoMaxPageSize: options.fnoMaxPageSize }),
    ...(options.serviceProtection === false ? { serviceProtection: false } : {}),
  });
  const encryptionKey = randomBytes(32).toString('base64');
  const vault = createVault(createKeyring(parseKey(encryptionKey, 'bench key')));
  // The intake side (what the portal does): queue only, runs no sync.
  const queue = await startWorker({
    databaseUrl: database.url,
    logger,
    health: { host: '127.0.0.1', port: 0 },
    vault,
    sync: false,
  });
  const db = createDbClient(database.url, { max: 4 });
  const [workspace] = await db.db
    .insert(schema.workspaces)
    .values({ name: 'Bench', slug: `bench-${randomUUID().slice(0, 8)}` })
    .returning();
  const [connection] = await db.db
    .insert(schema.connections)
    .values({
      workspaceId: workspace?.id ?? '',
      name: 'Sandbox',
      authorityHost: sandbox.urls.entra,
      entraTenantId: sandbox.tenantId,
      salesUrl: sandbox.urls.dataverse,
      salesClientId: apps.main.clientId,
      fnoUrl: sandbox.urls.fno,
      fnoClientId: apps.main.clientId,
      settings: { ...options.settings, sandbox: { caPem: sandbox.caPem } } as never,
    })
    .returning();
  const connectionId = connection?.id ?? '';
  const secrets = createSecretsRepository(db.db, vault);
  await secrets.put(connectionId, 'sales_client_secret', apps.main.clientSecret);
  await secrets.put(connectionId, 'fno_client_secret', apps.main.clientSecret);
  const webhookSecret = randomBytes(24).toString('base64url');

  const webhooks = { received: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers['x-mlc-webhook-secret'] !== webhookSecret) {
        res.writeHead(401).end();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers[name] = value;
      receiveDataverseWebhook(
        { db: queue.db, jobs: queue.jobs },
        { connectionId, headers, body: Buffer.concat(chunks).toString('utf8') },
      ).then(
        () => {
          webhooks.received += 1;
          res.writeHead(202).end();
        },
        (error: unknown) =>
          res.writeHead(error instanceof IntakeError ? error.status : 500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;

  const common = {
    authorityHost: sandbox.urls.entra,
    tenantId: sandbox.tenantId,
    clientId: apps.users.clientId,
    clientSecret: apps.users.clientSecret,
    sandbox: { caPem: sandbox.caPem },
  };
  const salesHttp: HttpClient = createDataverseHttpClient(
    dataverseConfigSchema.parse({ url: sandbox.urls.dataverse, ...common }),
    { logger },
  );
  const fnoHttp: HttpClient = createFnoHttpClient(
    fnoConfigSchema.parse({
      url: sandbox.urls.fno,
      ...common,
      defaultLegalEntity: 'usmf',
      legalEntitySettings: { usmf: { customerGroupId: '10', currencyCode: 'USD' } },
    }),
    { logger },
  );
  await queue.control.enable(connectionId, { webhookUrl, webhookSecret });

  const call =
    (http: HttpClient, base: string) =>
    async <T>(method: string, target: string, json?: unknown, headers: Record<string, string> = {}) => {
      const response = await http.request<T>({
        method: method as 'GET',
        url: `${base}${target.replaceAll(' ', '%20')}`,
        ...(json === undefined ? {} : { json }),
        headers: { Prefer: 'odata.include-annotations="*"', ...headers },
        priority: 'live',
      });
      return { status: response.status, body: response.body, headers: response.headers };
    };

  const children: { child: ChildProcess; worker: ChildWorker }[] = [];
  const startChild = async (concurrency: number): Promise<ChildWorker> => {
    const child = spawn(
      process.execPath,
      [
        ...workerNodeArgs(env.childEnv),
        ...env.workerNodeArgs,
        '--import',
        'tsx',
        path.join(here, 'worker-child.ts'),
      ],
      {
        cwd: path.resolve(here, '..'),
        env: {
          ...env.childEnv,
          DATABASE_URL: database.url,
          MLC_ENCRYPTION_KEY: encryptionKey,
          LOG_LEVEL: env.logLevel,
          WORKER_CONCURRENCY: String(concurrency),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (env.workerLog) appendFileSync(env.workerLog, chunk);
      lines.push(...chunk.split('\n').filter(Boolean));
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const pid = await new Promise<number>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(
        () => reject(new Error(`worker not ready in 60 s:\n${lines.join('\n')}`)),
        60_000,
      );
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        if (env.workerStdout) appendFileSync(env.workerStdout, chunk);
        buffer += chunk;
        const match = /^\{"ready":.*\}$/m.exec(buffer);
        if (match) {
          clearTimeout(timer);
          resolve((JSON.parse(match[0]) as { ready: { pid: number } }).ready.pid);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`worker exited (${code ?? signal}) before it was ready:\n${lines.join('\n')}`));
      });
    });
    let peak = 0;
    let last = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      const rss = rssOf(pid);
      if (rss === undefined) return;
      last = rss;
      samples += 1;
      if (rss > peak) peak = rss;
    }, 100);
    sampler.unref();
    const worker: ChildWorker = {
      pid,
      log: () => lines.join('\n'),
      rss: () => ({ peak, last, samples }),
      cpuSeconds: () => cpuSecondsOf(pid),
      resetPeak: () => {
        peak = last;
      },
      async stop() {
        clearInterval(sampler);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
    children.push({ child, worker });
    return worker;
  };

  const harness: BenchHarness = {
    sandbox,
    db,
    connectionId,
    clientIds: { worker: apps.main.clientId, users: apps.users.clientId },
    queue,
    webhooks,
    dv: call(salesHttp, `${sandbox.urls.dataverse}/api/data/v9.2/`),
    fno: call(fnoHttp, `${sandbox.urls.fno}/data/`),
    control: (service, method, target, json) =>
      controlRequest(sandbox.urls[service], sandbox.caPem, method, target, json),
    async startWorkers(count, opts = {}) {
      const started: ChildWorker[] = [];
      for (let i = 0; i < count; i += 1) started.push(await startChild(opts.concurrency ?? 8));
      return started;
    },
    workers: () => children.map(({ worker }) => worker),
    async stopWorkers() {
      await Promise.all(children.map(({ worker }) => worker.stop()));
      children.length = 0;
    },
    async close() {
      await harness.stopWorkers();
      await queue.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([salesHttp.close(), fnoHttp.close()]);
      await db.close();
      await sandbox.stop();
      await rm(stateDir, { recursive: true, force: true });
      if (env.keepDatabase) console.error(`kept database: ${database.name}`);
      else await database.drop();
    },
  };
  return harness;
}

/** CPU seconds (user + system) a process has used (Linux `/proc/<pid>/stat`, 100 ticks a second). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Busy and total CPU ticks of the whole machine so far (`/proc/stat`), every process of every user. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Resident set size of a process (Linux `/proc/<pid>/statm`), bytes. */
function rssOf(pid: number): number | undefined {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8');
    const pages = Number(statm.split(' ')[1]);
    return pages * 4096;
  } catch {
    return undefined;
  }
}

async function controlRequest<T>(
  base: string,
  caPem: string,
  method: string,
  target: string,
  json?: unknown,
): Promise<T> {
  const url = new URL(target, base);
  const payload = json === undefined ? undefined : JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method, ca: caPem, headers: payload === undefined ? {} : { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) {
            reject(new Error(`${method} ${target}: ${res.statusCode} ${text}`));
            return;
          }
          resolve((text ? JSON.parse(text) : undefined) as T);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
