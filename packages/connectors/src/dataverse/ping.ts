import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { type PingCheck, type PingReporter, pingChecks } from '../core/define';
import { isConnectorError } from '../core/errors';
import { API_PATH, DataverseApi, recordPath } from './api';
import { type BatchPartResponse, partError, sendBatch } from './batch';
import type { DataverseConfig } from './config';
import {
  findKey,
  listAlternateKeys,
  requiredAlternateKeys,
  trackedTables,
  verifyChangeTracking,
} from './setup';
import { whoAmISchema } from './who-am-i';

/**
 * The Dynamics 365 Sales connection check, in the order a person would fix things: a token from
 * Entra ID for the environment host, WhoAmI (the app is an application user of the environment),
 * the application user itself (enabled, bound to our client id), read access to every table the
 * integration uses (`$top=1` each; a 403 names the missing privilege), change tracking on the
 * tables the sources read, and the alternate keys the sinks upsert by. A failure of the first three
 * stops the ping (nothing after it can work); the table checks run side by side.
 */

/** Tables read or written by the connector: read access is checked on each. */
export const usedTables = [
  { table: 'account', entitySet: 'accounts', primaryId: 'accountid' },
  { table: 'contact', entitySet: 'contacts', primaryId: 'contactid' },
  { table: 'opportunity', entitySet: 'opportunities', primaryId: 'opportunityid' },
  { table: 'opportunityproduct', entitySet: 'opportunityproducts', primaryId: 'opportunityproductid' },
  { table: 'salesorder', entitySet: 'salesorders', primaryId: 'salesorderid' },
  { table: 'salesorderdetail', entitySet: 'salesorderdetails', primaryId: 'salesorderdetailid' },
  { table: 'product', entitySet: 'products', primaryId: 'productid' },
  { table: 'productpricelevel', entitySet: 'productpricelevels', primaryId: 'productpricelevelid' },
  { table: 'pricelevel', entitySet: 'pricelevels', primaryId: 'pricelevelid' },
  { table: 'uom', entitySet: 'uoms', primaryId: 'uomid' },
  { table: 'uomschedule', entitySet: 'uomschedules', primaryId: 'uomscheduleid' },
  { table: 'transactioncurrency', entitySet: 'transactioncurrencies', primaryId: 'transactioncurrencyid' },
  { table: 'serviceendpoint', entitySet: 'serviceendpoints', primaryId: 'serviceendpointid' },
  {
    table: 'sdkmessageprocessingstep',
    entitySet: 'sdkmessageprocessingsteps',
    primaryId: 'sdkmessageprocessingstepid',
  },
  // The post images registered on the webhook steps (the row version a webhook carries).
  {
    table: 'sdkmessageprocessingstepimage',
    entitySet: 'sdkmessageprocessingstepimages',
    primaryId: 'sdkmessageprocessingstepimageid',
  },
] as const;

const systemUserSchema = z.looseObject({
  fullname: z.string().nullable(),
  applicationid: z.guid().nullable(),
  isdisabled: z.boolean().nullable(),
});

const ROLE_REMEDY =
  'Give the application user a security role with organization-level Read (and Create/Write for the tables the ' +
  'integration writes) on this table: Power Platform admin center > Environments > your environment > Settings > ' +
  'Users + permissions > Application users > the app > Edit security roles.';

function failure(name: string, error: unknown, remedy?: string): PingCheck {
  if (isConnectorError(error)) {
    const upstream =
      error.upstream?.message && !error.message.includes(error.upstream.message)
        ? ` (${error.upstream.message})`
        : '';
    const fix = error.code === 'forbidden' && remedy ? remedy : (error.remedy ?? remedy);
    return { name, ok: false, detail: `${error.message}${upstream}`, ...(fix ? { remedy: fix } : {}) };
  }
  return {
    name,
    ok: false,
    detail: error instanceof Error ? error.message : String(error),
    ...(remedy ? { remedy } : {}),
  };
}

/**
 * `$top=1` of every table in one `$batch` (GETs outside changesets, continue-on-error): one request
 * against the service-protection limits instead of one per table; each part is its own check.
 */
async function readChecks(api: DataverseApi): Promise<PingCheck[]> {
  const names = usedTables.map(({ table }) => `read ${table}`);
  let parts: BatchPartResponse[];
  try {
    ({ parts } = await sendBatch(
      api,
      usedTables.map(({ entitySet, primaryId }) => ({
        method: 'GET' as const,
        url: `${API_PATH}${entitySet}?$select=${primaryId}&$top=1`,
      })),
      { priority: 'live', idempotent: true, continueOnError: true },
    ));
  } catch (error) {
    return names.map((name) => failure(name, error, ROLE_REMEDY));
  }
  return usedTables.map(({ table, entitySet }, index): PingCheck => {
    const name = `read ${table}`;
    const part = parts[index];
    if (!part) return { name, ok: false, detail: `The $batch answer has no part for ${entitySet}.` };
    if (part.status < 400) return { name, ok: true, detail: `The app can read ${entitySet}.` };
    return failure(name, partError(part, 'GET', api.url(entitySet)), ROLE_REMEDY);
  });
}

