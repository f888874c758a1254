import {
  type AttributeValue,
  type DataverseDeltaRecord,
  dataverseConnector,
  parseRemoteExecutionContext,
  readStream,
  rowVersionFromEtag,
} from '@mlc/connectors';
import {
  CONNECTION_CHANGES_CHANNEL,
  createCursorsRepository,
  createDbClient,
  createInboxRepository,
  createRecordsRepository,
  type DbClient,
  type InboxEvent,
} from '@mlc/db';
import { type Logger, withContext } from '@mlc/logger';
import { z } from 'zod';
import { RecordBusyError } from '../engine/errors';
import type { AnyFlow, FlowRegistry } from '../engine/flow';
import { runRecord } from '../engine/run';
import type { SyncRuntime } from '../flows/index';
import { PermanentJobError } from '../jobs/errors';
import {
  type EnqueueItem,
  type JobHandlers,
  type JobPayload,
  type JobQueue,
  listenForJobs,
} from '../jobs/index';
import { runPoll } from './poll';
import type { RuntimeCache } from './runtimes';

export interface HandlerDeps {
  db: DbClient;
  jobs: JobQueue;
  logger: Logger;
  flows: FlowRegistry<SyncRuntime>;
  runtimes: RuntimeCache;
}

/** Which F&O stream a business event refreshes. */
const FNO_EVENT_STREAMS: Record<string, 'catalog' | 'customers'> = {
  CustomerChangedBusinessEvent: 'customers',
  ReleasedProductChangedBusinessEvent: 'catalog',
};

/** Dataverse tables the delta reader follows, by the connector's source name. */
export const DELTA_SOURCES: Record<string, { stream: string; entity: string }> = {
  salesorders: { stream: 'salesOrders', entity: 'salesorder' },
  opportunities: { stream: 'opportunities', entity: 'opportunity' },
};

/**
 * How long a record's run waits after an `Update` webhook, and after finding another run of the
 * record holding it: triggers that come meanwhile coalesce into it (`sync.record` keeps one queued
 * job per record), so the Create of an order and the Updates its lines raise cost one run, not one
 * each. A `Create` (or `Win`) runs at once: that is the latency people see.
 */
export const UPDATE_DELAY_SECONDS = 1;
export const BUSY_DELAY_SECONDS = 1;

