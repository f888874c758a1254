import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { ConnectorError } from '../core/errors';
import type { Priority } from '../http/budget';
import type { HttpMethod, HttpResponse } from '../http/client';
import type { DataverseConfig } from './config';

/**
 * The Web API as the connector uses it: `https://<org>/api/data/v9.2/`, the OData headers on
 * every request, Prefer values, key predicates, and links from the service (nextLink, deltaLink,
 * OData-EntityId) put back on the configured origin.
 */

export const API_PATH = '/api/data/v9.2/';

export const ANNOTATION = {
  formatted: 'OData.Community.Display.V1.FormattedValue',
  lookupTable: 'Microsoft.Dynamics.CRM.lookuplogicalname',
} as const;

export interface GetOptions {
  prefer?: readonly string[];
  priority?: Priority;
  /** `If-None-Match: null`, which keeps expanded collections from being served from a cache. */
  expanded?: boolean;
}

export interface SendOptions {
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  prefer?: readonly string[];
  priority?: Priority;
  idempotent?: boolean;
  acceptStatuses?: readonly number[];
}

export const collectionPage = <T extends z.ZodType>(row: T) =>
  z.looseObject({
    value: z.array(row),
    '@odata.nextLink': z.string().optional(),
    '@odata.deltaLink': z.string().optional(),
  });

export class DataverseApi {
  readonly origin: string;
  readonly root: string;

  constructor(
    readonly ctx: ConnectorContext,
    readonly config: DataverseConfig,
  ) {
    this.origin = config.url;
    this.root = `${config.url}${API_PATH}`;
  }

  /**
   * An absolute URL for a path relative to the service root (`accounts?$filter=name eq 'x'`);
   * blanks of OData expressions are percent-encoded (the guard refuses URLs with spaces).
   */
  url(relative: string): string {
    return `${this.root}${relative.replace(/^\//, '').replace(/ /g, '%20')}`;
  }

  /**
   * A link the service returned (nextLink, deltaLink, OData-EntityId) on the configured origin.
   * Dataverse may answer on another host name of the same environment (`<org>.api.crm…`), and a
   * stored delta link must follow the environment when its address changes; only the path and
   * query under `/api/data/` are taken from the link, never its host.
   */
  rebase(link: string): string {
    let url: URL;
    try {
      url = new URL(link, this.root);
    } catch (error) {
      throw new ConnectorError('schema_mismatch', `Dataverse returned a link that is not a URL: ${link}`, {
        cause: error,
      });
    }
    if (!url.pathname.toLowerCase().startsWith('/api/data/')) {
      throw new ConnectorError('schema_mismatch', `Dataverse returned a link outside the Web API: ${link}`);
    }
    return `${this.origin}${url.pathname}${url.search}`;
  }

  async get<T>(target: string, schema: z.ZodType<T>, options: GetOptions = {}): Promise<HttpResponse<T>> {
    return this.ctx.http.request({
      method: 'GET',
      url: this.absolute(target),
      schema,
      headers: {
        ...ODATA_HEADERS,
        ...(options.expanded ? { 'If-None-Match': 'null' } : {}),
        ...preferHeader(options.prefer),
      },
      priority: options.priority ?? 'normal',
      signal: this.ctx.signal,
    });
  }

  async send<T = unknown>(
    method: HttpMethod,
    target: string,
    options: SendOptions & { schema?: z.ZodType<T> } = {},
  ): Promise<HttpResponse<T>> {
    return this.ctx.http.request<T>({
      method,
      url: this.absolute(target),
      headers: { ...ODATA_HEADERS, ...preferHeader(options.prefer), ...options.headers },
      ...(options.json === undefined ? {} : { json: options.json }),
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.idempotent === undefined ? {} : { idempotent: options.idempotent }),
      ...(options.acceptStatuses ? { acceptStatuses: options.acceptStatuses } : {}),
      priority: options.priority ?? 'normal',
      signal: this.ctx.signal,
    });
  }

  private absolute(target: string): string {
    return /^https?:\/\//i.test(target) ? this.rebase(target) : this.url(target);
  }
}

const ODATA_HEADERS = { 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' } as const;

function preferHeader(prefer: readonly string[] | undefined): Record<string, string> {
  return prefer && prefer.length > 0 ? { Prefer: prefer.join(',') } : {};
}

/** `odata.include-annotations="a,b"`. */
export function includeAnnotations(...names: string[]): string {
  return `odata.include-annotations="${names.join(',')}"`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** Characters that do not work in alternate-key values on the Web API (shared/reference §7). */
const UNSAFE_KEY_CHARACTERS = /[/<>*%&:\\?+]/;

export type KeyValue = string | number;

/**
 * A key predicate: a GUID alone (`(<guid>)`), or `name='text'` / `name=12` / lookups as
 * `_x_value=<guid>` pairs. Quotes are doubled; values with characters the Web API cannot take in
 * a key are refused with `validation_failed` before anything is sent.
 */
export function keyPredicate(key: Readonly<Record<string, KeyValue>> | string): string {
  if (typeof key === 'string') {
    if (!isGuid(key)) throw new ConnectorError('validation_failed', `"${key}" is not a GUID.`);
    return key.toLowerCase();
  }
  const parts = Object.entries(key).map(([name, value]) => {
    if (typeof value === 'number') return `${name}=${value}`;
    if (/^_.+_value$/.test(name)) {
      if (!isGuid(value)) {
        throw new ConnectorError('validation_failed', `The key part ${name} must be a GUID, not "${value}".`);
      }
      return `${name}=${value.toLowerCase()}`;
    }
    if (UNSAFE_KEY_CHARACTERS.test(value)) {
      throw new ConnectorError(
        'validation_failed',
        `The key value "${value}" (${name}) contains a character Dataverse cannot take in a key (/ < > * % & : \\ ? +).`,
        { remedy: 'Change the value in the source system, or use another column as the key.' },
      );
    }
    return `${name}='${value.replace(/'/g, "''")}'`;
  });
  if (parts.length === 0) throw new ConnectorError('validation_failed', 'A key needs at least one column.');
  return parts.join(',');
}

/** `entityset(<key>)`, URL-safe (key values are percent-encoded except the OData syntax). */
export function recordPath(entitySet: string, key: Readonly<Record<string, KeyValue>> | string): string {
  return `${entitySet}(${encodeURI(keyPredicate(key)).replace(/#/g, '%23')})`;
}

/** The GUID at the end of an `OData-EntityId` (`…/accounts(<guid>)`). */
export function idFromEntityUrl(entityUrl: string | undefined): string | undefined {
  const match = /\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\s*$/i.exec(
    entityUrl ?? '',
  );
  return match?.[1]?.toLowerCase();
}

/** An OData string literal inside `$filter` (quotes doubled, then URL-encoded). */
export function filterString(value: string): string {
  return `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;
}
