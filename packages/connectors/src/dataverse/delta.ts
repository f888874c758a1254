import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import type { SourcePage, SourcePageMeta } from '../core/define';
import { ConnectorError, isConnectorError } from '../core/errors';
import { ANNOTATION, collectionPage, DataverseApi, includeAnnotations } from './api';
import type { DataverseConfig } from './config';
import { type Columns, etagOf, type RowOf, requireGuid, type Table } from './tables';

/**
 * Change-tracking reads of one table (shared/reference/dataverse.md §4).
 *
 * - First run (no checkpoint): `GET <set>?$select=…` with `Prefer: odata.track-changes,
 *   odata.maxpagesize=N`, following every `@odata.nextLink`; the last page carries the
 *   `@odata.deltaLink`, which becomes the checkpoint.
 * - Later runs: `GET <deltaLink>` (put on the configured origin), again following nextLinks; rows
 *   created or changed since are `upsert` records, `$deletedEntity` entries are `delete` records.
 * - Only the last page carries the new checkpoint; earlier pages repeat the stored one (or null on
 *   a full read), so a crash mid-way resumes from a point that is safe to read again.
 * - A delta token Dataverse no longer accepts ("Version stamp associated with the client has
 *   expired. Please perform a full sync.", after `expirechangetrackingindays`) starts a full read;
 *   every page of it says so in `meta` (`read: 'full'`, `restart`) for the worker's audit trail.
 */

export const deltaCheckpointSchema = z.object({ deltaLink: z.url() }).nullable();
export type DeltaCheckpoint = z.output<typeof deltaCheckpointSchema>;

export type DeltaRecord<R> =
  | { op: 'upsert'; id: string; etag: string | null; row: R }
  | { op: 'delete'; id: string; reason: string };

export function deltaRecordSchema<R>(row: z.ZodType<R>): z.ZodType<DeltaRecord<R>> {
  return z.discriminatedUnion('op', [
    z.object({ op: z.literal('upsert'), id: z.guid(), etag: z.string().nullable(), row }),
    z.object({ op: z.literal('delete'), id: z.guid(), reason: z.string() }),
  ]) as unknown as z.ZodType<DeltaRecord<R>>;
}

const pageSchema = collectionPage(z.record(z.string(), z.unknown()));
type Page = z.output<typeof pageSchema>;

/** Dataverse's error for a delta token it no longer has the changes for. */
export const EXPIRED_VERSION_STAMP = '0x80044352';

export function isExpiredDeltaToken(error: unknown): error is ConnectorError {
  if (!isConnectorError(error) || !error.upstream) return false;
  const { code, message, status } = error.upstream;
  return (
    code === EXPIRED_VERSION_STAMP ||
    status === 410 ||
    /version stamp associated with the client has expired|perform a full sync/i.test(message ?? '')
  );
}

export async function* readChanges<C extends Columns>(
  ctx: ConnectorContext,
  config: DataverseConfig,
  table: Table<C>,
  checkpoint: DeltaCheckpoint | undefined,
): AsyncGenerator<SourcePage<DeltaRecord<RowOf<C>>, DeltaCheckpoint>> {
  const api = new DataverseApi(ctx, config);
  const prefer = [
    'odata.track-changes',
    `odata.maxpagesize=${config.pageSize}`,
    includeAnnotations(ANNOTATION.lookupTable),
  ];
  const read = (target: string) =>
    api.get(target, pageSchema, { prefer }).catch((error: unknown) => {
      throw changeTrackingError(error, table.logicalName);
    });

  let response: Page | undefined;
  let meta: SourcePageMeta = { read: 'incremental' };
  let resumeFrom: DeltaCheckpoint = checkpoint ?? null;
  if (checkpoint && !linksTo(checkpoint.deltaLink, table.entitySet)) {
    resumeFrom = null;
    meta = {
      read: 'full',
      restart: {
        reason: `The stored checkpoint is not a delta link of ${table.entitySet}, so every row is read again.`,
        code: 'checkpoint_not_for_table',
        message: `Expected a link to ${table.entitySet}, got ${new URL(checkpoint.deltaLink).pathname}.`,
      },
    };
  } else if (checkpoint) {
    try {
      response = (await read(checkpoint.deltaLink)).body;
    } catch (error) {
      if (!isExpiredDeltaToken(error)) throw error;
      ctx.logger.warn(
        { table: table.logicalName, code: error.upstream?.code },
        'delta token no longer accepted: full read',
      );
      resumeFrom = null;
      meta = {
        read: 'full',
        restart: {
          reason: `Dynamics 365 Sales no longer had the changes since the last sync of ${table.entitySet} (the change-tracking token expired), so every row is read again.`,
          code: 'delta_token_expired',
          message: error.message,
          ...(error.upstream ? { upstream: error.upstream } : {}),
        },
      };
    }
  }
  if (!response) {
    if (!meta.restart) meta = { read: 'full' };
    response = (await read(`${table.entitySet}?$select=${table.select}`)).body;
  }

  for (let pageNumber = 1; ; pageNumber++) {
    const what = `A ${table.logicalName} row of page ${pageNumber} of the change-tracking read`;
    const records = response.value.map((row) => toRecord(table, row, what));
    const next: string | undefined = response['@odata.nextLink'];
    if (next) {
      yield { records, checkpoint: resumeFrom, meta };
      response = (await read(next)).body;
      continue;
    }
    const deltaLink = response['@odata.deltaLink'];
    if (!deltaLink) {
      throw new ConnectorError(
        'schema_mismatch',
        `The last page of the change-tracking read of ${table.entitySet} has no @odata.deltaLink.`,
        { remedy: changeTrackingRemedy(table.logicalName) },
      );
    }
    yield { records, checkpoint: { deltaLink }, meta };
    return;
  }
}

/** Whether a delta link reads `entitySet` (`…/api/data/v9.2/<entitySet>?…$deltatoken=…`). */
function linksTo(link: string, entitySet: string): boolean {
  try {
    return new URL(link).pathname.toLowerCase().endsWith(`/${entitySet.toLowerCase()}`);
  } catch {
    return false;
  }
}

function toRecord<C extends Columns>(
  table: Table<C>,
  row: Readonly<Record<string, unknown>>,
  what: string,
): DeltaRecord<RowOf<C>> {
  const context = row['@odata.context'];
  if (typeof context === 'string' && context.endsWith('/$deletedEntity')) {
    const reason = row['reason'];
    return {
      op: 'delete',
      id: requireGuid(row['id'], `${what}: the id of a deleted row`),
      reason: typeof reason === 'string' ? reason : 'deleted',
    };
  }
  const converted = table.convert(row, what);
  return { op: 'upsert', id: requireGuid(row[table.primaryId], what), etag: etagOf(row), row: converted };
}

export function changeTrackingRemedy(logicalName: string): string {
  return (
    `Turn on change tracking for the ${logicalName} table: Power Apps (make.powerapps.com) > your environment > ` +
    `Tables > ${logicalName} > Properties > Advanced options > "Track changes", then save and publish.`
  );
}

function changeTrackingError(error: unknown, logicalName: string): unknown {
  if (
    isConnectorError(error) &&
    /isn't enabled for change tracking|not enabled for change tracking/i.test(error.upstream?.message ?? '')
  ) {
    return new ConnectorError('invalid_config', error.message, {
      ...(error.upstream ? { upstream: error.upstream } : {}),
      remedy: changeTrackingRemedy(logicalName),
      cause: error,
    });
  }
  return error;
}
