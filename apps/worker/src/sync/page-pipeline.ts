/**
 * How the F&O → Sales polls move pages: two written at once, committed in order. (The F&O
 * full-compare source itself fetches the next page while one is handed out.)
 */

/** Pages written at once by `writeInOrder`: the next page's writes start while one ends. */
export const PAGES_IN_FLIGHT = 2;

/**
 * Writes the pages of a read with up to `PAGES_IN_FLIGHT` being written at once, so the host
 * budget's slots stay busy across a page's end (its last slices) instead of draining at every
 * page; each page's checkpoint is still saved in order (`commit`), only once it and every page
 * before it are written, so a resumed load starts at the first page not entirely written.
 *
 * - `start` runs page by page, in read order (shared look-ups that must not run twice at once,
 *   e.g. creating a missing unit), and returns the page's write, which runs while later pages
 *   start. The write resolves to what `commit` needs (the checkpoint, a few keys), so a page's
 *   rows are not kept once written while it waits for the pages before it.
 * - An `exclusive` page waits for every page before it, and the next page waits for it: pages
 *   whose writes may touch the same Sales rows as a neighbour's.
 * - A page is read from the source only when it can start at once (a write slot is free), so at
 *   most `PAGES_IN_FLIGHT` pages are held, plus the one the source fetches ahead.
 * - After a failure no later page is committed: the pages being written finish (their outcomes
 *   are recorded, so a rerun finds them unchanged) and the first error is thrown.
 */
export async function writeInOrder<P, C>(
  pages: AsyncIterable<P>,
  steps: {
    start: (page: P) => Promise<() => Promise<C>>;
    commit: (written: C) => Promise<void>;
    exclusive?: (page: P) => boolean;
  },
): Promise<void> {
  const writing: Promise<C>[] = [];
  const settleOldest = async () => {
    const oldest = writing[0];
    if (!oldest) return;
    const written = await oldest;
    writing.shift();
    await steps.commit(written);
  };
  const iterator = pages[Symbol.asyncIterator]();
  let finished = false;
  // Locals that held a page are emptied once it has started: V8 keeps an async function's locals
  // while it waits, and the page would stay in memory until the next one replaced it.
  let step: IteratorResult<P> | undefined;
  let page: P | undefined;
  let write: (() => Promise<C>) | undefined;
  try {
    for (;;) {
      // The next page is read only once a write slot is free: a page read ahead would sit in
      // memory, compared and mapped, until then (the source already fetches one page ahead).
      while (writing.length >= PAGES_IN_FLIGHT) await settleOldest();
      step = await iterator.next();
      if (step.done) {
        finished = true;
        break;
      }
      page = step.value;
      step = undefined;
      const exclusive = steps.exclusive?.(page) ?? false;
      if (exclusive) while (writing.length > 0) await settleOldest();
      write = await steps.start(page);
      page = undefined;
      const done = write();
      write = undefined;
      // Awaited in order by settleOldest; a failure meanwhile must not go unhandled.
      done.catch(() => undefined);
      writing.push(done);
      if (exclusive) await settleOldest();
    }
    while (writing.length > 0) await settleOldest();
  } finally {
    await Promise.allSettled(writing);
    if (!finished) await iterator.return?.();
  }
}
