import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { ConnectorError, isConnectorError } from '../core/errors';
import { API_PATH, collectionPage, DataverseApi, filterString, idFromEntityUrl, recordPath } from './api';
import { type BatchOperation, partError, sendBatch } from './batch';
import type { DataverseConfig } from './config';
import { changeTrackingRemedy } from './delta';
import { accountTable, contactTable, salesOrderTable } from './tables';
import {
  alignPostImage,
  createPostImage,
  hasPostImage,
  IMAGE_COLUMNS,
  imageRow,
  postImageColumns,
  STEP_IMAGES,
} from './webhook-images';

export { POST_IMAGE_ALIAS } from './webhook-images';

/**
 * Setting an environment up for the integration (shared/reference/dataverse.md §4, §5, §7):
 * our webhook (a `serviceendpoint` with its `sdkmessageprocessingsteps` and their post images,
 * `sdkmessageprocessingstepimages`), the alternate keys the
 * sinks upsert by, and the change tracking the sources read with. Every function finds what is
 * there first and only creates or changes what differs, so running it again changes nothing.
 */

// ---------------------------------------------------------------------------------------------
// Webhook

export interface WebhookStepSpec {
  /** Logical name of the table (`salesorder`). */
  table: string;
  /** SDK message (`Create`, `Update`, `Delete`, `Win`). */
  message: string;
  /** For `Update`: only changes of these columns trigger the webhook. */
  filteringAttributes?: readonly string[];
  /**
   * Create and Update: the columns of a post image (`POST_IMAGE_ALIAS`) registered on the step,
   * so that each delivery carries them as they were right after the operation. `versionnumber`
   * tells the worker whether a run already read the change (`postImageVersion`).
   */
  postImageAttributes?: readonly string[];
}

const columnsOf = (columns: Record<string, unknown>, primaryId: string) =>
  Object.keys(columns).filter((name) => name !== primaryId && name !== 'modifiedon');

/** The messages the integration reacts to. */
export const defaultWebhookSteps: readonly WebhookStepSpec[] = [
  { table: 'salesorder', message: 'Create', postImageAttributes: ['versionnumber'] },
  {
    table: 'salesorder',
    message: 'Update',
    filteringAttributes: columnsOf(salesOrderTable.columns, salesOrderTable.primaryId),
    postImageAttributes: ['versionnumber'],
  },
  { table: 'salesorder', message: 'Delete' },
  { table: 'opportunity', message: 'Win' },
  { table: 'account', message: 'Create' },
  {
    table: 'account',
    message: 'Update',
    filteringAttributes: columnsOf(accountTable.columns, accountTable.primaryId),
  },
  { table: 'contact', message: 'Create' },
  {
    table: 'contact',
    message: 'Update',
    filteringAttributes: columnsOf(contactTable.columns, contactTable.primaryId),
  },
];

export interface EnsureWebhookOptions {
  /** Where Dataverse posts (our portal's webhook route). */
  url: string;
  /** Sent by Dataverse in `headerName` on every delivery; the receiver compares it. */
  secret: string;
  /** Default `x-mlc-webhook-secret`. */
  headerName?: string;
  /** Name of the service endpoint; default `ml-connector`. */
  name?: string;
  steps?: readonly WebhookStepSpec[];
}

export type SetupOutcome = 'created' | 'updated' | 'unchanged';

export interface WebhookSetup {
  serviceEndpointId: string;
  /** The secret cannot be read back (authvalue is write-only), so an existing endpoint is always rewritten. */
  endpoint: 'created' | 'updated';
  steps: { table: string; message: string; stepId: string; outcome: SetupOutcome }[];
  /** Steps of our endpoint that are no longer wanted, deleted. */
  removed: string[];
}

