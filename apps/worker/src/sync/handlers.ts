import {
  type AttributeValue,
  type DataverseDeltaRecord,
  dataverseConnector,
  parseRemoteExecutionContext,
  readStream,
} from '@mlc/connectors';
import {
  createCursorsRepository,
  createInboxRepository,
  createRecordsRepository,
  type DbClient,
} from '@mlc/db';
import { type Logger, withContext } from '@mlc/logger';
import { z } from 'zod';
import type { AnyFlow, FlowRegistry } from '../engine/flow';
import { runRecord } from '../engine/run';
import type { SyncRuntime } from '../flows/index';
import { PermanentJobError } from '../jobs/errors';
import type { JobHandlers, JobPayload, JobQueue } from '../jobs/index';
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

export function createHandlers(deps: HandlerDeps): JobHandlers {
  const records = createRecordsRepository(deps.db.db);
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

  return {
    async 'sync.record'(payload) {
      const runtime = await deps.runtimes.get(payload.connectionId);
      const flow = flowOf(payload);
      if (runtime.status === 'paused' && !payload.replay) {
        // Paused: the change is kept as a pending record (durably, no cap) and run on resume.
        const record = await records.upsertPending({
          connectionId: payload.connectionId,
          direction: flow.direction,
          entity: flow.trigger.entity,
          naturalKey: flow.naturalKey(payload.sourceId),
          sourceId: payload.sourceId,
        });
        return { status: 'paused', recordId: record.id };
      }
      const outcome = await runRecord(
        flow,
        {
          connectionId: payload.connectionId,
          sourceId: payload.sourceId,
          message: payload.message ?? (payload.replay ? 'replay' : 'change'),
          correlationId: payload.correlationId,
          replay: payload.replay,
        },
        { db: deps.db, records, logger: deps.logger, runtime },
      );
      return { status: outcome.status, recordId: outcome.record.id };
    },

    async 'sync.poll'(payload) {
      const runtime = await deps.runtimes.get(payload.connectionId);
      if (runtime.status !== 'active') return { skipped: runtime.status };
      return runPoll({ db: deps.db, logger: deps.logger }, runtime, payload.stream);
    },

    async 'inbox.process'(payload) {
      const event = await inbox.get(payload.inboxEventId);
      if (!event) throw new PermanentJobError(`inbox event ${payload.inboxEventId} not found`);
      if (event.status === 'processed') return { already: true };
      const log = withContext(deps.logger, { inboxEventId: event.id, correlationId: event.id });
      if (event.source === 'fno_business_event') {
        // A targeted refresh: the stream the event is about is read again (coalesced per stream).
        const stream = FNO_EVENT_STREAMS[String(event.headers['x-mlc-business-event-id'] ?? '')];
        if (stream)
          await deps.jobs.enqueue('sync.poll', {
            connectionId: event.connectionId,
            stream,
            reason: 'business event',
          });
        await inbox.markProcessed(event.id);
        return { stream: stream ?? null };
      }
      const parsed = parseRemoteExecutionContext(JSON.parse(event.body), event.headers);
      const runtime = await deps.runtimes.get(event.connectionId);
      const flows = deps.flows.on('sales', parsed.primaryEntityName, parsed.messageName);
      const ours = runtime.salesUserId !== undefined && parsed.initiatingUserId === runtime.salesUserId;
      const sourceId = sourceIdOf(parsed);
      if (!sourceId) {
        log.warn(
          { entity: parsed.primaryEntityName, message: parsed.messageName },
          'webhook names no record: ignored (the delta read catches the change)',
        );
      }
      for (const flow of ours ? [] : flows) {
        if (!sourceId) break;
        await deps.jobs.enqueue('sync.record', {
          connectionId: event.connectionId,
          direction: flow.direction,
          entity: flow.trigger.entity,
          sourceId,
          correlationId: parsed.correlationId,
          message: parsed.messageName,
        });
      }
      await inbox.markProcessed(event.id);
      log.info(
        {
          entity: parsed.primaryEntityName,
          message: parsed.messageName,
          flows: flows.map((f) => f.id),
          echo: ours,
        },
        'webhook processed',
      );
      return { flows: ours ? [] : flows.map((flow) => flow.id) };
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
      for await (const page of readStream(
        dataverseConnector,
        source.stream,
        runtime.sales.ctx,
        runtime.sales.config,
        checkpoint ?? undefined,
      )) {
        for (const record of page.records as DataverseDeltaRecord<Record<string, unknown>>[]) {
          changes += 1;
          if (record.op !== 'upsert') continue;
          // A first (full) read returns every row: only changes since sync was enabled are triggers.
          const modified = Date.parse(String(record.row['modifiedon'] ?? ''));
          if (page.meta?.read === 'full' && !(modified >= since)) continue;
          for (const flow of flows) {
            await deps.jobs.enqueue('sync.record', {
              connectionId: payload.connectionId,
              direction: flow.direction,
              entity: flow.trigger.entity,
              sourceId: record.id.toLowerCase(),
              message: 'delta',
            });
            queued += 1;
          }
        }
        if (page.checkpoint)
          await cursors.save(payload.connectionId, 'sales', payload.table, page.checkpoint);
      }
      return { changes, queued };
    },
  };
}

const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

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
