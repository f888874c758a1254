/**
 * Node options every worker process runs with (the launcher, `npm start` and the bench use them).
 *
 * `--max-old-space-size`: V8 otherwise lets the heap grow to several times what is live before it
 * collects (a 100,000-product load peaked at 464 MB RSS with ~100 MB live). With the cap the same
 * load peaks at ~250 MB and is as fast (bench/README.md). The work itself keeps memory flat (page
 * by page; full-compare hashes in Postgres), so the cap does not grow with the catalog;
 * `WORKER_MAX_HEAP_MB` raises it for a worker serving many connections at once.
 */
export const DEFAULT_WORKER_MAX_HEAP_MB = 192;

export function workerNodeArgs(env: Readonly<Record<string, string | undefined>>): string[] {
  const raw = env['WORKER_MAX_HEAP_MB'];
  const mb = raw && /^\d+$/.test(raw) && Number(raw) >= 64 ? Number(raw) : DEFAULT_WORKER_MAX_HEAP_MB;
  return [`--max-old-space-size=${mb}`];
}