const endpointRow = z.looseObject({
  serviceendpointid: z.guid(),
  name: z.string(),
  url: z.string().nullable(),
});
const filterRow = z.looseObject({
  sdkmessagefilterid: z.guid(),
  primaryobjecttypecode: z.string(),
  _sdkmessageid_value: z.guid(),
  sdkmessageid: z.looseObject({ name: z.string() }).nullable().optional(),
});
const stepRow = z.looseObject({
  sdkmessageprocessingstepid: z.guid(),
  name: z.string().nullable(),
  stage: z.number(),
  mode: z.number(),
  rank: z.number().nullable(),
  filteringattributes: z.string().nullable(),
  asyncautodelete: z.boolean().nullable(),
  statecode: z.number().nullable(),
  _sdkmessagefilterid_value: z.guid().nullable(),
  [STEP_IMAGES]: z.array(imageRow).optional(),
});

const HEADER = /^[A-Za-z0-9-]+$/;

export async function ensureWebhook(
  ctx: ConnectorContext,
  config: DataverseConfig,
  options: EnsureWebhookOptions,
): Promise<WebhookSetup> {
  const api = new DataverseApi(ctx, config);
  const name = options.name ?? 'ml-connector';
  const headerName = options.headerName ?? 'x-mlc-webhook-secret';
  const steps = options.steps ?? defaultWebhookSteps;
  const url = z.url({ protocol: /^https?$/ }).safeParse(options.url);
  if (!url.success)
    throw new ConnectorError('invalid_config', `The webhook URL "${options.url}" is not a URL.`);
  if (!HEADER.test(headerName)) {
    throw new ConnectorError('invalid_config', `"${headerName}" is not a header name.`);
  }
  if (!options.secret) throw new ConnectorError('invalid_config', 'The webhook secret is empty.');
  for (const step of steps) {
    if (step.postImageAttributes && !hasPostImage(step.message)) {
      throw new ConnectorError(
        'invalid_config',
        `The ${step.message} step of ${step.table} cannot have a post image: only Create and Update steps have one.`,
      );
    }
  }

  const endpointBody = {
    name,
    url: url.data,
    contract: 8, // Webhook
    authtype: 5, // HttpHeader
    authvalue: `<settings><setting name="${headerName}" value="${xmlEscape(options.secret)}" /></settings>`,
    messageformat: 2, // Json
    userclaim: 1, // None
    description: 'Dynamics 365 Sales → F&O integration (ml-connector). Managed by the connector.',
  };
  const findEndpoint = async () =>
    (
      await api.get(
        `serviceendpoints?$select=serviceendpointid,name,url&$filter=contract eq 8 and name eq ${filterString(name)}`,
        collectionPage(endpointRow),
      )
    ).body.value[0];

  let endpointId: string;
  let endpoint: WebhookSetup['endpoint'];
  const existing = await findEndpoint();
  if (existing) {
    endpointId = existing.serviceendpointid.toLowerCase();
    await api.send('PATCH', recordPath('serviceendpoints', endpointId), {
      json: endpointBody,
      headers: { 'If-Match': '*' },
    });
    endpoint = 'updated';
  } else {
    endpointId = await createOrFind(
      () => api.send('POST', 'serviceendpoints', { json: endpointBody }),
      async () => (await findEndpoint())?.serviceendpointid,
      'serviceendpoint',
    );
    endpoint = 'created';
  }

  // The message filter of every step, in one query (the documented filter, or-ed per table).
  const byTable = new Map<string, Set<string>>();
  for (const step of steps) byTable.set(step.table, (byTable.get(step.table) ?? new Set()).add(step.message));
  const filterQuery = [...byTable]
    .map(
      ([table, messages]) =>
        `(primaryobjecttypecode eq ${filterString(table)} and (${[...messages]
          .map((message) => `sdkmessageid/name eq ${filterString(message)}`)
          .join(' or ')}))`,
    )
    .join(' or ');
  const filterRows = (
    await api.get(
      `sdkmessagefilters?$select=sdkmessagefilterid,primaryobjecttypecode,_sdkmessageid_value&$expand=sdkmessageid($select=name)&$filter=${filterQuery}`,
      collectionPage(filterRow),
    )
  ).body.value;
  const wanted = steps.map((step) => {
    const found = filterRows.find(
      (row) =>
        row.primaryobjecttypecode.toLowerCase() === step.table.toLowerCase() &&
        row.sdkmessageid?.name.toLowerCase() === step.message.toLowerCase(),
    );
    if (!found) {
      throw new ConnectorError(
        'invalid_config',
        `Dynamics 365 Sales has no "${step.message}" message for the ${step.table} table.`,
        { remedy: 'Check the table and message names of the webhook steps.' },
      );
    }
    const filtering = step.filteringAttributes
      ? [...new Set(step.filteringAttributes)].sort().join(',')
      : null;
    const image = step.postImageAttributes
      ? postImageColumns(
          `${name}: post image of ${step.message} of ${step.table}`,
          step.message,
          step.postImageAttributes,
        )
      : undefined;
    return {
      step,
      filterId: found.sdkmessagefilterid.toLowerCase(),
      messageId: found._sdkmessageid_value.toLowerCase(),
      image,
      columns: {
        name: `${name}: ${step.message} of ${step.table}`,
        stage: 40, // PostOperation
        mode: 1, // Asynchronous
        rank: 1,
        filteringattributes: filtering,
        asyncautodelete: true,
      },
    };
  });

  // List our endpoint's steps (with their images when we register any), change what differs in
  // one changeset, and list again to confirm (a changeset whose answer was lost is not resent
  // blindly: the next listing shows what it did).
  const withImages = wanted.some((want) => want.image);
  const expandImages = withImages ? `&$expand=${STEP_IMAGES}($select=${IMAGE_COLUMNS})` : '';
  const listSteps = async () =>
    (
      await api.get(
        `sdkmessageprocessingsteps?$select=sdkmessageprocessingstepid,name,stage,mode,rank,filteringattributes,asyncautodelete,statecode,_sdkmessagefilterid_value${expandImages}&$filter=_eventhandler_value eq ${endpointId}`,
        collectionPage(stepRow),
      )
    ).body.value;
  const outcomes = new Map<string, SetupOutcome>();
  const removed: string[] = [];
  for (let round = 0; ; round++) {
    const current = await listSteps();
    const operations: BatchOperation[] = [];
    const plan: (() => void)[] = [];
    for (const want of wanted) {
      const found = current.find((row) => row._sdkmessagefilterid_value?.toLowerCase() === want.filterId);
      if (!found) {
        operations.push({
          method: 'POST',
          url: `${API_PATH}sdkmessageprocessingsteps`,
          body: {
            ...want.columns,
            supporteddeployment: 0, // ServerOnly
            'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${endpointId})`,
            'sdkmessageid@odata.bind': `/sdkmessages(${want.messageId})`,
            'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${want.filterId})`,
          },
        });
        // The image of the new step, bound to it by its Content-ID in the same changeset.
        if (want.image) operations.push(createPostImage(want.image, `$${operations.length}`));
        plan.push(() => outcomes.set(want.filterId, outcomes.get(want.filterId) ?? 'created'));
        continue;
      }
      const stepId = found.sdkmessageprocessingstepid.toLowerCase();
      const imageOperations = withImages
        ? alignPostImage(
            found[STEP_IMAGES] ?? [],
            want.image,
            `/${recordPath('sdkmessageprocessingsteps', stepId)}`,
          )
        : [];
      const stepDiffers = !sameStep(found, want.columns);
      if (stepDiffers) {
        operations.push({
          method: 'PATCH',
          url: `${API_PATH}${recordPath('sdkmessageprocessingsteps', stepId)}`,
          headers: { 'If-Match': '*' },
          body: { ...want.columns, statecode: 0, statuscode: 1 },
        });
      }
      operations.push(...imageOperations);
      if (stepDiffers || imageOperations.length > 0)
        plan.push(() => outcomes.set(want.filterId, outcomes.get(want.filterId) ?? 'updated'));
    }
    for (const row of current) {
      const filterId = row._sdkmessagefilterid_value?.toLowerCase();
      if (wanted.some((want) => want.filterId === filterId)) continue;
      const id = row.sdkmessageprocessingstepid.toLowerCase();
      operations.push({ method: 'DELETE', url: `${API_PATH}${recordPath('sdkmessageprocessingsteps', id)}` });
      plan.push(() => {
        if (!removed.includes(id)) removed.push(id);
      });
    }
    if (operations.length === 0) {
      const results = wanted.map((want) => {
        const row = current.find((r) => r._sdkmessagefilterid_value?.toLowerCase() === want.filterId);
        return {
          table: want.step.table,
          message: want.step.message,
          stepId: row?.sdkmessageprocessingstepid.toLowerCase() ?? '',
          outcome: outcomes.get(want.filterId) ?? ('unchanged' as SetupOutcome),
        };
      });
      ctx.logger.info(
        {
          serviceEndpointId: endpointId,
          endpoint,
          steps: results.map((r) => r.outcome),
          removed: removed.length,
        },
        'dataverse webhook ensured',
      );
      return { serviceEndpointId: endpointId, endpoint, steps: results, removed };
    }
    if (round >= 2) {
      throw new ConnectorError(
        'upstream_unavailable',
        'The webhook steps did not settle: Dynamics 365 Sales still differs after two changesets.',
      );
    }
    for (const record of plan) record();
    try {
      const { parts } = await sendBatch(api, [operations], { priority: 'normal', idempotent: false });
      const failed = parts.find((part) => part.status >= 400);
      if (failed) {
        const operation = operations[Number(failed.contentId ?? '1') - 1];
        const set = operation?.url.slice(API_PATH.length).split('(')[0] || 'sdkmessageprocessingsteps';
        throw partError(failed, operation?.method ?? 'POST', api.url(set));
      }
    } catch (error) {
      if (!isConnectorError(error) || error.code !== 'outcome_unknown') throw error;
      ctx.logger.warn({ serviceEndpointId: endpointId }, 'webhook steps: answer lost, listing again');
    }
  }
}

