import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface ChildWorker {
  pid: number;
  healthUrl: string;
  /** The last lines it wrote to stderr (its warnings and errors), for failure messages. */
  log(): string;
  /** SIGKILL: no clean-up at all (connections, advisory locks and pg-boss jobs are left as they are). */
  kill(): Promise<void>;
  /** SIGTERM: the worker stops cleanly. */
  stop(): Promise<void>;
}

/** Starts `worker-child.ts` as a separate Node process and waits until it reports ready. */
export async function startChildWorker(env: {
  databaseUrl: string;
  encryptionKey: string;
}): Promise<ChildWorker> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'worker-child.ts')],
    {
      cwd: path.resolve(here, '..'),
      env: {
        ...process.env,
        DATABASE_URL: env.databaseUrl,
        MLC_ENCRYPTION_KEY: env.encryptionKey,
        LOG_LEVEL: process.env['MLC_CHILD_LOG_LEVEL'] ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ pid: number; healthUrl: string }>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => reject(new Error(`worker child not ready in 60 s:\n${lines.join('\n')}`)),
      60_000,
    );
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const match = /^\{"ready":.*\}$/m.exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve((JSON.parse(match[0]) as { ready: { pid: number; healthUrl: string } }).ready);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker child exited (${code ?? signal}) before it was ready:\n${lines.join('\n')}`));
    });
  });
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return {
    pid: ready.pid,
    healthUrl: ready.healthUrl,
    log: () => lines.join('\n'),
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}