export async function pingDataverse(
  ctx: ConnectorContext,
  config: DataverseConfig,
  report?: PingReporter,
): Promise<PingCheck[]> {
  const api = new DataverseApi(ctx, config);
  const host = new URL(config.url).host;
  const checks = pingChecks(report);

  try {
    await ctx.http.authenticate(config.url, { signal: ctx.signal });
    checks.push({
      name: 'token',
      ok: true,
      detail: `Entra ID issued an access token for ${host} to the app ${config.clientId}.`,
    });
  } catch (error) {
    checks.push(failure('token', error));
    return checks;
  }

  let userId: string;
  try {
    const me = (await api.get('WhoAmI', whoAmISchema, { priority: 'live' })).body;
    userId = me.UserId.toLowerCase();
    checks.push({
      name: 'whoami',
      ok: true,
      detail: `The environment answered WhoAmI: user ${me.UserId}, organization ${me.OrganizationId}.`,
    });
  } catch (error) {
    if (isConnectorError(error) && error.code === 'app_user_missing') {
      checks.push(failure('application user', error));
    } else {
      checks.push(failure('whoami', error));
    }
    return checks;
  }

  try {
    const user = (
      await api.get(
        `${recordPath('systemusers', userId)}?$select=fullname,applicationid,isdisabled`,
        systemUserSchema,
        {
          priority: 'live',
        },
      )
    ).body;
    const name = user.fullname ?? userId;
    if (user.isdisabled) {
      checks.push({
        name: 'application user',
        ok: false,
        detail: `The application user "${name}" is disabled.`,
        remedy:
          'Activate it: Power Platform admin center > Environments > your environment > Settings > Users + permissions > ' +
          'Application users > the app > Activate.',
      });
      return checks;
    }
    if (user.applicationid && user.applicationid.toLowerCase() !== config.clientId.toLowerCase()) {
      checks.push({
        name: 'application user',
        ok: false,
        detail: `The environment signed us in as "${name}", which belongs to app ${user.applicationid}, not ${config.clientId}.`,
        remedy: 'Check the client id in the connection settings.',
      });
      return checks;
    }
    checks.push({
      name: 'application user',
      ok: true,
      detail: `Signed in as the application user "${name}".`,
    });
  } catch (error) {
    checks.push(failure('application user', error, ROLE_REMEDY));
    return checks;
  }

  const [privileges, tracking, keys] = await Promise.all([
    readChecks(api),
    verifyChangeTracking(ctx, config, trackedTables).then(
      (states) =>
        states.map(
          (state): PingCheck => ({
            name: `change tracking ${state.table}`,
            ok: state.enabled,
            detail: state.detail,
            ...(state.remedy ? { remedy: state.remedy } : {}),
          }),
        ),
      (error: unknown) => [failure('change tracking', error)],
    ),
    Promise.all(
      requiredAlternateKeys.map(async (spec): Promise<PingCheck> => {
        const name = `alternate key ${spec.table}(${spec.columns.join(',')})`;
        const remedy =
          `Run the connection setup (it creates the key ${spec.schemaName} on ${spec.columns.join(' + ')} and waits until ` +
          `it is Active), or create it in Power Apps > Tables > ${spec.table} > Keys.`;
        try {
          const key = findKey(await listAlternateKeys(api, spec.table), spec);
          if (!key)
            return {
              name,
              ok: false,
              detail: `The ${spec.table} table has no key on ${spec.columns.join(', ')}.`,
              remedy,
            };
          if (key.EntityKeyIndexStatus !== 'Active') {
            return {
              name,
              ok: false,
              detail: `The key ${key.SchemaName} is ${key.EntityKeyIndexStatus}, not Active.`,
              remedy:
                key.EntityKeyIndexStatus === 'Failed'
                  ? `Existing ${spec.table} rows share a ${spec.columns.join(' + ')} value: make them unique, then reactivate the key (Power Apps > Tables > ${spec.table} > Keys).`
                  : 'Dataverse is still building the key; check again in a few minutes.',
            };
          }
          return { name, ok: true, detail: `The key ${key.SchemaName} is Active.` };
        } catch (error) {
          return failure(name, error, remedy);
        }
      }),
    ),
  ]);
  checks.push(...privileges, ...tracking, ...keys);
  return checks;
}
