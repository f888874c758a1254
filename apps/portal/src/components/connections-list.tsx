'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatDateTime, formatNumber, formatRelative, formatSeconds } from '../lib/format';
import { api, type ConnectionListItem, keys } from '../lib/trpc';
import { Badge, ConnectionStatusBadge, EmptyState, ErrorAlert, Loading } from './ui';

export function ConnectionsList() {
  const list = useQuery({
    queryKey: keys.connections,
    queryFn: () => api.connections.list.query(),
    refetchInterval: 15_000,
  });

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Connections</h1>
          <p>
            Each connection pairs one Dynamics 365 Sales environment with one Finance &amp; Operations
            environment.
          </p>
        </div>
        {list.data && list.data.length > 0 ? (
          <Link className="btn btn-primary" href="/connections/new">
            New connection
          </Link>
        ) : null}
      </div>
      {list.isPending ? (
        <Loading>Loading connections…</Loading>
      ) : list.isError ? (
        <ErrorAlert error={list.error} subject="your connections" onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <EmptyState
          title="Connect your Dynamics environments"
          action={
            <Link className="btn btn-primary" href="/connections/new">
              Connect your Dynamics environments
            </Link>
          }
        >
          You have no connection yet. The setup asks for your Sales and F&amp;O environment URLs and an Entra
          ID app registration, checks that everything answers, then shows the two URLs to paste into F&amp;O.
          It takes about five minutes; with the sandbox, one click.
        </EmptyState>
      ) : (
        <ul className="connection-list" aria-label="Connections">
          {list.data.map((connection) => (
            <li key={connection.id}>
              <ConnectionCard connection={connection} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ConnectionCard({ connection }: { connection: ConnectionListItem }) {
  const figures = connection.figures;
  const draft = connection.status === 'draft';
  return (
    <article className="card connection-card" aria-labelledby={`conn-${connection.id}`}>
      <div className="card-head">
        <h2 id={`conn-${connection.id}`}>
          <Link href={draft ? `/connections/new?id=${connection.id}` : `/connections/${connection.id}`}>
            {connection.name}
          </Link>
        </h2>
        <div className="actions">
          <ConnectionStatusBadge status={connection.status} />
          {connection.lastPing ? (
            <Badge tone={connection.lastPing.ok ? 'ok' : 'down'}>
              {connection.lastPing.ok ? '✓' : '✕'} Ping {formatRelative(connection.lastPing.at)}
            </Badge>
          ) : (
            <Badge tone="neutral">Never pinged</Badge>
          )}
        </div>
      </div>
      {connection.statusReason ? (
        <p className={connection.status === 'error' ? 'field-error' : 'hint'}>{connection.statusReason}</p>
      ) : null}
      <div className="connection-meta">
        <span>
          Sales: <span className="mono">{connection.salesUrl}</span>
        </span>
        <span>
          F&amp;O: <span className="mono">{connection.fnoUrl}</span> ({connection.defaultLegalEntity})
        </span>
        <span>
          {connection.enabledAt ? `Enabled ${formatDateTime(connection.enabledAt)}` : 'Not enabled yet'}
        </span>
      </div>
      {figures ? (
        <div className="figures-row">
          <div className="stat">
            <span className="stat-label">Synced</span>
            <span className="stat-value">{formatNumber(figures.records.synced)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Failed</span>
            <span
              className="stat-value"
              style={figures.records.failed > 0 ? { color: 'var(--down)' } : undefined}
            >
              {formatNumber(figures.records.failed)}
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">Waiting</span>
            <span className="stat-value">
              {formatNumber(figures.records.pending + figures.queue.waiting)}
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">Lag p95 (last {figures.windowMinutes} min)</span>
            <span className="stat-value">{formatSeconds(figures.lagSeconds.p95)}</span>
          </div>
        </div>
      ) : null}
      <p className="actions" style={{ marginTop: '0.75rem', marginBottom: 0 }}>
        {draft ? (
          <Link className="btn btn-sm btn-primary" href={`/connections/new?id=${connection.id}`}>
            Continue setup
          </Link>
        ) : (
          <>
            <Link className="btn btn-sm" href={`/connections/${connection.id}`}>
              Dashboard
            </Link>
            <Link className="btn btn-sm" href={`/connections/${connection.id}/records`}>
              Records
            </Link>
            {figures && figures.records.failed > 0 ? (
              <Link
                className="btn btn-sm btn-danger"
                href={`/connections/${connection.id}/records?status=failed`}
              >
                See {formatNumber(figures.records.failed)} failed
              </Link>
            ) : null}
          </>
        )}
      </p>
    </article>
  );
}
