import type { AttributeDef } from '../metadata/types';
import type { Value } from '../store/types';

/**
 * `OData.Community.Display.V1.FormattedValue` text the way the platform renders it for a user with
 * the en-US format and UTC time zone (the sandbox's users all have those settings).
 * Returns undefined for columns that carry no formatted value (text, GUIDs, lookups — those are
 * formatted by the caller from the related row's primary name).
 */
export function formatValue(
  attribute: AttributeDef,
  value: Value,
  currencySymbol: string,
): string | undefined {
  switch (attribute.type) {
    case 'Picklist':
    case 'State':
    case 'Status':
      return attribute.options.find((o) => o.value === value)?.label;
    case 'Boolean':
      return value === true ? attribute.trueLabel : attribute.falseLabel;
    case 'Money':
      return typeof value === 'number' ? formatMoney(value, currencySymbol) : undefined;
    case 'Decimal':
      return typeof value === 'number' ? formatNumber(value, attribute.precision) : undefined;
    case 'Integer':
      return typeof value === 'number' ? formatNumber(value, 0) : undefined;
    case 'DateTime':
      return typeof value === 'string' ? formatDate(value, attribute.format === 'DateOnly') : undefined;
    default:
      return undefined;
  }
}

export function formatMoney(value: number, symbol: string): string {
  const text = formatNumber(Math.abs(value), 2);
  return value < 0 ? `-${symbol}${text}` : `${symbol}${text}`;
}

function formatNumber(value: number, fractionDigits: number): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  });
}

/** `6/1/2025 8:00 AM`, or `6/1/2025` for date-only columns. */
function formatDate(value: string, dateOnly: boolean): string {
  const date = new Date(dateOnly ? `${value}T00:00:00Z` : value);
  const day = `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()}`;
  if (dateOnly) return day;
  const hours = date.getUTCHours();
  const minutes = String(date.getUTCMinutes()).padStart(2, '0');
  const hour12 = hours % 12 === 0 ? 12 : hours % 12;
  return `${day} ${hour12}:${minutes} ${hours < 12 ? 'AM' : 'PM'}`;
}
