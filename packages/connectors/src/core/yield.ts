/**
 * Long synchronous loops over a page (10,000 rows parsed, hashed, mapped) hold the event loop for
 * hundreds of milliseconds, and every request in flight on the same host waits that long for its
 * response to be read. `mapYielding` does the same work in slices, letting pending I/O run between
 * them.
 */
export const YIELD_EVERY = 500;

/** Resolves after the I/O callbacks already due have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `items.map(fn)`, yielding to the event loop every `YIELD_EVERY` items. */
export async function mapYielding<T, U>(
  items: readonly T[],
  fn: (item: T, index: number) => U,
): Promise<U[]> {
  const out: U[] = new Array(items.length);
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && index % YIELD_EVERY === 0) await yieldToEventLoop();
    out[index] = fn(items[index] as T, index);
  }
  return out;
}
