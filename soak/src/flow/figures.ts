import type { SoakFigure } from '../scenario';

/** A figure that must equal `expected`. */
export function mustBe(name: string, value: number, expected: number, expect = String(expected)): SoakFigure {
  return { name, value, expect, ok: value === expected };
}

/** A figure that must be at most `limit`. */
export function atMost(name: string, value: number, limit: number): SoakFigure {
  return { name, value, expect: `≤ ${limit}`, ok: value <= limit };
}

/** A figure that must be at least `limit`. */
export function atLeast(name: string, value: number, limit: number): SoakFigure {
  return { name, value, expect: `≥ ${limit}`, ok: value >= limit };
}

/** A figure printed for information, without a pass condition. */
export function info(name: string, value: number | string): SoakFigure {
  return { name, value };
}

/** Every figure with a pass condition met. */
export const allOk = (figures: readonly SoakFigure[]) => figures.every((figure) => figure.ok !== false);

/** `--name value` as a positive integer, else `fallback`. */
export function intFlag(flags: Record<string, string>, name: string, fallback: number): number {
  const value = flags[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`--${name} must be a non-negative number, got "${value}"`);
  return n;
}
