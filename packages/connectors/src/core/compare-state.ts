/**
 * Where a source that detects changes by comparing full reads keeps, per record key, the content
 * hash of what it read: outside the process (the worker keeps it in Postgres), so memory stays
 * flat however many records a stream has, and page by page (a source asks only for the keys of
 * the page it is reading).
 *
 * Two generations per key: the **baseline** (the hash of the last completed pass, what a read is
 * compared with) and the **mark** of the pass in progress. A source marks rows as it reads them,
 * before the caller has written them anywhere; since it always compares with the baseline, a
 * pass resumed after a crash yields the changed rows of the resumed pages again instead of losing
 * them. `promote` makes a completed pass the baseline; the source calls it when it starts the next
 * pass, i.e. only after the caller stored the completed pass's checkpoint.
 *
 * The host creates one store per stream (and connection); a connector never sees a database.
 */
export interface CompareStateStore {
  /** Baseline hashes of these keys (keys without one are absent). */
  baseline(keys: readonly string[]): Promise<Map<string, string>>;
  /** Records that pass `pass` read these keys with these hashes. */
  mark(pass: number, entries: readonly (readonly [key: string, hash: string])[]): Promise<void>;
  /** Baseline keys that pass `pass` has not marked, in key order after `after`, at most `limit`. */
  unseen(pass: number, after: string | null, limit: number): Promise<string[]>;
  /** The marks of `pass` become the baseline; keys it did not mark are forgotten. Idempotent. */
  promote(pass: number): Promise<void>;
  /** Forgets every key (a new first pass). */
  clear(): Promise<void>;
}

/**
 * A store in memory: for tests and one-off reads. Reuse one object across reads of a stream to
 * get incremental reads; its memory grows with the stream, which the Postgres store avoids.
 */
export function memoryCompareState(): CompareStateStore {
  const rows = new Map<string, { baseline: string | null; mark: string | null; pass: number | null }>();
  return {
    async baseline(keys) {
      const out = new Map<string, string>();
      for (const key of keys) {
        const value = rows.get(key)?.baseline;
        if (value != null) out.set(key, value);
      }
      return out;
    },
    async mark(pass, entries) {
      for (const [key, hash] of entries) {
        const row = rows.get(key);
        if (row) {
          row.mark = hash;
          row.pass = pass;
        } else rows.set(key, { baseline: null, mark: hash, pass });
      }
    },
    async unseen(pass, after, limit) {
      return [...rows.entries()]
        .filter(([key, row]) => row.baseline !== null && row.pass !== pass && (after === null || key > after))
        .map(([key]) => key)
        .sort()
        .slice(0, limit);
    },
    async promote(pass) {
      for (const [key, row] of rows) {
        if (row.pass !== pass) rows.delete(key);
        else row.baseline = row.mark;
      }
    },
    async clear() {
      rows.clear();
    },
  };
}