function sameStep(
  found: z.output<typeof stepRow>,
  wanted: { name: string; stage: number; mode: number; filteringattributes: string | null },
): boolean {
  return (
    found.name === wanted.name &&
    found.stage === wanted.stage &&
    found.mode === wanted.mode &&
    normaliseList(found.filteringattributes) === (wanted.filteringattributes ?? '') &&
    found.asyncautodelete === true &&
    (found.statecode ?? 0) === 0
  );
}

/**
 * A create (POST) whose outcome may be unknown: the id from `OData-EntityId`, or, when the
 * connection dropped after sending, the row found by its natural key (never a blind second POST).
 */
async function createOrFind(
  create: () => Promise<{ headers: Record<string, string> }>,
  find: () => Promise<string | undefined>,
  what: string,
): Promise<string> {
  try {
    const response = await create();
    const id = idFromEntityUrl(response.headers['odata-entityid']);
    if (id) return id;
    const found = await find();
    if (found) return found.toLowerCase();
    throw new ConnectorError('schema_mismatch', `Creating the ${what} returned no OData-EntityId.`);
  } catch (error) {
    if (!isConnectorError(error) || error.code !== 'outcome_unknown') throw error;
    const found = await find();
    if (found) return found.toLowerCase();
    throw error;
  }
}

