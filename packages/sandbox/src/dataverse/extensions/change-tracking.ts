import { DataverseError, ErrorCode, errors } from '../errors';
import { nextLink, readCollectionPage } from '../http/read';
import { preferenceApplied, sendJson, sendText } from '../http/respond';
import type { RequestScope } from '../http/scope';
import type { EntityModel } from '../metadata/registry';
import { MAX_PAGE_SIZE } from '../query/execute';
import { parseQueryOptions, parseSelect } from '../query/options';
import { contextSelection, EntitySerializer, type Json, type JsonObject } from '../serialize/entity';
import type { StoredRow } from '../store/types';

/**
 * Change tracking (`Prefer: odata.track-changes`, `$deltatoken`), from the per-table change logs
 * the store keeps:
 * - initial sync: every row (paged like any query; the pages' cookies say `istracking="True"`),
 *   and on the last page `@odata.deltaLink` with `$deltatoken=<version>!<MM/dd/yyyy HH:mm:ss>`
 *   (the version the sync started at);
 * - delta: rows created or changed since the token (current values, `$select` honoured) by
 *   version, then `$deletedEntity` entries for rows deleted since (created-then-deleted rows are
 *   reported as deleted), and a new deltaLink; no changes ⇒ empty `value`;
 * - `$filter`, `$orderby`, `$expand`, `$top` are refused; a table without change tracking, a
 *   malformed token and a token older than the org's `expirechangetrackingindays` (or from before
 *   a reset) are refused with an error telling the client to do a full sync.
 */

const REFUSED = ['$filter', '$orderby', '$expand', '$top'];
const DAY = 86_400_000;

interface DeltaToken {
  version: number;
  issuedAt: number;
}

export function isTrackingRequest(scope: RequestScope): boolean {
  const params = scope.url.searchParams;
  return (
    scope.prefer.trackChanges ||
    params.has('$deltatoken') ||
    /istracking="True"/.test(params.get('$skiptoken') ?? '')
  );
}

export function handleChangeTracking(scope: RequestScope, model: EntityModel): void {
  const params = scope.url.searchParams;
  checkTrackable(scope, model);
  const deltatoken = params.get('$deltatoken');
  if (deltatoken === null) {
    initialSync(scope, model);
    return;
  }
  delta(scope, model, parseDeltaToken(scope, deltatoken));
}

/** `GET /accounts/$count?$deltatoken=…`: how many changes a delta would return. */
export function countChanges(scope: RequestScope, model: EntityModel): void {
  checkTrackable(scope, model);
  const token = parseDeltaToken(scope, scope.url.searchParams.get('$deltatoken') ?? '');
  const { upserts, deletes } = changesSince(scope, model, token.version, scope.state.store.version);
  sendText(scope.res, 200, String(upserts.length + deletes.length), scope.headers());
}

function checkTrackable(scope: RequestScope, model: EntityModel): void {
  const params = scope.url.searchParams;
  for (const option of REFUSED) {
    if (params.has(option)) {
      throw errors.badRequest(
        `The "${option}" query parameter isn't supported when Change Tracking is enabled.`,
      );
    }
  }
  if (!model.def.changeTrackingEnabled) {
    throw errors.badRequest(`Entity: ${model.def.logicalName} isn't enabled for change tracking.`);
  }
}

function initialSync(scope: RequestScope, model: EntityModel): void {
  const options = parseQueryOptions(scope.url.searchParams, model, scope.filterContext());
  readCollectionPage(scope, model, scope.state.store.rows(model.def.logicalName), options, {
    trackingVersion: scope.state.store.version,
    lastPage: (body, trackingVersion) => {
      body['@odata.deltaLink'] = deltaLink(scope, model, options.select, trackingVersion);
    },
    applied: 'odata.track-changes',
  });
}

function delta(scope: RequestScope, model: EntityModel, token: DeltaToken): void {
  const { store } = scope.state;
  const select = parseSelect(scope.url.searchParams.get('$select'), model);
  parseQueryOptions(scope.url.searchParams, model, scope.filterContext());
  const cursor = parseDeltaCursor(scope.url.searchParams.get('$skiptoken'));
  const upTo = cursor?.upTo ?? store.version;
  const { upserts, deletes } = changesSince(scope, model, token.version, upTo);
  const requested = scope.prefer.maxPageSize;
  const maxPageSize = requested !== undefined && requested <= MAX_PAGE_SIZE ? requested : undefined;
  const pageSize = maxPageSize ?? MAX_PAGE_SIZE;
  const offset = cursor?.offset ?? 0;
  const serializer = new EntitySerializer({
    store,
    annotations: scope.prefer.annotations,
    serviceRoot: scope.serviceRoot,
    expandLimit: MAX_PAGE_SIZE,
  });
  const entries: Json[] = [
    ...upserts.map((row) => serializer.entity(model, row, select, [])),
    ...deletes.map((id) => ({
      '@odata.context': `${scope.serviceRoot}$metadata#${model.def.entitySetName}/$deletedEntity`,
      id,
      reason: 'deleted',
    })),
  ];
  const page = entries.slice(offset, offset + pageSize);
  const more = offset + pageSize < entries.length;
  const body: JsonObject = {
    '@odata.context': `${scope.serviceRoot}$metadata#${model.def.entitySetName}${contextSelection(select, [])}/$delta`,
  };
  if (!more) body['@odata.deltaLink'] = deltaLink(scope, model, select, upTo);
  body['value'] = page;
  if (more) {
    const pageNumber = (cursor?.pageNumber ?? 1) + 1;
    body['@odata.nextLink'] = nextLink(scope, encodeDeltaCursor(pageNumber, upTo, offset + pageSize));
  }
  sendJson(
    scope.res,
    200,
    body,
    scope.headers(
      preferenceApplied([
        'odata.track-changes',
        maxPageSize !== undefined ? `odata.maxpagesize=${maxPageSize}` : undefined,
      ]),
    ),
  );
}

