import { errors } from '../errors';
import type { AttributeDef } from '../metadata/types';
import { isEntityRef, type StoredRow, type Value } from '../store/types';

/**
 * `$skiptoken` paging cookies shaped like the platform's:
 * `<cookie pagenumber="2" pagingcookie="<double-URL-encoded inner XML>" istracking="False" />`
 * where the inner XML holds the last and first value of each sort column and of the primary key:
 * `<cookie page="1"><name last="Acme" first="Apex" /><accountid last="{GUID}" first="{GUID}" /></cookie>`.
 * Paging resumes after the last row (keyset), so rows created between pages do not shift pages.
 * Clients must treat the token as opaque.
 */

/** One sort column (or the primary key, always last). */
export interface CookieColumn {
  name: string;
  attribute: AttributeDef;
}

/** Where the next page starts: the sort values of the last row returned. */
export interface PageCursor {
  pageNumber: number;
  /** Stored values of the cookie columns (undefined = null), in column order. */
  last: Array<Value | undefined>;
  /** Change tracking: the row version the initial sync started at (`istracking="True"`). */
  trackingVersion: number | undefined;
}

export function encodeSkipToken(
  pageNumber: number,
  columns: readonly CookieColumn[],
  first: StoredRow,
  last: StoredRow,
  trackingVersion?: number,
): string {
  const elements = columns
    .map((column) => {
      const lastValue = cookieValue(column, last.values[column.attribute.logicalName]);
      const firstValue = cookieValue(column, first.values[column.attribute.logicalName]);
      const attrs = [
        lastValue === undefined ? 'lastnull="1"' : `last="${escapeXml(lastValue)}"`,
        firstValue === undefined ? 'firstnull="1"' : `first="${escapeXml(firstValue)}"`,
      ];
      return `<${column.name} ${attrs.join(' ')} />`;
    })
    .join('');
  const tracking = trackingVersion === undefined ? '' : ` trackingversion="${trackingVersion}"`;
  const inner = `<cookie page="${pageNumber}"${tracking}>${elements}</cookie>`;
  // Lower-case escapes, as the platform's (.NET) URL encoder writes them: %253ccookie%2520page…
  const once = encodeURIComponent(inner).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const pagingCookie = encodeURIComponent(once);
  const isTracking = trackingVersion === undefined ? 'False' : 'True';
  return `<cookie pagenumber="${pageNumber + 1}" pagingcookie="${pagingCookie}" istracking="${isTracking}" />`;
}

export function decodeSkipToken(token: string, columns: readonly CookieColumn[]): PageCursor {
  const outer = /^<cookie pagenumber="(\d+)" pagingcookie="([^"]*)" istracking="(?:True|False)" \/>$/.exec(
    token.trim(),
  );
  if (!outer?.[1] || outer[2] === undefined) throw invalidToken();
  let inner: string;
  try {
    inner = decodeURIComponent(decodeURIComponent(outer[2]));
  } catch {
    throw invalidToken();
  }
  const last: Array<Value | undefined> = [];
  for (const column of columns) {
    const element = new RegExp(`<${column.name} ([^>]*)/>`).exec(inner);
    if (!element?.[1]) throw invalidToken();
    const attrs = element[1];
    if (/lastnull="1"/.test(attrs)) {
      last.push(undefined);
      continue;
    }
    const value = /last="([^"]*)"/.exec(attrs)?.[1];
    if (value === undefined) throw invalidToken();
    last.push(fromCookieValue(column, unescapeXml(value)));
  }
  const tracking = /^<cookie page="\d+" trackingversion="(\d+)">/.exec(inner)?.[1];
  return {
    pageNumber: Number(outer[1]),
    last,
    trackingVersion: tracking === undefined ? undefined : Number(tracking),
  };
}

function invalidToken() {
  return errors.badRequest('The $skiptoken value is not a valid paging cookie.');
}

function cookieValue(column: CookieColumn, value: Value | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (isEntityRef(value)) return `{${value.id.toUpperCase()}}`;
  if (column.attribute.type === 'Uniqueidentifier' && typeof value === 'string')
    return `{${value.toUpperCase()}}`;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

function fromCookieValue(column: CookieColumn, text: string): Value {
  const attribute = column.attribute;
  switch (attribute.type) {
    case 'Uniqueidentifier':
      return text.replace(/[{}]/g, '').toLowerCase();
    case 'Lookup':
    case 'Customer':
    case 'Owner':
      return { id: text.replace(/[{}]/g, '').toLowerCase(), logicalName: attribute.targets[0]?.entity ?? '' };
    case 'Boolean':
      return text === '1';
    case 'Integer':
    case 'BigInt':
    case 'Decimal':
    case 'Money':
    case 'Picklist':
    case 'State':
    case 'Status': {
      const number = Number(text);
      if (!Number.isFinite(number)) throw invalidToken();
      return number;
    }
    default:
      return text;
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&');
}
