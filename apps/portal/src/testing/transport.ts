/** How a fuzzer reaches the portal: a path and a `fetch` init, over HTTP or in-process. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** `Send` over HTTP to a running portal (`next start`), as Dataverse, F&O and browsers reach it. */
export function httpSend(baseUrl: string): Send {
  return (path, init) => fetch(`${baseUrl}${path}`, { redirect: 'manual', ...init });
}

/** Runs `work` over `items` with at most `concurrency` at once, in order of start. */
export async function eachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, concurrency) }, async () => {
    for (;;) {
      const index = next;
      next += 1;
      const item = items[index];
      if (index >= items.length || item === undefined) return;
      await work(item, index);
    }
  });
  await Promise.all(lanes);
}

/** Keeps the first `limit` findings and counts the rest. */
export class Findings {
  readonly kept: { case: string; problem: string }[] = [];
  count = 0;
  constructor(private readonly limit = 25) {}
  add(what: string, problem: string): void {
    this.count += 1;
    if (this.kept.length < this.limit) this.kept.push({ case: what.slice(0, 400), problem });
  }
}
