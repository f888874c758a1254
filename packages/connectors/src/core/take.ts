/**
 * `box[key]`, which the box no longer holds afterwards. V8 keeps the locals of a suspended
 * generator or a waiting async function alive, used again or not: a page handed on through a box
 * its taker empties is not kept in memory by the frame that handed it on.
 */
export function take<B extends object, K extends keyof B>(box: B, key: K): B[K] {
  const value = box[key];
  box[key] = undefined as B[K];
  return value;
}