/** Rows changed in (from, upTo]: the latest change of each row decides (deleted or current row). */
function changesSince(
  scope: RequestScope,
  model: EntityModel,
  from: number,
  upTo: number,
): { upserts: StoredRow[]; deletes: string[] } {
  const { store } = scope.state;
  const latest = new Map<string, { version: number; deleted: boolean }>();
  for (const entry of store.table(model.def.logicalName).changes) {
    if (entry.version <= from || entry.version > upTo) continue;
    latest.delete(entry.id);
    latest.set(entry.id, { version: entry.version, deleted: entry.operation === 'delete' });
  }
  const upserts: StoredRow[] = [];
  const deletes: string[] = [];
  const ordered = [...latest].sort((a, b) => a[1].version - b[1].version);
  for (const [id, change] of ordered) {
    const row = change.deleted ? undefined : store.get(model.def.logicalName, id);
    if (row) upserts.push(row);
    else deletes.push(id);
  }
  return { upserts, deletes };
}

function parseDeltaToken(scope: RequestScope, text: string): DeltaToken {
  const { store } = scope.state;
  const match = /^(\d+)!(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) throw expired();
  const [, version, month, day, year, hours, minutes, seconds] = match.map(Number);
  const issuedAt = Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hours ?? 0, minutes ?? 0, seconds ?? 0);
  const token = { version: version ?? 0, issuedAt };
  const organization = store.get('organization', scope.state.facts.organizationId);
  const days = organization?.values['expirechangetrackingindays'];
  const keepMs = (typeof days === 'number' ? days : 7) * DAY;
  const tooOld = scope.now().getTime() - token.issuedAt > keepMs;
  if (tooOld || token.version < store.changeLogFloor || token.version > store.version) throw expired();
  return token;
}

function expired(): DataverseError {
  return new DataverseError(
    400,
    ErrorCode.expiredVersionStamp,
    'Version stamp associated with the client has expired. Please perform a full sync.',
    { messageName: 'ExpiredVersionStamp' },
  );
}

/** `<version>!<MM/dd/yyyy HH:mm:ss>` (UTC), URL-encoded with lower-case escapes as in the samples. */
function deltaLink(
  scope: RequestScope,
  model: EntityModel,
  select: readonly string[] | undefined,
  version: number,
): string {
  const now = scope.now();
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${two(now.getUTCMonth() + 1)}/${two(now.getUTCDate())}/${now.getUTCFullYear()} ${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())}`;
  const token = encodeURIComponent(`${version}!${stamp}`)
    .replace(/!/g, '%21')
    .replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const selectPart = select ? `$select=${select.join(',')}&` : '';
  return `${scope.serviceRoot}${model.def.entitySetName}?${selectPart}$deltatoken=${token}`;
}

interface DeltaCursor {
  pageNumber: number;
  upTo: number;
  offset: number;
}

function encodeDeltaCursor(pageNumber: number, upTo: number, offset: number): string {
  const inner = `<cookie page="${pageNumber - 1}" upto="${upTo}" offset="${offset}" />`;
  const once = encodeURIComponent(inner).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  return `<cookie pagenumber="${pageNumber}" pagingcookie="${encodeURIComponent(once)}" istracking="True" />`;
}

function parseDeltaCursor(token: string | null): DeltaCursor | undefined {
  if (token === null) return undefined;
  const outer = /^<cookie pagenumber="(\d+)" pagingcookie="([^"]*)" istracking="True" \/>$/.exec(
    token.trim(),
  );
  let inner = '';
  try {
    inner = decodeURIComponent(decodeURIComponent(outer?.[2] ?? ''));
  } catch {
    inner = '';
  }
  const match = /^<cookie page="\d+" upto="(\d+)" offset="(\d+)" \/>$/.exec(inner);
  if (!outer || !match) throw errors.badRequest('The $skiptoken value is not a valid paging cookie.');
  return { pageNumber: Number(outer[1]), upTo: Number(match[1]), offset: Number(match[2]) };
}