function normaliseList(value: string | null): string {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean)
    .sort()
    .join(',');
}

function xmlEscape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&apos;');
}

// ---------------------------------------------------------------------------------------------
// Alternate keys

export interface AlternateKeySpec {
  /** Logical name of the table. */
  table: string;
  /** Schema name of the key, with the publisher prefix (`mlc_AccountNumber`). */
  schemaName: string;
  displayName: string;
  columns: readonly string[];
}

/** The keys the sinks upsert by. */
export const requiredAlternateKeys: readonly AlternateKeySpec[] = [
  {
    table: 'account',
    schemaName: 'mlc_AccountNumber',
    displayName: 'Account number (ml-connector)',
    columns: ['accountnumber'],
  },
  {
    table: 'product',
    schemaName: 'mlc_ProductNumber',
    displayName: 'Product number (ml-connector)',
    columns: ['productnumber'],
  },
];

export type KeyIndexStatus = 'Pending' | 'InProgress' | 'Active' | 'Failed';

const keyRow = z.looseObject({
  MetadataId: z.guid().optional(),
  LogicalName: z.string(),
  SchemaName: z.string(),
  KeyAttributes: z.array(z.string()),
  EntityKeyIndexStatus: z.string(),
});
type KeyRow = z.output<typeof keyRow>;

