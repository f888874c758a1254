import { errors } from '../errors';
import { countChanges, handleChangeTracking, isTrackingRequest } from '../extensions/change-tracking';
import type { EntityModel } from '../metadata/registry';
import { MAX_PAGE_SIZE, queryCollection } from '../query/execute';
import { seekRows } from '../query/index-seek';
import { parseQueryOptions, type QueryOptions } from '../query/options';
import { findRecord, recordNotFound, resolveRecordKey } from '../records';
import { Annotation } from '../serialize/annotations';
import { contextSelection, EntitySerializer, etagOf, type JsonObject } from '../serialize/entity';
import { formatValue } from '../serialize/format';
import { isEntityRef, type StoredRow } from '../store/types';
import { preferenceApplied, sendEmpty, sendJson, sendText } from './respond';
import type { RequestScope } from './scope';

/** `GET /accounts`: query, page, count, expand. */
export function readCollection(scope: RequestScope, model: EntityModel): void {
  const params = scope.url.searchParams;
  if (isTrackingRequest(scope)) {
    handleChangeTracking(scope, model);
    return;
  }
  const options = parseQueryOptions(params, model, scope.filterContext());
  const { store } = scope.state;
  const rows = options.seek ? seekRows(store, model, options.seek) : store.rows(model.def.logicalName);
  readCollectionPage(scope, model, rows, options);
}

/** Change tracking's initial sync: the same pages, plus a deltaLink on the last one. */
export interface TrackingPageOptions {
  trackingVersion: number;
  lastPage(body: JsonObject, trackingVersion: number): void;
  applied: string;
}