export function createHandlers(deps: HandlerDeps): JobHandlers {
  const records = createRecordsRepository(deps.db.db);
  // Jobs queued by other processes (the portal's intake) wake this process's pollers at once;
  // the listener stops with the worker (its runtimes' signal is aborted before the pool closes).
  const lockPool = openLockPool(deps);
  // It also hears of connection changes: the runtimes then need not ask before every job.
  listenForJobs(
    { pool: deps.db.pool, logger: deps.logger, signal: deps.runtimes.deps.signal },
    (name) => deps.jobs.wake(name),
    {
      channels: { [CONNECTION_CHANGES_CHANNEL]: (connectionId) => deps.runtimes.changed(connectionId) },
      onLive: (live) => deps.runtimes.setLive(live),
    },
  );
  const inbox = createInboxRepository(deps.db.db);
  const cursors = createCursorsRepository(deps.db.db);

  const flowOf = (payload: JobPayload<'sync.record'>): AnyFlow<SyncRuntime> => {
    const flow = deps.flows
      .all()
      .find(
        (candidate) =>
          candidate.direction === payload.direction && candidate.trigger.entity === payload.entity,
      );
    if (!flow) throw new PermanentJobError(`no flow syncs ${payload.entity} (${payload.direction})`);
    return flow;
  };

  /** The refresh a business event asks for: the stream it is about is read again (coalesced per stream). */
  const planBusinessEvent = (event: InboxEvent): EnqueueItem<'sync.poll'>[] => {
    const stream = FNO_EVENT_STREAMS[String(event.headers['x-mlc-business-event-id'] ?? '')];
    withContext(deps.logger, { inboxEventId: event.id, correlationId: event.id }).info(
      { stream: stream ?? null },
      'business event processed',
    );
    return stream
      ? [{ payload: { connectionId: event.connectionId, stream, reason: 'business event' } }]
      : [];
  };

  /** The runs a Dataverse webhook asks for: one per flow registered on its entity and message. */
  const planWebhook = (event: InboxEvent, runtime: SyncRuntime): EnqueueItem<'sync.record'>[] => {
    const log = withContext(deps.logger, { inboxEventId: event.id, correlationId: event.id });
    const parsed = parseRemoteExecutionContext(JSON.parse(event.body), event.headers);
    const flows = deps.flows.on('sales', parsed.primaryEntityName, parsed.messageName);
    const ours = runtime.salesUserId !== undefined && parsed.initiatingUserId === runtime.salesUserId;
    const sourceId = sourceIdOf(parsed);
    if (!sourceId) {
      log.warn(
        { entity: parsed.primaryEntityName, message: parsed.messageName },
        'webhook names no record: ignored (the delta read catches the change)',
      );
    }
    const items: EnqueueItem<'sync.record'>[] = [];
    for (const flow of flows) {
      if (ours || !sourceId) break;
      const sourceVersion = versionOfTrigger(parsed, flow.trigger.entity, sourceId);
      items.push({
        payload: {
          connectionId: event.connectionId,
          direction: flow.direction,
          entity: flow.trigger.entity,
          sourceId,
          correlationId: parsed.correlationId,
          message: parsed.messageName,
          ...(sourceVersion === undefined ? {} : { sourceVersion }),
        },
        // An Update waits a moment for more to join it; a Create (Win) runs at once, also
        // bringing forward a job an earlier Update queued (catalog.ts `join`). A run already
        // queued for the record reads it when it runs, this change included.
        options: parsed.messageName === 'Update' ? { delaySeconds: UPDATE_DELAY_SECONDS } : {},
      });
    }
    log.info(
      {
        entity: parsed.primaryEntityName,
        message: parsed.messageName,
        flows: flows.map((f) => f.id),
        echo: ours,
      },
      'webhook processed',
    );
    return items;
  };

  return {
    async 'sync.record'(payload, job) {
      const runtime = await deps.runtimes.get(payload.connectionId);
      const flow = flowOf(payload);
      if (runtime.status === 'paused' && !payload.replay) {
        // Paused: the change is kept as a pending record (durably, no cap) and run on resume,
        // also when the record was synced before (resume runs it from the current source state).
        const record = await records.holdForResume({
          connectionId: payload.connectionId,
          direction: flow.direction,
          entity: flow.trigger.entity,
          naturalKey: flow.naturalKey(payload.sourceId),
          sourceId: payload.sourceId,
        });
        return { status: 'paused', recordId: record.id };
      }
      let outcome: Awaited<ReturnType<typeof runRecord>>;
      try {
        outcome = await runRecord(
          flow,
          {
            connectionId: payload.connectionId,
            sourceId: payload.sourceId,
            message: payload.message ?? (payload.replay ? 'replay' : 'change'),
            correlationId: payload.correlationId,
            replay: payload.replay,
            queuedAt: job.createdOn,
            sourceVersion: payload.sourceVersion,
          },
          { db: deps.db, lockPool, records, logger: deps.logger, runtime },
        );
      } catch (error) {
        if (!(error instanceof RecordBusyError)) throw error;
        // Another run holds the record: queue it again (or join the run already queued for it),
        // without holding a job slot and a connection while that run ends.
        const requeued = await deps.jobs.enqueue('sync.record', payload, {
          delaySeconds: BUSY_DELAY_SECONDS,
        });
        return { status: 'busy', recordId: error.recordId, requeued: requeued ?? 'joined the queued run' };
      }
      return { status: outcome.status, recordId: outcome.record.id };
    },

    async 'sync.poll'(payload) {
      const runtime = await deps.runtimes.get(payload.connectionId);
      if (runtime.status !== 'active') return { skipped: runtime.status };
      return runPoll({ db: deps.db, logger: deps.logger }, runtime, payload.stream);
    },

    'inbox.process': {
      /**
       * A fetch of stored webhooks and business events (a burst comes in batches): read in one
       * query, each turned into the jobs it asks for, those jobs queued with the triggers of one
       * record joined (an order's Create and the Updates its lines raise), then all marked
       * processed in one statement. A message that cannot be handled fails its job alone (retried
       * with backoff); a failure to queue or to mark fails the batch (every message of it is
       * handled again: processing one twice only queues a run that coalesces or is covered).
       */
      async batch(jobs) {
        const events = await inbox.getMany(jobs.map(({ payload }) => payload.inboxEventId));
        const runtimes = new Map<string, Promise<SyncRuntime>>();
        const runtimeOf = (connectionId: string) => {
          let runtime = runtimes.get(connectionId);
          if (!runtime) {
            runtime = deps.runtimes.get(connectionId);
            runtimes.set(connectionId, runtime);
          }
          return runtime;
        };
        const triggers: EnqueueItem<'sync.record'>[] = [];
        const polls: EnqueueItem<'sync.poll'>[] = [];
        const processed: string[] = [];
        const failed: { jobId: string; error: unknown }[] = [];
        for (const { payload, job } of jobs) {
          const event = events.get(payload.inboxEventId);
          if (!event) {
            failed.push({
              jobId: job.id,
              error: new PermanentJobError(`inbox event ${payload.inboxEventId} not found`),
            });
            continue;
          }
          if (event.status === 'processed') continue;
          try {
            if (event.source === 'fno_business_event') polls.push(...planBusinessEvent(event));
            else triggers.push(...planWebhook(event, await runtimeOf(event.connectionId)));
            processed.push(event.id);
          } catch (error) {
            failed.push({ jobId: job.id, error });
          }
        }
        const queued = await deps.jobs.enqueueMany('sync.record', triggers);
        if (polls.length > 0) await deps.jobs.enqueueMany('sync.poll', polls);
        await inbox.markProcessedMany(processed);
        deps.logger.debug(
          { job: 'inbox.process', messages: jobs.length, processed: processed.length, ...queued },
          'inbox batch processed',
        );
        return { failed };
      },
    },

    async 'sync.delta'(payload) {
      const source = DELTA_SOURCES[payload.table];
      if (!source) throw new PermanentJobError(`no delta source for table ${payload.table}`);
      const runtime = await deps.runtimes.get(payload.connectionId);
      if (runtime.status !== 'active') return { skipped: runtime.status };
      const flows = deps.flows.on('sales', source.entity, 'delta');
      const checkpoint = await cursors.get(payload.connectionId, 'sales', payload.table, deltaCursor);
      // Dataverse keeps `modifiedon` to the second: compare from the second sync was enabled in.
      const since = Math.floor((runtime.enabledAt?.getTime() ?? 0) / 1000) * 1000;
      let changes = 0;
      let queued = 0;
      let joined = 0;
      for await (const page of readStream(
        dataverseConnector,
        source.stream,
        runtime.sales.ctx,
        runtime.sales.config,
        checkpoint ?? undefined,
      )) {
        const triggers: EnqueueItem<'sync.record'>[] = [];
        for (const record of page.records as DataverseDeltaRecord<Record<string, unknown>>[]) {
          changes += 1;
          if (record.op !== 'upsert') continue;
          // A first (full) read returns every row: only changes since sync was enabled are triggers.
          const modified = Date.parse(String(record.row['modifiedon'] ?? ''));
          if (page.meta?.read === 'full' && !(modified >= since)) continue;
          // The row's version as the delta read saw it (its etag): a change the record's last run
          // read already (its webhook came first) is covered, and costs no second read.
          const sourceVersion = record.etag ? rowVersionFromEtag(record.etag) : undefined;
          for (const flow of flows) {
            triggers.push({
              payload: {
                connectionId: payload.connectionId,
                direction: flow.direction,
                entity: flow.trigger.entity,
                sourceId: record.id.toLowerCase(),
                message: 'delta',
                ...(sourceVersion === undefined ? {} : { sourceVersion }),
              },
            });
          }
        }
        const result = await deps.jobs.enqueueMany('sync.record', triggers);
        queued += result.queued;
        joined += result.joined;
        if (page.checkpoint)
          await cursors.save(payload.connectionId, 'sales', payload.table, page.checkpoint);
      }
      return { changes, queued, joined };
    },
  };
}