export interface AlternateKeyState {
  table: string;
  schemaName: string;
  columns: string[];
  status: string;
  /** Whether this run created it. */
  created: boolean;
}

const sameColumns = (a: readonly string[], b: readonly string[]) =>
  [...a]
    .map((c) => c.toLowerCase())
    .sort()
    .join(',') ===
  [...b]
    .map((c) => c.toLowerCase())
    .sort()
    .join(',');

function keysPath(table: string): string {
  return `EntityDefinitions(LogicalName=${filterString(table)})/Keys`;
}

/** The alternate keys of a table (`EntityDefinitions(LogicalName='x')/Keys`). */
export async function listAlternateKeys(api: DataverseApi, table: string): Promise<KeyRow[]> {
  return (
    await api.get(
      `${keysPath(table)}?$select=LogicalName,SchemaName,KeyAttributes,EntityKeyIndexStatus`,
      collectionPage(keyRow),
      { priority: 'live' },
    )
  ).body.value;
}

export function findKey(keys: readonly KeyRow[], spec: AlternateKeySpec): KeyRow | undefined {
  return keys.find((key) => sameColumns(key.KeyAttributes, spec.columns));
}

/**
 * Creates the keys that are missing and waits until every key is Active (Dataverse builds the
 * index in a background job: Pending → InProgress → Active, or Failed when existing rows hold
 * duplicate values). Fails with `invalid_config` on Failed, `upstream_unavailable` on timeout
 * (the job may still finish; running it again picks the key up).
 */
