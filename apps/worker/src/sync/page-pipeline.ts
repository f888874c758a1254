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
 * - `prepare` runs page by page, in order, before a page's write starts (shared look-ups that
 *   must not run twice at once, e.g. creating a missing unit).
 * - An `exclusive` page waits for every page before it, and the next page waits for it: pages
 *   whose writes may touch the same Sales rows as a neighbour's.
 * - After a failure no later page is committed: the pages being written finish (their outcomes
 *   are recorded, so a rerun finds them unchanged) and the first error is thrown.
 */
export async function writeInOrder<P>(
  pages: AsyncIterable<P>,
  steps: {
    prepare?: (page: P) => Promise<void>;
    write: (page: P) => Promise<void>;
    commit: (page: P) => Promise<void>;
    exclusive?: (page: P) => boolean;
  },
): Promise<void> {
  const writing: { page: P; done: Promise<void> }[] = [];
  const settleOldest = async () => {
    const oldest = writing[0];
    if (!oldest) return;
    await oldest.done;
    writing.shift();
    await steps.commit(oldest.page);
  };
  try {
    for await (const page of pages) {
      const exclusive = steps.exclusive?.(page) ?? false;
      while (writing.length > 0 && (exclusive || writing.length >= PAGES_IN_FLIGHT)) await settleOldest();
      await steps.prepare?.(page);
      const done = steps.write(page);
      // Awaited in order by settleOldest; a failure meanwhile must not go unhandled.
      done.catch(() => undefined);
      writing.push({ page, done });
      if (exclusive) await settleOldest();
    }
    while (writing.length > 0) await settleOldest();
  } finally {
    await Promise.allSettled(writing.map((entry) => entry.done));
  }
}
