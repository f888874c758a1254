import type { ConnectorContext } from '../core/context';
import type { Priority } from '../http/budget';
import type { FnoConfig } from './config';
import { type FetchableEntitySet, type FetchedRow, fetchableEntities } from './entities';
import { FnoApi, type KeyValues } from './odata';

/**
 * One record by its full key: `GET /data/{Set}(dataAreaId='usmf',ItemNumber='X')` with every key
 * field (a missing or unknown key field fails before any request), `cross-company=true` for
 * company-specific entities (so a key of a company other than the app user's default one is found,
 * fno.md §2), `$select` of the properties the connector uses. `undefined` when F&O answers 404.
 */
export async function fetchOne<S extends FetchableEntitySet>(
  ctx: ConnectorContext,
  config: FnoConfig,
  entitySet: S,
  key: KeyValues,
  options: { priority?: Priority } = {},
): Promise<FetchedRow<S> | undefined> {
  const entity = fetchableEntities[entitySet];
  const api = new FnoApi(ctx, config);
  const row = await api.getEntity<unknown>(entitySet, entity.keyFields, key, entity.row, {
    select: entity.select,
    companyScoped: entity.companyScoped,
    priority: options.priority ?? 'normal',
  });
  // Parsed with `fetchableEntities[entitySet].row`; TypeScript cannot narrow the indexed schema by S.
  return row as FetchedRow<S> | undefined;
}
