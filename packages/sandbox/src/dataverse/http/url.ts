import { isGuid } from '../../core/random';
import { errors } from '../errors';

/** A literal in a key predicate: `(accountnumber='A-1',_parentid_value=<guid>)`. */
export type KeyLiteral =
  | { type: 'string'; value: string }
  | { type: 'guid'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

/** `(<guid>)`, or named values (`accountid=<guid>`, an alternate key, a Content-ID later). */
export type KeyPredicate =
  | { kind: 'id'; id: string }
  | { kind: 'named'; pairs: Array<[name: string, value: KeyLiteral]> };

/** One path segment: `accounts`, `accounts(…)`, `WhoAmI()`, `$count`. */
export interface Segment {
  name: string;
  /** The text between the parentheses, when there are any (`''` for `WhoAmI()`). */
  args: string | undefined;
}

/** The Web API root and the segments after it. */
export interface ApiPath {
  /** `v9.2` (v9.0 and v9.1 are served the same way; links echo the version asked for). */
  version: string;
  segments: Segment[];
}

const API_PREFIX = /^\/api\/data\/(v9\.[0-2])(?:\/|$)/;

/** Splits `/api/data/v9.2/…` into decoded segments; undefined when it is not a Web API path. */
export function parseApiPath(pathname: string): ApiPath | undefined {
  const prefix = API_PREFIX.exec(pathname);
  if (!prefix?.[1]) return undefined;
  const rest = pathname.slice(prefix[0].length);
  const segments: Segment[] = [];
  for (const raw of rest.split('/')) {
    if (raw === '') continue;
    let text: string;
    try {
      text = decodeURIComponent(raw);
    } catch {
      throw errors.badRequest(
        `The request URI is not valid. Since the segment '${raw}' is not a valid segment.`,
      );
    }
    segments.push(parseSegment(text));
  }
  return { version: prefix[1], segments };
}

function parseSegment(text: string): Segment {
  const open = text.indexOf('(');
  if (open < 0) return { name: text, args: undefined };
  if (!text.endsWith(')')) throw errors.resourceNotFound(text);
  return { name: text.slice(0, open), args: text.slice(open + 1, -1) };
}

/** Parses a key predicate; undefined when it is malformed (the caller names the table). */
export function parseKeyPredicate(text: string): KeyPredicate | undefined {
  const trimmed = text.trim();
  if (isGuid(trimmed)) return { kind: 'id', id: trimmed.toLowerCase() };
  const pairs: Array<[string, KeyLiteral]> = [];
  let i = 0;
  while (i < trimmed.length) {
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(trimmed.slice(i))?.[0];
    if (!name) return undefined;
    i += name.length;
    while (trimmed.charAt(i) === ' ') i++;
    if (trimmed.charAt(i) !== '=') return undefined;
    i++;
    while (trimmed.charAt(i) === ' ') i++;
    const literal = readLiteral(trimmed, i);
    if (!literal) return undefined;
    pairs.push([name, literal.value]);
    i = literal.end;
    while (trimmed.charAt(i) === ' ') i++;
    if (i < trimmed.length) {
      if (trimmed.charAt(i) !== ',') return undefined;
      i++;
      while (trimmed.charAt(i) === ' ') i++;
    }
  }
  return pairs.length > 0 ? { kind: 'named', pairs } : undefined;
}

function readLiteral(text: string, start: number): { value: KeyLiteral; end: number } | undefined {
  if (text.charAt(start) === "'") {
    let value = '';
    let i = start + 1;
    while (i < text.length) {
      const char = text.charAt(i);
      if (char === "'") {
        if (text.charAt(i + 1) === "'") {
          value += "'";
          i += 2;
          continue;
        }
        return { value: { type: 'string', value }, end: i + 1 };
      }
      value += char;
      i++;
    }
    return undefined;
  }
  const token = /^[^,]+/.exec(text.slice(start))?.[0]?.trim();
  if (!token) return undefined;
  const end = start + (/^[^,]+/.exec(text.slice(start))?.[0]?.length ?? 0);
  if (isGuid(token)) return { value: { type: 'guid', value: token.toLowerCase() }, end };
  if (token === 'null') return { value: { type: 'null' }, end };
  if (token === 'true' || token === 'false')
    return { value: { type: 'boolean', value: token === 'true' }, end };
  if (/^-?\d+(\.\d+)?$/.test(token)) return { value: { type: 'number', value: Number(token) }, end };
  return undefined;
}
