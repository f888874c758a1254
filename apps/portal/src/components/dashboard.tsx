'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { type FormEvent, useState } from 'react';
import { formatCadence, formatDateTime, formatNumber, formatRelative, formatSeconds } from '../lib/format';
import { api, type ConnectionDetail, type Figures, keys, type Progress } from '../lib/trpc';
import { PingChecks, SecretRow } from './connection-parts';
import { formToSettings, SettingsForm, type SettingsFormValue, settingsToForm } from './settings-form';
import { Badge, Breadcrumbs, ConnectionStatusBadge, CopyField, ErrorAlert, Loading } from './ui';

// The charts measure their container: render them in the browser only.
const LagChart = dynamic(() => import('./charts').then((m) => m.LagChart), { ssr: false });
const ThroughputChart = dynamic(() => import('./charts').then((m) => m.ThroughputChart), { ssr: false });
const QueueChart = dynamic(() => import('./charts').then((m) => m.QueueChart), { ssr: false });

const WINDOWS = [
  { minutes: 60, label: 'Last hour' },
  { minutes: 360, label: 'Last 6 hours' },
  { minutes: 1440, label: 'Last 24 hours' },
];

export function ConnectionDashboard({ id }: { id: string }) {
  const connection = useQuery({
    queryKey: keys.connection(id),
    queryFn: () => api.connections.get.query({ id }),
    refetchInterval: 15_000,
  });

  if (connection.isPending) return <Loading>Loading the connection…</Loading>;
  if (connection.isError)
    return (
      <>
        <Breadcrumbs items={[{ href: '/connections', label: 'Connections' }, { label: 'Connection' }]} />
        <ErrorAlert
          error={connection.error}
          subject="this connection"
          onRetry={() => void connection.refetch()}
        />
      </>
    );
  return <Dashboard connection={connection.data} />;
}

function Dashboard({ connection }: { connection: ConnectionDetail }) {
  const queryClient = useQueryClient();
  const id = connection.id;
  const invalidate = () => {
    void queryClient.invalidateQueries({ queryKey: keys.connection(id) });
    void queryClient.invalidateQueries({ queryKey: keys.connections });
  };
  const pause = useMutation({
    mutationFn: () => api.connections.pause.mutate({ id }),
    onSettled: invalidate,
  });
  const resume = useMutation({
    mutationFn: () => api.connections.resume.mutate({ id }),
    onSettled: invalidate,
  });
  const ping = useMutation({ mutationFn: () => api.connections.ping.mutate({ id }), onSettled: invalidate });
  const toggling = pause.isPending || resume.isPending;
  const status = connection.status;

  return (
    <>
      <Breadcrumbs items={[{ href: '/connections', label: 'Connections' }, { label: connection.name }]} />
      <div className="page-head">
        <div>
          <h1>{connection.name}</h1>
          <p className="actions">
            <ConnectionStatusBadge status={status} />
            {connection.sandbox ? <Badge tone="info">Sandbox</Badge> : null}
            <span>
              {connection.enabledAt ? `Enabled ${formatDateTime(connection.enabledAt)}` : 'Not enabled yet'}
            </span>
          </p>
        </div>
        <div className="actions">
          <Link className="btn" href={`/connections/${id}/records`}>
            Records
          </Link>
          {status === 'active' ? (
            <button type="button" className="btn" onClick={() => pause.mutate()} disabled={toggling}>
              {pause.isPending ? 'Pausing…' : 'Pause sync'}
            </button>
          ) : status === 'paused' || status === 'error' ? (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => resume.mutate()}
              disabled={toggling}
            >
              {resume.isPending ? 'Resuming…' : 'Resume sync'}
            </button>
          ) : null}
        </div>
      </div>

      <div className="stack">
        {pause.isError ? <ErrorAlert error={pause.error} subject="this connection" /> : null}
        {resume.isError ? <ErrorAlert error={resume.error} subject="this connection" /> : null}
        {status === 'draft' ? (
          <div className="alert alert-warn" role="status">
            <p className="alert-title">Setup is not finished: nothing syncs yet.</p>
            <p>
              <Link href={`/connections/new?id=${id}`}>Continue the setup</Link> to run the live ping and
              enable sync.
            </p>
          </div>
        ) : null}
        {status === 'paused' ? (
          <div className="alert alert-warn" role="status">
            <p className="alert-title">Sync is paused.</p>
            <p>
              Changes made in Sales and F&amp;O meanwhile are kept and sync when you resume.
              {connection.statusReason ? ` Reason: ${connection.statusReason}` : ''}
            </p>
          </div>
        ) : null}
        {status === 'error' ? (
          <div className="alert alert-error" role="alert">
            <p className="alert-title">The sync stopped on an error.</p>
            <p>{connection.statusReason ?? 'No reason was recorded.'}</p>
            <p>
              <strong>What to do: </strong>run the ping below to see which system fails, fix it, then resume.
            </p>
          </div>
        ) : null}

        <div className="grid">
          <section className="card" aria-labelledby="health-title">
            <div className="card-head">
              <h2 id="health-title">Health</h2>
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => ping.mutate()}
                disabled={ping.isPending}
              >
                {ping.isPending ? 'Pinging…' : 'Run the ping again'}
              </button>
            </div>
            {connection.lastPing ? (
              <p>
                Last ping {formatRelative(connection.lastPing.at)} ({formatDateTime(connection.lastPing.at)}):{' '}
                {connection.lastPing.ok ? (
                  <Badge tone="ok">✓ all checks passed</Badge>
                ) : (
                  <Badge tone="down">✕ some checks failed</Badge>
                )}
              </p>
            ) : (
              <p>Never pinged. Run the ping to check the credentials and both environments.</p>
            )}
            {ping.isPending || ping.data ? <PingChecks result={ping.data} running={ping.isPending} /> : null}
            {ping.isError ? <ErrorAlert error={ping.error} subject="this connection" /> : null}
          </section>

          <section className="card" aria-labelledby="sync-title">
            <h2 id="sync-title">Sync</h2>
            <SyncSummary connection={connection} />
          </section>
        </div>

        <FiguresSection id={id} />
        <ProgressSection id={id} />
        <DetailsSection connection={connection} />
        <SettingsSection connection={connection} />
      </div>
    </>
  );
}

