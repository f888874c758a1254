import type { Value } from '../metadata/types';

/**
 * Standard unit conversions of the seed (F&O: Unit conversions, no item). A unit is valid for an
 * item when it is one of the item's own units or converts to its inventory unit; item-specific
 * conversions (e.g. box → ea for one item) exist only as the item's own units.
 */
const STANDARD_CONVERSIONS: readonly (readonly [from: string, to: string])[] = [
  ['dz', 'ea'],
  ['dz', 'pcs'],
  ['ea', 'pcs'],
  ['kg', 'g'],
  ['kg', 'lb'],
  ['g', 'lb'],
  ['m', 'cm'],
  ['m', 'ft'],
  ['cm', 'ft'],
];

export function isUnitValidForItem(unit: string, item: Readonly<Record<string, Value>>): boolean {
  const wanted = unit.toLowerCase();
  const own = ['InventoryUnitSymbol', 'SalesUnitSymbol', 'PurchaseUnitSymbol', 'BOMUnitSymbol']
    .map((field) => String(item[field] ?? '').toLowerCase())
    .filter(Boolean);
  if (own.includes(wanted)) return true;
  const inventory = String(item['InventoryUnitSymbol'] ?? '').toLowerCase();
  return STANDARD_CONVERSIONS.some(
    ([from, to]) => (from === wanted && to === inventory) || (to === wanted && from === inventory),
  );
}
