import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Logger } from '@mlc/logger';

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Polled until it answers 2xx; the service counts as up from then on. */
  healthUrl?: string;
  /** For a service without a plain-HTTP health check (the HTTPS sandbox): up once it accepts TCP. */
  readyPort?: number;
}

export interface Supervisor {
  /** Resolves when every service's health URL answers; rejects if one exits first or times out. */
  ready(timeoutMs: number): Promise<void>;
  /** Resolves with the name and code of the first service that exits on its own. */
  firstExit: Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to every service still running, SIGKILL after `graceMs`; resolves when all are gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Runs a set of long-lived processes as one unit: started together, stopped together. */
export function supervise(services: ServiceSpec[], logger: Logger): Supervisor {
  const children = new Map<string, ChildProcess>();
  const exits = new Map<string, Promise<void>>();
  let stopping = false;
  let resolveFirstExit: (value: { name: string; code: number | null; signal: NodeJS.Signals | null }) => void;
  const firstExit = new Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>(
    (resolve) => {
      resolveFirstExit = resolve;
    },
  );

  for (const service of services) {
    const child = spawn(service.command, service.args, {
      cwd: service.cwd,
      env: service.env,
      // Own process group: Ctrl-C reaches the launcher, which stops services in order.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.set(service.name, child);
    exits.set(
      service.name,
      new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          children.delete(service.name);
          if (!stopping) {
            logger.error({ service: service.name, code, signal }, 'service exited');
            resolveFirstExit({ name: service.name, code, signal });
          }
          resolve();
        });
      }),
    );
    logger.info({ service: service.name, pid: child.pid }, 'service started');
  }

  return {
    firstExit,
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const waits = services
        .filter((service) => service.healthUrl || service.readyPort)
        .map(async (service) => {
          const where = service.healthUrl ?? `127.0.0.1:${service.readyPort}`;
          while (Date.now() < deadline) {
            if (!children.has(service.name)) throw new Error(`${service.name} exited before it was ready`);
            const up = service.healthUrl
              ? await answers(service.healthUrl)
              : await accepts(service.readyPort ?? 0);
            if (up) return;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
          throw new Error(`${service.name} was not ready at ${where} within ${timeoutMs / 1000} s`);
        });
      await Promise.all(waits);
    },
    async stop(graceMs = 20_000) {
      stopping = true;
      for (const [name, child] of children) signalGroup(child, 'SIGTERM', name, logger);
      const killer = setTimeout(() => {
        for (const [name, child] of children) signalGroup(child, 'SIGKILL', name, logger);
      }, graceMs);
      await Promise.all(exits.values());
      clearTimeout(killer);
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals, name: string, logger: Logger): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
  logger.info({ service: name, signal }, 'stopping service');
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