function SyncSummary({ connection }: { connection: ConnectionDetail }) {
  const settings = settingsToForm(connection.settings, connection.defaultLegalEntity);
  const flowsOn = Object.entries(settings.flows)
    .filter(([, on]) => on)
    .map(([name]) => name);
  return (
    <dl className="kv">
      <dt>State</dt>
      <dd>
        <ConnectionStatusBadge status={connection.status} />
      </dd>
      <dt>Flows on</dt>
      <dd>{flowsOn.length > 0 ? flowsOn.join(', ') : 'none'}</dd>
      <dt>Sales change check</dt>
      <dd>{formatCadence(Number(settings.cadences.salesDeltaSeconds))}</dd>
      <dt>F&amp;O poll</dt>
      <dd>{formatCadence(Number(settings.cadences.fnoPollSeconds))}</dd>
      <dt>Default legal entity</dt>
      <dd>{connection.defaultLegalEntity}</dd>
      <dt>Routing rules</dt>
      <dd>
        {settings.rules.length === 0
          ? 'none'
          : settings.rules.map((rule) => `${rule.field} = ${rule.equals} → ${rule.dataAreaId}`).join('; ')}
      </dd>
    </dl>
  );
}

function FiguresSection({ id }: { id: string }) {
  const [windowMinutes, setWindowMinutes] = useState(60);
  const figures = useQuery({
    queryKey: keys.figures(id, windowMinutes),
    queryFn: () => api.connections.figures.query({ id, windowMinutes }),
    refetchInterval: 10_000,
  });
  return (
    <section aria-labelledby="figures-title" className="stack">
      <div className="card-head" style={{ marginBottom: 0 }}>
        <h2 id="figures-title">Figures</h2>
        <div className="field" style={{ flexDirection: 'row', alignItems: 'center', gap: '0.5rem' }}>
          <label htmlFor="figures-window">Window</label>
          <select
            id="figures-window"
            className="select"
            style={{ width: 'auto' }}
            value={windowMinutes}
            onChange={(event) => setWindowMinutes(Number(event.target.value))}
          >
            {WINDOWS.map((w) => (
              <option key={w.minutes} value={w.minutes}>
                {w.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {figures.isPending ? (
        <Loading>Loading figures…</Loading>
      ) : figures.isError ? (
        <ErrorAlert error={figures.error} subject="the figures" onRetry={() => void figures.refetch()} />
      ) : (
        <>
          <FigureStats figures={figures.data} />
          <div className="grid-2">
            <LagChart series={figures.data.series} />
            <ThroughputChart series={figures.data.series} />
          </div>
          <QueueChart series={figures.data.series} />
        </>
      )}
    </section>
  );
}

function FigureStats({ figures }: { figures: Figures }) {
  const { records, queue, lagSeconds, syncedPerMinute } = figures;
  return (
    <div className="card">
      <div className="figures-row" style={{ borderTop: 'none', paddingTop: 0 }}>
        <Stat
          label="Lag p50"
          value={formatSeconds(lagSeconds.p50)}
          sub={`${formatNumber(lagSeconds.samples)} orders`}
        />
        <Stat
          label="Lag p95"
          value={formatSeconds(lagSeconds.p95)}
          sub={`max ${formatSeconds(lagSeconds.max)}`}
        />
        <Stat
          label="Synced per minute"
          value={formatNumber(syncedPerMinute.salesToFno + syncedPerMinute.fnoToSales, 2)}
          sub={`Sales → F&O ${formatNumber(syncedPerMinute.salesToFno, 2)}, F&O → Sales ${formatNumber(syncedPerMinute.fnoToSales, 2)}`}
        />
        <Stat
          label="Queue"
          value={formatNumber(queue.waiting + queue.active)}
          sub={`${queue.active} running, ${queue.waiting} waiting`}
        />
        <Stat
          label="Synced (all time)"
          value={formatNumber(records.synced)}
          sub={`${formatNumber(records.skipped)} skipped`}
        />
        <Stat
          label="Failed"
          value={formatNumber(records.failed)}
          sub={`${formatNumber(records.pending + records.running)} pending`}
          alarm={records.failed > 0}
        />
      </div>
    </div>
  );
}

function Stat({ label, value, sub, alarm }: { label: string; value: string; sub?: string; alarm?: boolean }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value" style={alarm ? { color: 'var(--down)' } : undefined}>
        {value}
      </span>
      {sub ? <span className="stat-sub">{sub}</span> : null}
    </div>
  );
}

const STREAM_LABEL: Record<string, string> = {
  catalog: 'Released products → Sales products',
  customers: 'F&O customers → Sales accounts',
};

function ProgressSection({ id }: { id: string }) {
  const progress = useQuery({
    queryKey: keys.progress(id),
    queryFn: () => api.connections.progress.query({ id }),
    refetchInterval: (query) => {
      const data = query.state.data as Progress[] | undefined;
      return data?.every((p) => p.finishedAt) ? 30_000 : 2_000;
    },
  });
  return (
    <section className="card" aria-labelledby="progress-title">
      <h2 id="progress-title">Initial load</h2>
      {progress.isPending ? (
        <Loading>Loading progress…</Loading>
      ) : progress.isError ? (
        <ErrorAlert
          error={progress.error}
          subject="the initial load"
          onRetry={() => void progress.refetch()}
        />
      ) : progress.data.length === 0 ? (
        <p className="hint">
          No initial load has run: it starts when sync is enabled with the products or customers flow switched
          on.
        </p>
      ) : (
        progress.data.map((p) => <ProgressItem key={p.stream} progress={p} />)
      )}
    </section>
  );
}

function ProgressItem({ progress }: { progress: Progress }) {
  const label = STREAM_LABEL[progress.stream] ?? progress.stream;
  const total = progress.total;
  const finished = Boolean(progress.finishedAt);
  const percent = total && total > 0 ? Math.min(100, Math.round((progress.done / total) * 100)) : null;
  return (
    <div className="progress-item">
      <div className="progress-head">
        <span className="label" id={`progress-${progress.stream}`}>
          {label}
        </span>
        <span>
          {progress.finishedAt ? (
            <Badge tone="ok">✓ Finished {formatRelative(progress.finishedAt)}</Badge>
          ) : (
            <Badge tone="info">{progress.phase}</Badge>
          )}
        </span>
      </div>
      <progress
        className="progress-bar"
        aria-labelledby={`progress-${progress.stream}`}
        max={finished ? 1 : (total ?? undefined)}
        value={finished ? 1 : total ? progress.done : undefined}
      />
      <p className="hint">
        {formatNumber(progress.done)}{' '}
        {typeof total === 'number'
          ? `of ${formatNumber(total)} read (${percent}%)`
          : finished
            ? 'read'
            : 'read (total not known yet)'}{' '}
        · {formatNumber(progress.written)} written ·{' '}
        <span style={progress.failed > 0 ? { color: 'var(--down)', fontWeight: 600 } : undefined}>
          {formatNumber(progress.failed)} failed
        </span>
      </p>
    </div>
  );
}

function DetailsSection({ connection }: { connection: ConnectionDetail }) {
  const secretSetAt = (name: string) => connection.secrets.find((s) => s.name === name)?.setAt ?? null;
  const sameApp = connection.fnoClientId === connection.salesClientId && !secretSetAt('fno_client_secret');
  return (
    <section className="card" aria-labelledby="details-title">
      <h2 id="details-title">Environments and credentials</h2>
      <div className="grid-2">
        <dl className="kv">
          <dt>Sales URL</dt>
          <dd className="mono">{connection.salesUrl}</dd>
          <dt>F&amp;O URL</dt>
          <dd className="mono">{connection.fnoUrl}</dd>
          <dt>Tenant ID</dt>
          <dd className="mono">{connection.entraTenantId}</dd>
          <dt>Authority</dt>
          <dd className="mono">{connection.authorityHost}</dd>
          <dt>Sales client ID</dt>
          <dd className="mono">{connection.salesClientId}</dd>
          <dt>F&amp;O client ID</dt>
          <dd className="mono">
            {connection.fnoClientId}
            {connection.fnoClientId === connection.salesClientId ? ' (same app as Sales)' : ''}
          </dd>
        </dl>
        <div className="stack">
          <SecretRow
            connectionId={connection.id}
            name="sales_client_secret"
            setAt={secretSetAt('sales_client_secret')}
          />
          {sameApp ? (
            <p className="hint">F&amp;O uses the Sales app registration and its secret.</p>
          ) : (
            <SecretRow
              connectionId={connection.id}
              name="fno_client_secret"
              setAt={secretSetAt('fno_client_secret')}
            />
          )}
        </div>
      </div>
      {connection.webhookUrl || connection.businessEventsUrl ? (
        <div className="stack" style={{ marginTop: '1rem' }}>
          {connection.webhookUrl ? (
            <CopyField
              label="Webhook URL (Sales)"
              value={connection.webhookUrl}
              hint="Registered in Sales when sync was enabled."
            />
          ) : null}
          {connection.businessEventsUrl ? (
            <CopyField
              label="Business-events URL (F&O)"
              value={connection.businessEventsUrl}
              hint="Paste into F&O: System administration → Business events → Endpoints (HTTPS)."
            />
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function SettingsSection({ connection }: { connection: ConnectionDetail }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<SettingsFormValue>(() =>
    settingsToForm(connection.settings, connection.defaultLegalEntity),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (settings: unknown) =>
      api.connections.updateSettings.mutate({ id: connection.id, settings: settings as never }),
    onSuccess: () => {
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: keys.connection(connection.id) });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = formToSettings(form, connection.settings);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    save.mutate(result.settings);
  };
  return (
    <section className="card" aria-labelledby="settings-title">
      <div className="card-head">
        <h2 id="settings-title">Mapping settings</h2>
        {!open ? (
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => {
              setForm(settingsToForm(connection.settings, connection.defaultLegalEntity));
              setOpen(true);
            }}
          >
            Edit settings
          </button>
        ) : null}
      </div>
      {save.isSuccess && !open ? (
        <p className="hint" role="status">
          Settings saved. They apply to the next records synced.
        </p>
      ) : null}
      {open ? (
        <form className="form" onSubmit={submit} noValidate>
          <SettingsForm value={form} onChange={setForm} errors={errors} />
          {save.isError ? <ErrorAlert error={save.error} subject="this connection" /> : null}
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save settings'}
            </button>
          </div>
        </form>
      ) : (
        <p className="hint">
          Legal-entity routing, customer groups, flows and cadences. Changes apply to the next records synced.
        </p>
      )}
    </section>
  );
}
