/**
 * The worker processes of a scenario (real `startWorker` children of the bench harness), with what
 * the harness does not offer: SIGKILL of a process and a replacement started at once, and a check
 * for processes that died on their own (replaced too, and counted).
 */
import type { BenchHarness, ChildWorker } from '@mlc/bench';
import { progress } from './env';

export interface WorkerPool {
  readonly workers: readonly ChildWorker[];
  /** SIGKILL of one worker (the first by default), then a new one; resolves once it is ready. */
  killAndRestart(index?: number): Promise<void>;
  /** Workers that are no longer running although nobody killed them: replaced; returns how many. */
  replaceDead(): Promise<number>;
  readonly kills: number;
  readonly died: number;
  /** The last log lines of up to five workers that died by themselves. */
  readonly deaths: readonly string[];
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

export async function startWorkerPool(
  h: BenchHarness,
  count = 1,
  options: { concurrency?: number } = {},
): Promise<WorkerPool> {
  const workers = await h.startWorkers(count, options);
  let kills = 0;
  let died = 0;
  const deaths: string[] = [];
  const noteDeath = (worker: ChildWorker) => {
    died += 1;
    const log = worker.log().split('\n').slice(-40).join('\n');
    if (deaths.length < 5) deaths.push(log);
    progress(`worker ${worker.pid} died by itself; its last log lines:\n${log}`);
  };
  const start = async () => (await h.startWorkers(1, options))[0] as ChildWorker;
  return {
    get workers() {
      return workers;
    },
    get kills() {
      return kills;
    },
    get died() {
      return died;
    },
    get deaths() {
      return deaths;
    },
    async killAndRestart(index = 0) {
      const victim = workers[index];
      if (!victim) throw new Error(`no worker ${index}`);
      if (isAlive(victim.pid)) {
        process.kill(victim.pid, 'SIGKILL');
        kills += 1;
        await waitForExit(victim.pid);
      } else noteDeath(victim);
      workers[index] = await start();
    },
    async replaceDead() {
      let replaced = 0;
      for (const [index, worker] of workers.entries()) {
        if (isAlive(worker.pid)) continue;
        noteDeath(worker);
        replaced += 1;
        workers[index] = await start();
      }
      return replaced;
    },
  };
}
