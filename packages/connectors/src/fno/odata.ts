import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { ConnectorError, isConnectorError } from '../core/errors';
import type { Priority } from '../http/budget';
import type { HttpMethod, HttpResponse } from '../http/client';
import type { FnoConfig } from './config';

/**
 * The OData v4 details of F&O (shared/reference/fno.md §2–§5) that every part of the connector
 * needs: URLs under `/data/`, key predicates with every key field (`dataAreaId` included), string
 * literals, company scoping with `cross-company=true`, paging by `@odata.nextLink`, and the F&O
 * reading of a bare 401.
 */

export type KeyValue = string | number;
export type KeyValues = Readonly<Record<string, KeyValue>>;

/** `'O''Brien'`: an OData string literal (quotes doubled). */
export function stringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function literal(value: KeyValue): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new ConnectorError('validation_failed', `Key value ${value} is not an integer.`);
    return String(value);
  }
  return stringLiteral(value);
}

/**
 * `dataAreaId='usmf',CustomerAccount='US-001'`: every key field, in the given order, values
 * percent-encoded for the path (F&O needs every key field to address one entity, fno.md §2).
 */
export function keyPredicate(keyFields: readonly string[], key: KeyValues): string {
  const missing = keyFields.filter((field) => key[field] === undefined || key[field] === '');
  if (missing.length > 0) {
    throw new ConnectorError(
      'validation_failed',
      `A single-record URL needs every key field (${keyFields.join(', ')}); missing: ${missing.join(', ')}.`,
    );
  }
  const extra = Object.keys(key).filter((field) => !keyFields.includes(field));
  if (extra.length > 0) {
    throw new ConnectorError(
      'validation_failed',
      `${extra.join(', ')} is not a key field (${keyFields.join(', ')}).`,
    );
  }
  return keyFields
    .map((field) => {
      const value = key[field] as KeyValue;
      // encodeURIComponent keeps the quotes and encodes what the path cannot hold (/, #, ?, %, space).
      return `${field}=${typeof value === 'number' ? literal(value) : encodeURIComponent(literal(value))}`;
    })
    .join(',');
}

/** `(dataAreaId eq 'usmf' and ItemNumber eq 'X')`: a filter that matches one key. */
export function keyFilter(keyFields: readonly string[], key: KeyValues): string {
  return `(${keyFields.map((field) => `${field} eq ${literal(key[field] ?? '')}`).join(' and ')})`;
}

/**
 * Case-insensitive equality, as F&O compares strings; numbers compare as numbers. F&O also reads
 * `*` in an `eq` literal as a wildcard (fno.md §4), so results of an `eq` filter are always checked
 * with this before they count as a match.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

export function sameKey(
  keyFields: readonly string[],
  a: Readonly<Record<string, unknown>>,
  b: KeyValues,
): boolean {
  return keyFields.every((field) => sameValue(a[field], b[field]));
}

/** `$filter` restricting a company-specific entity to the legal entities of the scope. */
export function companyFilter(scope: 'cross-company' | readonly string[]): string | undefined {
  if (scope === 'cross-company') return undefined;
  const terms = scope.map((id) => `dataAreaId eq ${stringLiteral(id)}`);
  return terms.length === 1 ? terms[0] : `(${terms.join(' or ')})`;
}

export interface QueryOptions {
  select?: readonly string[];
  filter?: string | undefined;
  orderBy?: readonly string[];
  expand?: string;
  top?: number;
  /** `cross-company=true`: needed for any company but the app user's default one (fno.md §2). */
  crossCompany?: boolean;
}

