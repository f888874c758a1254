import { resourceNotFound } from '../errors';
import { ENTITIES, entity } from '../metadata/entities';
import type { EntityDef, NavigationDef, PropertyDef, Value } from '../metadata/types';
import { companyScope, selectRows } from '../query/execute';
import { type ExpandOption, parseQueryOptions, type QueryOptions } from '../query/options';
import { contextUrl, projectRows } from '../query/projection';
import type { Row } from '../store/table';
import { weakEtag } from '../wire';
import { keyPredicate } from './path';
import { json, text } from './responses';
import type { FnoRequest, FnoResponse, Session } from './types';

function optionsFor(def: EntityDef, request: FnoRequest): QueryOptions {
  return parseQueryOptions(def, request.url.searchParams, (name) =>
    entity((def.navigation(name) as NavigationDef).target),
  );
}

/** `GET /data/`: the service document. */
export function serviceDocument(session: Session): FnoResponse {
  return json(200, {
    '@odata.context': `${session.origin}/data/$metadata`,
    value: ENTITIES.map((def) => ({ name: def.entitySet, kind: 'EntitySet', url: def.entitySet })),
  });
}

export function metadataDocument(session: Session): FnoResponse {
  return text(200, session.csdl, 'application/xml; charset=utf-8');
}

/** `GET /data/Set`: scoped, filtered, ordered, paged; `$count=true` counts before `$top`/`$skip`. */
export function readCollection(session: Session, def: EntityDef, request: FnoRequest): FnoResponse {
  const options = optionsFor(def, request);
  const scope = companyScope(def, options.crossCompany, session.user.company);
  const params = request.url.searchParams;
  const query = [session.user.company, options.crossCompany, params.get('$filter'), params.get('$orderby')];
  const selection = selectRows(
    def,
    session.store.table(def.entitySet),
    options,
    scope,
    session.maxPageSize,
    JSON.stringify(query),
  );
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(session.origin, def.entitySet, options, false),
  };
  if (options.count) body['@odata.count'] = selection.total;
  body['value'] = projectRows(def, selection.rows, options, (set) => session.store.table(set));
  if (selection.next) body['@odata.nextLink'] = nextLink(session, request, selection.next);
  return json(200, body);
}

/** `GET /data/Set/$count`: a bare integer, scoped and filtered like the collection. */
export function readCount(session: Session, def: EntityDef, request: FnoRequest): FnoResponse {
  const options = optionsFor(def, request);
  const scope = companyScope(def, options.crossCompany, session.user.company);
  const selection = selectRows(
    def,
    session.store.table(def.entitySet),
    { ...options, top: 0 },
    scope,
    session.maxPageSize,
  );
  return text(200, String(selection.total), 'text/plain; charset=utf-8');
}

/**
 * Finds a row addressed by key, within the caller's company unless `cross-company=true`
 * (UNCONFIRMED: a key in another company without cross-company is treated like a read of that
 * company's rows, i.e. not found).
 */
export function findScoped(
  session: Session,
  def: EntityDef,
  keys: Record<string, Value>,
  crossCompany: boolean,
): Row {
  const row = session.store.table(def.entitySet).find(keys);
  const scope = companyScope(def, crossCompany, session.user.company);
  if (!row || (scope && !scope(row))) throw resourceNotFound(def.entitySet);
  return row;
}

/** `GET /data/Set(keys)`: the entity with `@odata.context …/$entity`; `$select` and `$expand` apply. */
export function readEntity(
  session: Session,
  def: EntityDef,
  keys: Record<string, Value>,
  request: FnoRequest,
): FnoResponse {
  const options = optionsFor(def, request);
  const row = findScoped(session, def, keys, options.crossCompany);
  return json(200, entityBody(session, def, row, options), etagHeader(row));
}

/** A single entity's body (also the body of a 201). */
export function entityBody(
  session: Session,
  def: EntityDef,
  row: Row,
  options: { select?: readonly string[] | undefined; expand: readonly ExpandOption[] } = { expand: [] },
): Record<string, unknown> {
  const [projected] = projectRows(def, [row], options, (set) => session.store.table(set));
  return { '@odata.context': contextUrl(session.origin, def.entitySet, options, true), ...projected };
}

/** `GET /data/Set(keys)/Nav`: the related rows, with the target's query options. */
export function readNavigation(
  session: Session,
  def: EntityDef,
  keys: Record<string, Value>,
  nav: NavigationDef,
  request: FnoRequest,
): FnoResponse {
  const target = entity(nav.target);
  const options = optionsFor(target, request);
  const row = findScoped(session, def, keys, options.crossCompany);
  const related = session.store
    .table(nav.target)
    .rows()
    .filter((candidate) =>
      nav.on.every(
        ([from, to]) =>
          String(candidate.values[to] ?? '').toLowerCase() === String(row.values[from] ?? '').toLowerCase(),
      ),
    );
  const path = `${def.entitySet}(${keyPredicate(def, row.values)})/${nav.name}`;
  if (!nav.collection) {
    const match = related[0];
    if (!match) return noContentNavigation();
    return json(200, {
      '@odata.context': contextUrl(session.origin, target.entitySet, options, true),
      ...projectRows(target, [match], options, (set) => session.store.table(set))[0],
    });
  }
  const selection = selectRows(target, related, options, undefined, session.maxPageSize);
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(session.origin, path, options, false),
  };
  if (options.count) body['@odata.count'] = selection.total;
  body['value'] = projectRows(target, selection.rows, options, (set) => session.store.table(set));
  if (selection.next) body['@odata.nextLink'] = nextLink(session, request, selection.next);
  return json(200, body);
}

function noContentNavigation(): FnoResponse {
  return { status: 204, headers: { 'OData-Version': '4.0' }, body: '' };
}

/** `GET /data/Set(keys)/Property`. */
export function readProperty(
  session: Session,
  def: EntityDef,
  keys: Record<string, Value>,
  property: PropertyDef,
  request: FnoRequest,
): FnoResponse {
  const crossCompany = (request.url.searchParams.get('cross-company') ?? '').toLowerCase() === 'true';
  const row = findScoped(session, def, keys, crossCompany);
  return json(200, {
    '@odata.context': `${session.origin}/data/$metadata#${def.entitySet}(${keyPredicate(def, row.values)})/${property.name}`,
    value: row.values[property.name] ?? property.empty,
  });
}

export function etagHeader(row: Row): Record<string, string> {
  return { ETag: weakEtag(row.recId, row.version) };
}

/**
 * `@odata.nextLink`: the request's URL with every option kept, `$skip` advanced by the page size
 * and `$top` reduced by it when the caller gave one (Web API OData's rule; fno.md's example link
 * `…&$skip=10000&$top=10000` is what a `$top=20000` request gets).
 */
function nextLink(
  session: Session,
  request: FnoRequest,
  next: { skip: number; top: number | undefined },
): string {
  const parts: string[] = [];
  for (const [name, value] of request.url.searchParams) {
    if (name === '$skip' || name === '$top') continue;
    parts.push(`${encodeName(name)}=${encodeURIComponent(value)}`);
  }
  parts.push(`$skip=${next.skip}`);
  if (next.top !== undefined) parts.push(`$top=${next.top}`);
  return `${session.origin}${request.url.pathname}?${parts.join('&')}`;
}

function encodeName(name: string): string {
  return encodeURIComponent(name).replace(/%24/g, '$');
}
