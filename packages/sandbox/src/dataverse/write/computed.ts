import type { RowValues, Value } from '../store/types';

/**
 * Columns the platform computes: line amounts, header totals, full names. Pure functions, used by
 * the write path after every change and by the seed.
 */

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function num(value: Value | null | undefined): number {
  return typeof value === 'number' ? value : 0;
}

/** `baseamount = priceperunit × quantity`, `extendedamount = baseamount − manual discount + tax`. */
export function lineAmounts(line: Readonly<Record<string, Value | null>>): {
  baseamount: number;
  extendedamount: number;
} {
  const baseamount = round2(num(line['priceperunit']) * num(line['quantity']));
  const extendedamount = round2(baseamount - num(line['manualdiscountamount']) + num(line['tax']));
  return { baseamount, extendedamount };
}

/** Header totals of a quote or order from its lines' extended amounts. */
export function headerTotals(
  header: Readonly<Record<string, Value | null>>,
  lines: readonly RowValues[],
): Record<string, number> {
  const totallineitemamount = round2(lines.reduce((sum, line) => sum + num(line['extendedamount']), 0));
  const totaltax = round2(lines.reduce((sum, line) => sum + num(line['tax']), 0));
  const percentageDiscount = round2((totallineitemamount * num(header['discountpercentage'])) / 100);
  const totalamountlessfreight = round2(
    totallineitemamount - percentageDiscount - num(header['discountamount']),
  );
  const totalamount = round2(totalamountlessfreight + num(header['freightamount']));
  return { totallineitemamount, totaltax, totalamountlessfreight, totalamount };
}

export function fullName(
  firstname: Value | null | undefined,
  lastname: Value | null | undefined,
): string | null {
  const parts = [firstname, lastname].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return parts.length > 0 ? parts.join(' ') : null;
}