/** A query string in the order F&O's own next links use; values percent-encoded. */
export function queryString(options: QueryOptions): string {
  const parts: string[] = [];
  if (options.filter) parts.push(`$filter=${encodeURIComponent(options.filter)}`);
  if (options.select?.length) parts.push(`$select=${options.select.join(',')}`);
  if (options.expand) parts.push(`$expand=${encodeURIComponent(options.expand)}`);
  if (options.orderBy?.length) parts.push(`$orderby=${options.orderBy.join(',')}`);
  if (options.top !== undefined) parts.push(`$top=${options.top}`);
  if (options.crossCompany) parts.push('cross-company=true');
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** A collection page: `{"@odata.context","value":[…],"@odata.nextLink"?}`. */
export function collectionPage<T extends z.ZodType>(row: T) {
  return z.looseObject({ value: z.array(row), '@odata.nextLink': z.string().optional() });
}

export const rawRowSchema = z.record(z.string(), z.unknown());
export const rawPageSchema = collectionPage(rawRowSchema);
export type RawRow = z.output<typeof rawRowSchema>;

/** Where the F&O application is registered, for remedies. */
export const ENTRA_APPLICATIONS_FORM = 'System administration > Setup > Microsoft Entra applications';

export function appNotRegisteredRemedy(config: FnoConfig): string {
  return (
    `Register the app in Finance & Operations under ${ENTRA_APPLICATIONS_FORM}: add a row with Client Id ` +
    `${config.clientId}, a name, and a User ID of an enabled user with the integration's security roles and ` +
    `access to the legal entities. If it is registered already, check that the connection's environment URL is ` +
    `exactly ${config.url} (the token's audience must be the environment URL).`
  );
}

/**
 * F&O answers a token it does not accept with a bare 401 (fno.md §1): most often the app is not in
 * the Microsoft Entra applications form. A 401 after Entra issued the token (not an AADSTS error)
 * becomes `app_user_missing` with that remedy; a 403 gets a security-role remedy.
 */
export function fnoError(error: unknown, config: FnoConfig): unknown {
  if (!isConnectorError(error)) return error;
  const upstream = error.upstream;
  if (error.code === 'auth_failed' && upstream?.status === 401 && !/^AADSTS/.test(upstream.code ?? '')) {
    return new ConnectorError(
      'app_user_missing',
      `${error.message} (Finance & Operations did not accept the app's token: the app is not registered as an F&O application, or the token is for another URL.)`,
      { ...(upstream ? { upstream } : {}), remedy: appNotRegisteredRemedy(config), cause: error },
    );
  }
  if (error.code === 'forbidden') {
    return new ConnectorError('forbidden', error.message, {
      ...(upstream ? { upstream } : {}),
      remedy:
        `The F&O user the app is mapped to (${ENTRA_APPLICATIONS_FORM}) lacks a privilege: give it a security role ` +
        'that may read and write customers, released products, trade agreements and sales orders.',
      cause: error,
    });
  }
  return error;
}

export interface FnoRequestOptions<T> {
  method?: HttpMethod;
  schema?: z.ZodType<T>;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  priority?: Priority;
  idempotent?: boolean;
}

/** Requests to one F&O environment, relative to `/data/`, with F&O's error reading. */
export class FnoApi {
  readonly dataRoot: string;

  constructor(
    readonly ctx: ConnectorContext,
    readonly config: FnoConfig,
  ) {
    this.dataRoot = `${config.url}/data/`;
  }

  /** `CustomersV3?…` → the absolute URL; absolute URLs (next links) must be on the environment. */
  url(pathOrUrl: string): string {
    if (!/^https?:\/\//i.test(pathOrUrl)) return `${this.dataRoot}${pathOrUrl}`;
    const url = new URL(pathOrUrl);
    if (url.origin !== this.config.url) {
      throw new ConnectorError(
        'schema_mismatch',
        `F&O returned a link to ${url.origin}, not to the environment ${this.config.url}; it is not followed.`,
      );
    }
    return url.href;
  }

  async request<T = unknown>(
    pathOrUrl: string,
    options: FnoRequestOptions<T> = {},
  ): Promise<HttpResponse<T>> {
    try {
      return await this.ctx.http.request<T>({
        method: options.method ?? 'GET',
        url: this.url(pathOrUrl),
        headers: { 'odata-version': '4.0', ...options.headers },
        priority: options.priority ?? 'normal',
        signal: this.ctx.signal,
        ...(options.schema ? { schema: options.schema } : {}),
        ...(options.json === undefined ? {} : { json: options.json }),
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(options.idempotent === undefined ? {} : { idempotent: options.idempotent }),
      });
    } catch (error) {
      throw fnoError(error, this.config);
    }
  }

  async get<T>(pathOrUrl: string, schema: z.ZodType<T>, priority: Priority = 'normal'): Promise<T> {
    return (await this.request(pathOrUrl, { schema, priority })).body;
  }

  /** One entity by its full key; `undefined` when F&O answers 404. */
  async getEntity<T>(
    entitySet: string,
    keyFields: readonly string[],
    key: KeyValues,
    schema: z.ZodType<T>,
    options: { select?: readonly string[]; expand?: string; companyScoped: boolean; priority?: Priority },
  ): Promise<T | undefined> {
    const query = queryString({
      ...(options.select ? { select: options.select } : {}),
      ...(options.expand ? { expand: options.expand } : {}),
      crossCompany: options.companyScoped,
    });
    try {
      return await this.get(
        `${entitySet}(${keyPredicate(keyFields, key)})${query}`,
        schema,
        options.priority,
      );
    } catch (error) {
      if (isConnectorError(error) && error.code === 'not_found') return undefined;
      throw error;
    }
  }

  /** Every page of a query, following `@odata.nextLink` as-is. */
  async *pages<T>(
    pathOrUrl: string,
    row: z.ZodType<T>,
    priority: Priority = 'normal',
  ): AsyncGenerator<{ rows: T[]; nextLink: string | undefined }> {
    const schema = collectionPage(row);
    let next: string | undefined = pathOrUrl;
    while (next !== undefined) {
      const page: z.output<typeof schema> = await this.get(next, schema, priority);
      next = page['@odata.nextLink'];
      yield { rows: page.value, nextLink: next };
    }
  }

  /** Every row of a query (for small look-ups). */
  async all<T>(pathOrUrl: string, row: z.ZodType<T>, priority: Priority = 'normal'): Promise<T[]> {
    const rows: T[] = [];
    for await (const page of this.pages(pathOrUrl, row, priority)) rows.push(...page.rows);
    return rows;
  }
}
