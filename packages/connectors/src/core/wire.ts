import { ConnectorError } from './errors';

/**
 * Small helpers for what Microsoft services push to us: Microsoft JSON dates and bodies that may
 * arrive as text or as parsed JSON.
 */

const WCF_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/**
 * `/Date(1506409448000)/` and `/Date(1506409448000-0700)/` (WCF/ASP.NET JSON dates) → ISO 8601 in
 * UTC. The number is milliseconds since the epoch in UTC in both forms; the offset only says
 * which time zone the sender was in. `undefined` when the text is not such a date.
 */
export function parseWcfDate(text: string): string | undefined {
  const match = WCF_DATE.exec(text);
  if (!match) return undefined;
  const date = new Date(Number(match[1]));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function isWcfDate(text: string): boolean {
  return WCF_DATE.test(text);
}

/** A request body as JSON: parsed objects pass through; text and bytes are parsed. */
export function bodyAsJson(body: unknown, what: string): unknown {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = (typeof body === 'string' ? body : new TextDecoder().decode(body)).replace(/^\uFEFF/, '');
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ConnectorError('schema_mismatch', `${what}: the body is not JSON.`, { cause: error });
    }
  }
  return body;
}