/**
 * The connections the runs' record locks are held on (one per running `sync.record` job, opened
 * on demand, at most `LOCK_CONNECTIONS`), apart from the pool every query uses: a run holds its
 * lock connection for its whole length, and on the shared pool 8 runs left 2 connections for all
 * the queries of the worker. Closed when the worker stops (after its jobs ended).
 */
const LOCK_CONNECTIONS = 16;

function openLockPool(deps: HandlerDeps): DbClient['pool'] {
  const url = deps.db.pool.options.connectionString;
  if (!url) return deps.db.pool;
  const locks = createDbClient(url, { max: LOCK_CONNECTIONS, applicationName: 'ml-connector-locks' });
  const signal = deps.runtimes.deps.signal;
  const close = () => void locks.close().catch(() => undefined);
  if (signal.aborted) close();
  else signal.addEventListener('abort', close, { once: true });
  return locks.pool;
}

const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/**
 * The version of the flow's source row right after the change a webhook reports: the post
 * image's `versionnumber` (our `mlc_post` image), when the image is of that very row (the
 * webhook's primary record is the flow's source record). Otherwise none: the run reads anyway.
 */
export function versionOfTrigger(
  event: { primaryEntityName: string; primaryEntityId: string; postImageVersion: string | undefined },
  entity: string,
  sourceId: string,
): string | undefined {
  if (event.primaryEntityName !== entity || event.primaryEntityId.toLowerCase() !== sourceId)
    return undefined;
  return event.postImageVersion;
}

/**
 * The id of the record a webhook is about. Create/Update/Delete name it in `PrimaryEntityId`; Win
 * and Lose carry the empty GUID there and name the opportunity in `InputParameters.OpportunityClose`
 * (its `opportunityid` lookup), as Dataverse does.
 */
export function sourceIdOf(event: {
  primaryEntityId: string;
  primaryEntityName: string;
  inputParameters: Record<string, AttributeValue>;
}): string | undefined {
  const primary = event.primaryEntityId.toLowerCase();
  if (primary && primary !== EMPTY_GUID) return primary;
  const close = event.inputParameters['OpportunityClose'];
  if (
    event.primaryEntityName === 'opportunity' &&
    close &&
    typeof close === 'object' &&
    'attributes' in close
  ) {
    const reference = (close.attributes as Record<string, AttributeValue>)['opportunityid'];
    if (reference && typeof reference === 'object' && 'id' in reference && typeof reference.id === 'string')
      return reference.id.toLowerCase();
  }
  return undefined;
}

const deltaCursor = z.object({ deltaLink: z.string().url() }).nullable();
