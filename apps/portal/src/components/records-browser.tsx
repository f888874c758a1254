'use client';

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { DIRECTION_LABEL, formatDateTime, formatNumber, formatRelative } from '../lib/format';
import { api, keys, type RecordListItem, type RecordsListInput } from '../lib/trpc';
import { Breadcrumbs, EmptyState, ErrorAlert, Loading, RecordStatusBadge } from './ui';

const PAGE_SIZE = 25;

const FLOWS = [
  { value: 'orders', label: 'Orders' },
  { value: 'products', label: 'Products' },
  { value: 'prices', label: 'Prices' },
  { value: 'customers', label: 'Customers' },
] as const;
const DIRECTIONS = [
  { value: 'sales_to_fno', label: 'Sales → F&O' },
  { value: 'fno_to_sales', label: 'F&O → Sales' },
] as const;
const STATUSES = [
  { value: 'failed', label: 'Failed' },
  { value: 'pending', label: 'Pending' },
  { value: 'running', label: 'Running' },
  { value: 'synced', label: 'Synced' },
  { value: 'skipped', label: 'Skipped' },
] as const;

const FILTER_KEYS = ['search', 'flow', 'direction', 'status', 'legalEntity', 'from', 'to'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

/** A date input (local day) as the instant it starts, or ends. */
function dayBoundary(day: string, end: boolean): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00`);
  if (end) date.setDate(date.getDate() + 1);
  return date.toISOString();
}

export function RecordsBrowser({ connectionId }: { connectionId: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const queryClient = useQueryClient();
  const filters = Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) ?? ''])) as Record<
    FilterKey,
    string
  >;
  const filterSignature = FILTER_KEYS.map((key) => filters[key]).join('|');
  const [searchText, setSearchText] = useState(filters.search);
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [confirmReplay, setConfirmReplay] = useState(false);
  const page = cursors.length - 1;
  const cursor = cursors[page] ?? null;

  // New filters start again at the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the signature stands for every filter
  useEffect(() => {
    setCursors([null]);
    setSearchText(filters.search);
  }, [filterSignature]);

  const connection = useQuery({
    queryKey: keys.connection(connectionId),
    queryFn: () => api.connections.get.query({ id: connectionId }),
  });

  const input: RecordsListInput = {
    connectionId,
    limit: PAGE_SIZE,
    ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
    ...(filters.flow ? { flow: filters.flow as NonNullable<RecordsListInput['flow']> } : {}),
    ...(filters.direction
      ? { direction: filters.direction as NonNullable<RecordsListInput['direction']> }
      : {}),
    ...(filters.status ? { status: filters.status as NonNullable<RecordsListInput['status']> } : {}),
    ...(filters.legalEntity.trim() ? { legalEntity: filters.legalEntity.trim().toLowerCase() } : {}),
    ...(dayBoundary(filters.from, false) ? { from: dayBoundary(filters.from, false) as never } : {}),
    ...(dayBoundary(filters.to, true) ? { to: dayBoundary(filters.to, true) as never } : {}),
    ...(cursor ? { cursor } : {}),
  };
  const records = useQuery({
    queryKey: [...keys.records(connectionId), input],
    queryFn: () => api.records.list.query(input),
    placeholderData: keepPreviousData,
    refetchInterval: 3_000,
  });

  const replayFailed = useMutation({
    mutationFn: () =>
      api.records.replayFailed.mutate({
        connectionId,
        ...(filters.flow ? { flow: filters.flow as NonNullable<RecordsListInput['flow']> } : {}),
      }),
    onSuccess: () => {
      setConfirmReplay(false);
      void queryClient.invalidateQueries({ queryKey: keys.records(connectionId) });
    },
  });

  const setFilters = (patch: Partial<Record<FilterKey, string>>) => {
    const next = new URLSearchParams(params.toString());
    for (const [key, value] of Object.entries(patch)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    const query = next.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ search: searchText.trim() });
  };
  const anyFilter = FILTER_KEYS.some((key) => filters[key]);
  const name = connection.data?.name ?? 'Connection';
  const flowLabel = FLOWS.find((f) => f.value === filters.flow)?.label.toLowerCase();

  return (
    <>
      <Breadcrumbs
        items={[
          { href: '/connections', label: 'Connections' },
          { href: `/connections/${connectionId}`, label: name },
          { label: 'Records' },
        ]}
      />
      <div className="page-head">
        <div>
          <h1>Records</h1>
          <p>Every order, product, price and customer the sync has handled, with its full history.</p>
        </div>
        <div className="actions">
          {!confirmReplay ? (
            <button type="button" className="btn" onClick={() => setConfirmReplay(true)}>
              Replay all failed
            </button>
          ) : (
            <div className="alert alert-warn">
              <p style={{ margin: 0 }}>
                Replay every failed {flowLabel ? `${flowLabel} ` : ''}record? Fix their cause first (see each
                record&apos;s remedy), or they fail again.
              </p>
              <p className="actions" style={{ marginTop: '0.5rem' }}>
                <button
                  type="button"
                  className="btn btn-primary btn-sm"
                  onClick={() => replayFailed.mutate()}
                  disabled={replayFailed.isPending}
                >
                  {replayFailed.isPending ? 'Queuing…' : 'Yes, replay them'}
                </button>
                <button type="button" className="btn btn-sm" onClick={() => setConfirmReplay(false)}>
                  Cancel
                </button>
              </p>
            </div>
          )}
        </div>
      </div>

      <div className="stack">
        {replayFailed.isSuccess ? (
          <div className="alert alert-ok" role="status">
            <p className="alert-title">
              {replayFailed.data.queued === 0
                ? 'There was no failed record to replay.'
                : `${formatNumber(replayFailed.data.queued)} failed record${replayFailed.data.queued === 1 ? '' : 's'} queued for replay.`}
            </p>
            {replayFailed.data.queued > 0 ? <p>Their status changes below as they run.</p> : null}
          </div>
        ) : null}
        {replayFailed.isError ? <ErrorAlert error={replayFailed.error} subject="the failed records" /> : null}

        <form className="card filters" onSubmit={submitSearch} aria-label="Search and filter records">
          <div className="field search">
            <label htmlFor="records-search">Search</label>
            <div className="copy-field">
              <input
                id="records-search"
                className="input"
                type="search"
                value={searchText}
                onChange={(event) => setSearchText(event.target.value)}
                placeholder="CRM order number, account, product number or F&O key"
                aria-describedby="records-search-hint"
              />
              <button type="submit" className="btn btn-primary">
                Search
              </button>
            </div>
            <p className="hint" id="records-search-hint">
              For example ORD-01001-X1Y2, Contoso, IE-10001 or 000123.
            </p>
          </div>
          <SelectFilter
            label="Flow"
            value={filters.flow}
            options={FLOWS}
            onChange={(flow) => setFilters({ flow })}
          />
          <SelectFilter
            label="Direction"
            value={filters.direction}
            options={DIRECTIONS}
            onChange={(direction) => setFilters({ direction })}
          />
          <SelectFilter
            label="Status"
            value={filters.status}
            options={STATUSES}
            onChange={(status) => setFilters({ status })}
          />
          <TextFilter
            label="Legal entity"
            value={filters.legalEntity}
            placeholder="usmf"
            onCommit={(legalEntity) => setFilters({ legalEntity })}
          />
          <DateFilter label="Updated from" value={filters.from} onChange={(from) => setFilters({ from })} />
          <DateFilter label="Updated until" value={filters.to} onChange={(to) => setFilters({ to })} />
          {anyFilter ? (
            <div>
              <button
                type="button"
                className="btn"
                onClick={() => setFilters(Object.fromEntries(FILTER_KEYS.map((key) => [key, ''])))}
              >
                Clear filters
              </button>
            </div>
          ) : null}
        </form>

        {records.isPending ? (
          <Loading>Loading records…</Loading>
        ) : records.isError ? (
          <ErrorAlert
            error={records.error}
            subject="the records of this connection"
            onRetry={() => void records.refetch()}
          />
        ) : records.data.items.length === 0 && page === 0 ? (
          anyFilter ? (
            <EmptyState
              title="No records match these filters"
              action={
                <button
                  type="button"
                  className="btn"
                  onClick={() => setFilters(Object.fromEntries(FILTER_KEYS.map((key) => [key, ''])))}
                >
                  Clear filters
                </button>
              }
            >
              Try another search term, or widen the dates.
            </EmptyState>
          ) : (
            <EmptyState
              title="Nothing has synced yet"
              action={
                <Link className="btn" href={`/connections/${connectionId}`}>
                  Open the dashboard
                </Link>
              }
            >
              Records appear here within seconds of a change: win an opportunity or create an order in Sales,
              or release a product in F&amp;O. If nothing shows after a minute, check on the dashboard that
              sync is running.
            </EmptyState>
          )
        ) : (
          <>
            <RecordsTable connectionId={connectionId} items={records.data.items} total={records.data.total} />
            <nav className="pager" aria-label="Pages">
              <span aria-live="polite">
                {records.data.items.length === 0
                  ? 'No more records.'
                  : `Showing ${formatNumber(page * PAGE_SIZE + 1)}–${formatNumber(page * PAGE_SIZE + records.data.items.length)} of ${formatNumber(records.data.total)}`}
                {records.isFetching ? ' · refreshing…' : ''}
              </span>
              <span className="actions">
                <button
                  type="button"
                  className="btn btn-sm"
                  disabled={page === 0}
                  onClick={() => setCursors((c) => c.slice(0, -1))}
                >
                  Previous page
                </button>
                <button
                  type="button"
                  className="btn btn-sm"
                  disabled={!records.data.nextCursor}
                  onClick={() => {
                    const next = records.data.nextCursor;
                    if (next) setCursors((c) => [...c, next]);
                  }}
                >
                  Next page
                </button>
              </span>
            </nav>
          </>
        )}
      </div>
    </>
  );
}

function RecordsTable({
  connectionId,
  items,
  total,
}: {
  connectionId: string;
  items: RecordListItem[];
  total: number;
}) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Records, {total} in all, most recently updated first</caption>
        <thead>
          <tr>
            <th scope="col">Record</th>
            <th scope="col">Direction</th>
            <th scope="col">Status</th>
            <th scope="col">Legal entity</th>
            <th scope="col">F&amp;O key</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col">Updated</th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} data-status={item.status}>
              <td>
                <Link href={`/connections/${connectionId}/records/${item.id}`}>
                  {item.label || item.dealKey || item.id}
                </Link>
                <div className="hint" style={{ margin: 0 }}>
                  {item.entity}
                  {item.dealKey && item.dealKey !== item.label ? ` · ${item.dealKey}` : ''}
                </div>
              </td>
              <td>{DIRECTION_LABEL[item.direction] ?? item.direction}</td>
              <td>
                <RecordStatusBadge status={item.status} />
              </td>
              <td>{item.targetDataAreaId ?? '—'}</td>
              <td className="mono">{item.targetKey ?? '—'}</td>
              <td className="num">{item.attempts}</td>
              <td title={formatDateTime(item.updatedAt)}>{formatRelative(item.updatedAt)}</td>
              <td className="cell-error">
                {item.status === 'failed' ? (errorMessage(item.lastError) ?? 'Failed') : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function errorMessage(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string')
    return error.message;
  return undefined;
}

function SelectFilter({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} className="select" value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">All</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function TextFilter({
  label,
  value,
  placeholder,
  onCommit,
}: {
  label: string;
  value: string;
  placeholder: string;
  onCommit: (value: string) => void;
}) {
  const id = useId();
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input"
        value={text}
        placeholder={placeholder}
        maxLength={4}
        onChange={(event) => setText(event.target.value)}
        onBlur={() => text.trim() !== value && onCommit(text.trim())}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            onCommit(text.trim());
          }
        }}
      />
    </div>
  );
}

function DateFilter({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input"
        type="date"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}
