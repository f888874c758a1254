'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { DIRECTION_LABEL, formatDateTime, formatDuration, formatRelative } from '../lib/format';
import { api, keys, type RecordDetail, type RecordEvent } from '../lib/trpc';
import { Badge, Breadcrumbs, ErrorAlert, JsonView, Loading, RecordStatusBadge } from './ui';

type Loose = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

const STAGE_LABEL: Record<string, string> = {
  trigger: 'Trigger',
  read: 'Read',
  validate: 'Validate',
  map: 'Map',
  write: 'Write',
  after: 'After',
};

/** `check-products-released` → `Check products released`. */
const humanize = (step: string) => {
  const words = step.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

export function RecordDetailView({ connectionId, recordId }: { connectionId: string; recordId: string }) {
  const queryClient = useQueryClient();
  const [replayQueuedAt, setReplayQueuedAt] = useState<number | null>(null);
  const detail = useQuery({
    queryKey: keys.record(recordId),
    queryFn: () => api.records.get.query({ id: recordId }),
    // While it is in flight (or a replay was just queued), follow it closely.
    refetchInterval: (query) => {
      const status = (query.state.data as RecordDetail | undefined)?.record.status;
      const recentReplay = replayQueuedAt !== null && Date.now() - replayQueuedAt < 60_000;
      return status === 'pending' || status === 'running' || recentReplay ? 1_000 : 10_000;
    },
  });
  const connection = useQuery({
    queryKey: keys.connection(connectionId),
    queryFn: () => api.connections.get.query({ id: connectionId }),
  });
  const replay = useMutation({
    mutationFn: () => api.records.replay.mutate({ id: recordId }),
    onSuccess: () => {
      setReplayQueuedAt(Date.now());
      void queryClient.invalidateQueries({ queryKey: keys.record(recordId) });
      void queryClient.invalidateQueries({ queryKey: keys.records(connectionId) });
    },
  });

  const crumbs = [
    { href: '/connections', label: 'Connections' },
    { href: `/connections/${connectionId}`, label: connection.data?.name ?? 'Connection' },
    { href: `/connections/${connectionId}/records`, label: 'Records' },
  ];
  if (detail.isPending) return <Loading>Loading the record…</Loading>;
  if (detail.isError)
    return (
      <>
        <Breadcrumbs items={[...crumbs, { label: 'Record' }]} />
        <ErrorAlert error={detail.error} subject="this record" onRetry={() => void detail.refetch()} />
      </>
    );

  const { record, events } = detail.data;
  const r = record as unknown as Loose;
  const title = str(r['label']) ?? str(r['dealKey']) ?? recordId;
  const lastError = (r['lastError'] ?? null) as { code?: string; message?: string; remedy?: string } | null;
  const status = String(r['status']);
  const inFlight = status === 'pending' || status === 'running';
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const runs = splitRuns(sorted);
  const replayedSince =
    replayQueuedAt !== null &&
    sorted.some(
      (e) => e.step === 'replay' && new Date(String(e.startedAt)).getTime() >= replayQueuedAt - 5_000,
    );

  return (
    <>
      <Breadcrumbs items={[...crumbs, { label: title }]} />
      <div className="page-head">
        <div>
          <h1>{title}</h1>
          <p className="actions">
            <RecordStatusBadge status={status} />
            <span>
              {String(r['entity'])} · {DIRECTION_LABEL[String(r['direction'])] ?? String(r['direction'])}
            </span>
            <span>updated {formatRelative(str(r['updatedAt']))}</span>
          </p>
        </div>
        <div className="actions">
          <button
            type="button"
            className={status === 'failed' ? 'btn btn-primary' : 'btn'}
            onClick={() => replay.mutate()}
            disabled={replay.isPending || inFlight}
            aria-describedby="replay-hint"
          >
            {replay.isPending ? 'Queuing…' : 'Replay'}
          </button>
        </div>
      </div>
      <p className="hint" id="replay-hint" style={{ marginTop: '-0.75rem', marginBottom: '1rem' }}>
        Replay runs this record again from the start with what Sales and F&amp;O hold now. It never creates a
        duplicate.
      </p>

      <div className="stack">
        {replay.isSuccess ? (
          <div
            className={
              replayedSince && status === 'synced'
                ? 'alert alert-ok'
                : replayedSince && status === 'failed'
                  ? 'alert alert-error'
                  : 'alert alert-info'
            }
            role="status"
          >
            <p className="alert-title">
              {status === 'synced' && replayedSince
                ? 'Replayed: the record is synced.'
                : status === 'failed' && replayedSince
                  ? 'Replayed, and it failed again: see the error below.'
                  : 'Queued for replay. This page updates as it runs.'}
            </p>
          </div>
        ) : null}
        {replay.isError ? <ErrorAlert error={replay.error} subject="this record" /> : null}

        {status === 'failed' && lastError ? (
          <section className="alert alert-error" role="alert" aria-labelledby="error-title">
            <p className="alert-title" id="error-title">
              Why it failed
            </p>
            <p>{lastError.message ?? 'No message was recorded.'}</p>
            {lastError.remedy ? (
              <p>
                <strong>What to do: </strong>
                {lastError.remedy}
              </p>
            ) : (
              <p>
                <strong>What to do: </strong>fix the cause in Sales or F&amp;O, then press Replay.
              </p>
            )}
            {lastError.code ? (
              <p className="hint">
                Error code: <code>{lastError.code}</code>
              </p>
            ) : null}
          </section>
        ) : null}

        <div className="grid-2">
          <section className="card" aria-labelledby="keys-title">
            <h2 id="keys-title">Finance &amp; Operations</h2>
            <dl className="kv">
              <dt>Legal entity</dt>
              <dd>{str(r['targetDataAreaId']) ?? 'not routed yet'}</dd>
              <dt>F&amp;O key</dt>
              <dd className="mono">{str(r['targetKey']) ?? 'not written yet'}</dd>
              <dt>Synced</dt>
              <dd>{str(r['syncedAt']) ? formatDateTime(str(r['syncedAt'])) : 'not yet'}</dd>
            </dl>
          </section>
          <section className="card" aria-labelledby="source-title">
            <h2 id="source-title">Source</h2>
            <dl className="kv">
              <dt>Deal key</dt>
              <dd className="mono">{str(r['dealKey']) ?? '—'}</dd>
              <dt>Natural key</dt>
              <dd className="mono">{str(r['naturalKey']) ?? '—'}</dd>
              <dt>Source id</dt>
              <dd className="mono">{str(r['sourceId']) ?? '—'}</dd>
              <dt>Attempts</dt>
              <dd>{String(r['attempts'] ?? 0)}</dd>
            </dl>
          </section>
        </div>

        <section className="card" aria-labelledby="timeline-title">
          <div className="card-head">
            <h2 id="timeline-title">Timeline</h2>
            <span className="hint" style={{ margin: 0 }}>
              {runs.length} run{runs.length === 1 ? '' : 's'}, {sorted.length} step
              {sorted.length === 1 ? '' : 's'}
            </span>
          </div>
          {sorted.length === 0 ? (
            <p className="hint">No step has run yet: the record is queued.</p>
          ) : (
            <ol className="stack" style={{ listStyle: 'none', padding: 0 }} aria-label="Runs, oldest first">
              {runs.map((run, index) => {
                const latest = index === runs.length - 1;
                const title = `Run ${index + 1}${latest ? ' (latest)' : ''}: ${describeRun(run)}`;
                const steps = (
                  <ol className="timeline" style={{ marginTop: '0.75rem' }}>
                    {run.map((event) => (
                      <TimelineItem key={event.seq} event={event} />
                    ))}
                  </ol>
                );
                return (
                  <li key={run[0]?.seq ?? index}>
                    {latest ? (
                      <>
                        <h3>{title}</h3>
                        {steps}
                      </>
                    ) : (
                      <details>
                        <summary className="label" style={{ cursor: 'pointer' }}>
                          {title}
                        </summary>
                        {steps}
                      </details>
                    )}
                  </li>
                );
              })}
            </ol>
          )}
        </section>
      </div>
    </>
  );
}

/** A run starts with its trigger (a change, a delta read) or with a replay. */
function splitRuns(events: RecordEvent[]): RecordEvent[][] {
  const runs: RecordEvent[][] = [];
  for (const event of events) {
    const current = runs[runs.length - 1];
    if (!current || event.stage === 'trigger' || event.step === 'replay') runs.push([event]);
    else current.push(event);
  }
  return runs;
}

function describeRun(run: RecordEvent[]): string {
  const first = run[0];
  const when = first ? formatDateTime(String(first.startedAt)) : '';
  const failed = run.find((event) => event.outcome === 'failed');
  if (failed) return `failed at ${humanize(failed.step)} · ${when}`;
  const lastEvent = run[run.length - 1];
  if (lastEvent?.outcome === 'skipped') return `skipped at ${humanize(lastEvent.step)} · ${when}`;
  return `${run.length} step${run.length === 1 ? '' : 's'} OK · ${when}`;
}

function TimelineItem({ event }: { event: RecordEvent }) {
  const error = (event.error ?? null) as { code?: string; message?: string; remedy?: string } | null;
  const icon = event.outcome === 'ok' ? '✓' : event.outcome === 'failed' ? '✕' : '–';
  const outcomeLabel = event.outcome === 'ok' ? 'OK' : event.outcome === 'failed' ? 'Failed' : 'Skipped';
  const hasInput = event.input !== null && event.input !== undefined;
  const hasOutput = event.output !== null && event.output !== undefined;
  return (
    <li className="timeline-item" data-outcome={event.outcome}>
      <span className="timeline-dot" aria-hidden="true">
        {icon}
      </span>
      <div className="timeline-head">
        <span className="timeline-step">{humanize(event.step)}</span>
        <Badge tone={event.outcome === 'ok' ? 'ok' : event.outcome === 'failed' ? 'down' : 'neutral'}>
          {outcomeLabel}
        </Badge>
        <Badge tone="neutral">{STAGE_LABEL[event.stage] ?? event.stage}</Badge>
        <span className="timeline-meta">
          #{event.seq} · {formatDateTime(String(event.startedAt))} · {formatDuration(event.durationMs)}
        </span>
      </div>
      {error ? (
        <div style={{ marginTop: '0.25rem' }}>
          <p className="field-error">{error.message}</p>
          {error.remedy ? (
            <p className="hint">
              <strong>What to do: </strong>
              {error.remedy}
            </p>
          ) : null}
        </div>
      ) : null}
      {hasInput ? (
        <details>
          <summary>Input</summary>
          <JsonView value={event.input} label={`Input of ${event.step}`} />
        </details>
      ) : null}
      {hasOutput ? (
        <details>
          <summary>Output</summary>
          <JsonView value={event.output} label={`Output of ${event.step}`} />
        </details>
      ) : null}
      {error ? (
        <details>
          <summary>Error details</summary>
          <JsonView value={error} label={`Error of ${event.step}`} />
        </details>
      ) : null}
    </li>
  );
}
