/** The environment the benchmarks read (the only file that touches `process.env`). */
export interface BenchEnv {
  /** Server the bench creates its own scratch database on (dropped at the end). */
  databaseUrl: string;
  logLevel: string;
  /** Extra environment for the worker child processes. */
  childEnv: NodeJS.ProcessEnv;
  /** Extra Node arguments of the worker processes (`BENCH_WORKER_NODE_ARGS`, e.g. `--cpu-prof`). */
  workerNodeArgs: string[];
  /** File the worker processes' stdout is appended to (`BENCH_WORKER_STDOUT`, e.g. for `--trace-gc`). */
  workerStdout?: string | undefined;
  /** File the worker processes' logs (stderr) are appended to (`BENCH_WORKER_LOG`, with `BENCH_LOG_LEVEL`). */
  workerLog?: string | undefined;
  /** Keep the scratch database at the end (`BENCH_KEEP_DATABASE=1`), to look at its records and audit trail. */
  keepDatabase?: boolean;
}

export function readBenchEnv(): BenchEnv {
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    throw new Error(
      'DATABASE_URL is required (a PostgreSQL server; the bench creates and drops a scratch database on it)',
    );
  }
  return {
    databaseUrl,
    logLevel: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
    childEnv: { ...process.env },
    workerNodeArgs: (process.env['BENCH_WORKER_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
    workerStdout: process.env['BENCH_WORKER_STDOUT'] || undefined,
    workerLog: process.env['BENCH_WORKER_LOG'] || undefined,
    keepDatabase: process.env['BENCH_KEEP_DATABASE'] === '1',
  };
}

/** Settings a worker child process reads. */
export function readChildEnv() {
  const databaseUrl = process.env['DATABASE_URL'];
  const key = process.env['MLC_ENCRYPTION_KEY'];
  if (!databaseUrl || !key) throw new Error('worker child: DATABASE_URL and MLC_ENCRYPTION_KEY are required');
  return {
    databaseUrl,
    key,
    logLevel: process.env['LOG_LEVEL'] ?? 'warn',
    concurrency: Number(process.env['WORKER_CONCURRENCY'] ?? 8),
  };
}