/** Pages and writes a collection of rows (a table, or the children behind a navigation). */
export function readCollectionPage(
  scope: RequestScope,
  model: EntityModel,
  rows: Iterable<StoredRow>,
  options: QueryOptions,
  tracking?: TrackingPageOptions,
): void {
  const requested = scope.prefer.maxPageSize;
  const maxPageSize = requested !== undefined && requested <= MAX_PAGE_SIZE ? requested : undefined;
  // With odata.maxpagesize, $top is ignored (as documented); $top alone returns one page, no link.
  const pageSize = maxPageSize ?? Math.min(options.top ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const paged = maxPageSize !== undefined || options.top === undefined;
  const page = queryCollection(model, rows, {
    filter: options.filter,
    orderby: options.orderby,
    pageSize,
    skiptoken: options.skiptoken,
    count: options.count || scope.prefer.annotations.includes(Annotation.totalRecordCount),
    ...(tracking ? { trackingVersion: tracking.trackingVersion } : {}),
  });
  const body: JsonObject = {
    '@odata.context': `${scope.serviceRoot}$metadata#${model.def.entitySetName}${contextSelection(options.select, options.expand)}`,
  };
  const annotations = scope.prefer.annotations;
  if (annotations.includes(Annotation.totalRecordCount)) {
    body[`@${Annotation.totalRecordCount}`] = options.count ? Math.min(page.total ?? 0, MAX_PAGE_SIZE) : -1;
  }
  if (annotations.includes(Annotation.totalRecordCountLimitExceeded)) {
    body[`@${Annotation.totalRecordCountLimitExceeded}`] = options.count && (page.total ?? 0) > MAX_PAGE_SIZE;
  }
  if (options.count) body['@odata.count'] = Math.min(page.total ?? 0, MAX_PAGE_SIZE);
  if (tracking && !page.nextSkipToken)
    tracking.lastPage(body, page.trackingVersion ?? tracking.trackingVersion);
  const serializer = serializerFor(scope, options);
  body['value'] = page.rows.map((row) => serializer.entity(model, row, options.select, options.expand));
  if ((paged || tracking) && page.nextSkipToken)
    body['@odata.nextLink'] = nextLink(scope, page.nextSkipToken);
  sendJson(
    scope.res,
    200,
    body,
    scope.headers(
      preferenceApplied([
        tracking?.applied,
        annotationsApplied(scope),
        maxPageSize !== undefined ? `odata.maxpagesize=${maxPageSize}` : undefined,
      ]),
    ),
  );
}

/** `GET /accounts(<key>)`. */
export function readEntity(scope: RequestScope, model: EntityModel, keyArgs: string): void {
  const { store, keys } = scope.state;
  const key = resolveRecordKey(model, keyArgs, keys);
  const row = findRecord(store, keys, model, key);
  if (!row) throw recordNotFound(model, key, 'retrieve');
  const options = parseQueryOptions(scope.url.searchParams, model, scope.filterContext());
  const etag = etagOf(row);
  const ifNoneMatch = scope.header('if-none-match');
  if (
    ifNoneMatch !== undefined &&
    options.expand.length === 0 &&
    scope.prefer.annotations.isEmpty &&
    ifNoneMatch.split(',').some((tag) => tag.trim() === etag)
  ) {
    sendEmpty(scope.res, 304, scope.headers({ ETag: etag }));
    return;
  }
  sendEntity(scope, model, row, options, 200);
}

/** Writes one row with its `$entity` context (GET, and writes with return=representation). */
export function sendEntity(
  scope: RequestScope,
  model: EntityModel,
  row: StoredRow,
  options: QueryOptions,
  status: number,
  extraHeaders: Record<string, string> = {},
  applied: ReadonlyArray<string | undefined> = [],
): void {
  const body: JsonObject = {
    '@odata.context': `${scope.serviceRoot}$metadata#${model.def.entitySetName}${contextSelection(options.select, options.expand)}/$entity`,
    ...serializerFor(scope, options).entity(model, row, options.select, options.expand),
  };
  sendJson(
    scope.res,
    status,
    body,
    scope.headers({
      ETag: etagOf(row),
      ...extraHeaders,
      ...preferenceApplied([...applied, annotationsApplied(scope)]),
    }),
  );
}

/** `GET /accounts/$count`: the number of rows (up to 5,000) as text. */
export function readCount(scope: RequestScope, model: EntityModel): void {
  if (scope.url.searchParams.has('$deltatoken')) {
    countChanges(scope, model);
    return;
  }
  const options = parseQueryOptions(scope.url.searchParams, model, scope.filterContext());
  let count = 0;
  for (const row of scope.state.store.rows(model.def.logicalName))
    if (!options.filter || options.filter(row)) count++;
  sendText(scope.res, 200, String(Math.min(count, MAX_PAGE_SIZE)), scope.headers());
}

/** `GET /salesorders(<id>)/order_details` or `GET /salesorderdetails(<id>)/salesorderid`. */
export function readNavigation(scope: RequestScope, model: EntityModel, keyArgs: string, name: string): void {
  const { store, keys } = scope.state;
  const navigation = model.navigations.get(name);
  if (!navigation) throw errors.resourceNotFound(name);
  const key = resolveRecordKey(model, keyArgs, keys);
  const row = findRecord(store, keys, model, key);
  if (!row) throw recordNotFound(model, key, 'retrieve');
  if (navigation.kind === 'single') {
    const ref = row.values[navigation.attribute.logicalName];
    const target = navigation.target;
    const related =
      isEntityRef(ref) && ref.logicalName === target.def.logicalName
        ? store.get(target.def.logicalName, ref.id)
        : undefined;
    if (!related) {
      sendEmpty(scope.res, 204, scope.headers());
      return;
    }
    sendEntity(
      scope,
      target,
      related,
      parseQueryOptions(scope.url.searchParams, target, scope.filterContext()),
      200,
    );
    return;
  }
  const child = navigation.child;
  const column = navigation.childAttribute.logicalName;
  const children = [...store.rows(child.def.logicalName)].filter((candidate) => {
    const ref = candidate.values[column];
    return isEntityRef(ref) && ref.id === row.id && ref.logicalName === model.def.logicalName;
  });
  readCollectionPage(
    scope,
    child,
    children,
    parseQueryOptions(scope.url.searchParams, child, scope.filterContext()),
  );
}

/** `GET /accounts(<id>)/name`: `{"@odata.context": …, "value": …}`; 204 when the column is null. */
export function readProperty(
  scope: RequestScope,
  model: EntityModel,
  keyArgs: string,
  property: string,
): void {
  const { store, keys } = scope.state;
  const attribute = model.properties.get(property);
  if (!attribute) throw errors.resourceNotFound(property);
  const key = resolveRecordKey(model, keyArgs, keys);
  const row = findRecord(store, keys, model, key);
  if (!row) throw recordNotFound(model, key, 'retrieve');
  const value = row.values[attribute.logicalName];
  if (value === undefined) {
    sendEmpty(scope.res, 204, scope.headers());
    return;
  }
  const body: JsonObject = {
    '@odata.context': `${scope.serviceRoot}$metadata#${model.def.entitySetName}(${row.id})/${property}`,
  };
  if (scope.prefer.annotations.includes(Annotation.formattedValue) && !isEntityRef(value)) {
    const formatted = formatValue(attribute, value, '$');
    if (formatted !== undefined) body[`value@${Annotation.formattedValue}`] = formatted;
  }
  body['value'] = isEntityRef(value) ? value.id : value;
  sendJson(scope.res, 200, body, scope.headers());
}

/** `GET /WhoAmI`. */
export function readWhoAmI(scope: RequestScope): void {
  const actor = scope.caller.actor;
  sendJson(
    scope.res,
    200,
    {
      '@odata.context': `${scope.serviceRoot}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
      BusinessUnitId: actor.businessUnitId,
      UserId: actor.userId,
      OrganizationId: actor.organizationId,
    },
    scope.headers(),
  );
}

/** `GET /api/data/v9.2/`: the entity sets. */
export function readServiceDocument(scope: RequestScope): void {
  sendJson(
    scope.res,
    200,
    {
      '@odata.context': `${scope.serviceRoot}$metadata`,
      value: scope.metadata.entities().map((m) => ({
        name: m.def.entitySetName,
        kind: 'EntitySet',
        url: m.def.entitySetName,
      })),
    },
    scope.headers(),
  );
}

export function annotationsApplied(scope: RequestScope): string | undefined {
  const raw = scope.prefer.annotationsRaw;
  return raw === undefined ? undefined : `odata.include-annotations=${raw}`;
}

function serializerFor(scope: RequestScope, options: QueryOptions): EntitySerializer {
  const nested = options.expand.some((item) => item.expand.length > 0);
  const requested = scope.prefer.maxPageSize;
  return new EntitySerializer({
    store: scope.state.store,
    annotations: scope.prefer.annotations,
    serviceRoot: scope.serviceRoot,
    expandLimit: nested && requested !== undefined ? Math.min(requested, MAX_PAGE_SIZE) : MAX_PAGE_SIZE,
  });
}

/** The request URL as sent, with the next `$skiptoken` (clients must not edit it). */
export function nextLink(scope: RequestScope, skiptoken: string): string {
  const parts = scope.url.search
    .replace(/^\?/, '')
    .split('&')
    .filter((part) => part !== '' && !/^(\$|%24)skiptoken=/i.test(part));
  parts.push(`$skiptoken=${encodeURIComponent(skiptoken)}`);
  return `${scope.url.origin}${scope.url.pathname}?${parts.join('&')}`;
}