export async function ensureAlternateKeys(
  ctx: ConnectorContext,
  config: DataverseConfig,
  keys: readonly AlternateKeySpec[] = requiredAlternateKeys,
): Promise<AlternateKeyState[]> {
  const api = new DataverseApi(ctx, config);
  const states: AlternateKeyState[] = [];
  for (const spec of keys) {
    const existing = findKey(await listAlternateKeys(api, spec.table), spec);
    if (existing) {
      states.push({
        table: spec.table,
        schemaName: existing.SchemaName,
        columns: existing.KeyAttributes,
        status: existing.EntityKeyIndexStatus,
        created: false,
      });
      continue;
    }
    try {
      await api.send('POST', keysPath(spec.table), {
        json: {
          SchemaName: spec.schemaName,
          DisplayName: { LocalizedLabels: [{ Label: spec.displayName, LanguageCode: 1033 }] },
          KeyAttributes: spec.columns,
        },
        // Creating a key twice is refused ("already exists"), never applied twice.
        idempotent: true,
      });
    } catch (error) {
      // A resend after a lost answer finds the key the first attempt made.
      if (!isConnectorError(error) || error.code !== 'validation_failed') throw error;
      if (!findKey(await listAlternateKeys(api, spec.table), spec)) throw error;
    }
    states.push({
      table: spec.table,
      schemaName: spec.schemaName,
      columns: [...spec.columns],
      status: 'Pending',
      created: true,
    });
  }

  const deadline = ctx.clock.now() + config.alternateKeyTimeoutMs;
  for (;;) {
    const failed = states.find((state) => state.status === 'Failed');
    if (failed) {
      throw new ConnectorError(
        'invalid_config',
        `The alternate key ${failed.schemaName} (${failed.columns.join(', ')}) of the ${failed.table} table could not be activated (EntityKeyIndexStatus Failed): existing rows hold the same values.`,
        {
          remedy:
            `Make ${failed.columns.join(' + ')} unique (or empty) on every ${failed.table} row — a view sorted by that column ` +
            `shows the duplicates — then in Power Apps > Tables > ${failed.table} > Keys delete the failed key (or reactivate it) ` +
            'and run the setup again.',
        },
      );
    }
    const pending = states.filter((state) => state.status !== 'Active');
    if (pending.length === 0) return states;
    if (ctx.clock.now() >= deadline) {
      throw new ConnectorError(
        'upstream_unavailable',
        `Dataverse has not finished building the alternate keys ${pending.map((s) => `${s.table}.${s.schemaName} (${s.status})`).join(', ')} after ${Math.round(config.alternateKeyTimeoutMs / 1000)} s.`,
        {
          remedy:
            'Large tables take longer to index. Run the setup again later; Power Apps > Tables > the table > Keys shows the status.',
        },
      );
    }
    await ctx.clock.sleep(config.alternateKeyPollMs, ctx.signal);
    for (const table of new Set(pending.map((state) => state.table))) {
      const current = await listAlternateKeys(api, table);
      for (const state of states.filter((s) => s.table === table && s.status !== 'Active')) {
        const row = current.find((key) => sameColumns(key.KeyAttributes, state.columns));
        state.status = row?.EntityKeyIndexStatus ?? 'Missing';
        if (!row) {
          throw new ConnectorError(
            'upstream_unavailable',
            `The alternate key ${state.schemaName} of ${table} disappeared while it was being built.`,
          );
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Change tracking

/** The tables the sources read with change tracking. */
export const trackedTables = ['account', 'contact', 'opportunity', 'salesorder', 'product'] as const;

export interface ChangeTrackingState {
  table: string;
  enabled: boolean;
  detail: string;
  remedy?: string;
}

const entityRow = z.looseObject({ LogicalName: z.string(), ChangeTrackingEnabled: z.boolean().nullable() });

/**
 * `EntityDefinitions?$select=LogicalName,ChangeTrackingEnabled&$filter=LogicalName eq 'a' or …`:
 * one request for every table; a table the answer lacks does not exist in the environment.
 */
export async function verifyChangeTracking(
  ctx: ConnectorContext,
  config: DataverseConfig,
  tables: readonly string[] = trackedTables,
): Promise<ChangeTrackingState[]> {
  const api = new DataverseApi(ctx, config);
  const filter = tables.map((table) => `LogicalName eq ${filterString(table)}`).join(' or ');
  const rows = (
    await api.get(
      `EntityDefinitions?$select=LogicalName,ChangeTrackingEnabled&$filter=${filter}`,
      collectionPage(entityRow),
      { priority: 'live' },
    )
  ).body.value;
  return tables.map((table): ChangeTrackingState => {
    const row = rows.find((r) => r.LogicalName.toLowerCase() === table.toLowerCase());
    if (!row) {
      return {
        table,
        enabled: false,
        detail: `The environment has no ${table} table.`,
        remedy: 'Install Dynamics 365 Sales in this environment, or connect the environment that has it.',
      };
    }
    return row.ChangeTrackingEnabled
      ? { table, enabled: true, detail: `Change tracking is on for ${table}.` }
      : {
          table,
          enabled: false,
          detail: `Change tracking is off for ${table}.`,
          remedy: changeTrackingRemedy(table),
        };
  });
}
