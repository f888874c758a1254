'use client';

import { type ReactElement, type ReactNode, useSyncExternalStore } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatNumber, formatSeconds, formatTime } from '../lib/format';
import type { Figures } from '../lib/trpc';

type Point = Figures['series'][number];

const axis = { stroke: 'var(--muted)', fontSize: 12 };
const tooltipStyle = {
  contentStyle: {
    background: 'var(--panel)',
    border: '1px solid var(--border)',
    borderRadius: 8,
    color: 'var(--fg)',
  },
  labelFormatter: (label: unknown) => formatTime(String(label)),
};

/**
 * A chart with a caption, a one-line text summary (what a screen reader gets), and the data as a
 * table on demand: the picture is never the only way to the numbers.
 */
function ChartFigure({
  title,
  summary,
  empty,
  children,
  table,
}: {
  title: string;
  summary: string;
  empty: boolean;
  children: ReactNode;
  table: ReactNode;
}) {
  return (
    <figure className="card" style={{ margin: 0 }}>
      <figcaption className="card-head">
        <h3>{title}</h3>
        <span className="hint" style={{ margin: 0 }}>
          {summary}
        </span>
      </figcaption>
      {empty ? (
        <div className="chart-empty">
          <p>No data in this window yet. The chart fills as records sync.</p>
        </div>
      ) : (
        <div className="chart" role="img" aria-label={`${title}: ${summary}`}>
          <ResponsiveContainer width="100%" height="100%">
            {children as ReactElement}
          </ResponsiveContainer>
        </div>
      )}
      {!empty ? (
        <details>
          <summary className="hint" style={{ cursor: 'pointer' }}>
            Show the data as a table
          </summary>
          <div className="table-wrap" style={{ marginTop: '0.5rem', maxHeight: '16rem', overflowY: 'auto' }}>
            {table}
          </div>
        </details>
      ) : null}
    </figure>
  );
}

const last = (series: Point[]) => series[series.length - 1];

const REDUCED_MOTION = '(prefers-reduced-motion: reduce)';

/** Charts do not animate for people who asked their system for less motion. */
function useAnimate(): boolean {
  const reduced = useSyncExternalStore(
    (onChange) => {
      const query = window.matchMedia(REDUCED_MOTION);
      query.addEventListener('change', onChange);
      return () => query.removeEventListener('change', onChange);
    },
    () => window.matchMedia(REDUCED_MOTION).matches,
    () => true,
  );
  return !reduced;
}

export function LagChart({ series }: { series: Point[] }) {
  const animate = useAnimate();
  const withLag = series.filter((p) => p.lagP50 !== null || p.lagP95 !== null);
  const latest = last(withLag);
  const summary = latest
    ? `latest p50 ${formatSeconds(latest.lagP50)}, p95 ${formatSeconds(latest.lagP95)}`
    : 'no synced orders in this window';
  return (
    <ChartFigure
      title="Lag, CRM change → F&O commit"
      summary={summary}
      empty={withLag.length === 0}
      table={
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col" className="num">
                p50
              </th>
              <th scope="col" className="num">
                p95
              </th>
            </tr>
          </thead>
          <tbody>
            {withLag.map((p) => (
              <tr key={String(p.at)}>
                <td>{formatTime(String(p.at))}</td>
                <td className="num">{formatSeconds(p.lagP50)}</td>
                <td className="num">{formatSeconds(p.lagP95)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <LineChart data={series} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="at" tickFormatter={(v) => formatTime(String(v))} tick={axis} minTickGap={24} />
        <YAxis tick={axis} unit=" s" width={56} />
        <Tooltip {...tooltipStyle} formatter={(value) => formatSeconds(Number(value))} />
        <Legend />
        <Line
          type="monotone"
          dataKey="lagP50"
          name="p50"
          stroke="var(--chart-1)"
          strokeWidth={2}
          dot={{ r: 3 }}
          connectNulls
          isAnimationActive={animate}
        />
        <Line
          type="monotone"
          dataKey="lagP95"
          name="p95"
          stroke="var(--chart-2)"
          strokeWidth={2}
          strokeDasharray="6 3"
          dot={{ r: 3 }}
          connectNulls
          isAnimationActive={animate}
        />
      </LineChart>
    </ChartFigure>
  );
}

export function ThroughputChart({ series }: { series: Point[] }) {
  const animate = useAnimate();
  const synced = series.reduce((sum, p) => sum + (p.synced ?? 0), 0);
  const failed = series.reduce((sum, p) => sum + (p.failed ?? 0), 0);
  return (
    <ChartFigure
      title="Throughput and failures"
      summary={`${formatNumber(synced)} synced, ${formatNumber(failed)} failed in this window`}
      empty={series.length === 0 || synced + failed === 0}
      table={
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col" className="num">
                Synced
              </th>
              <th scope="col" className="num">
                Failed
              </th>
            </tr>
          </thead>
          <tbody>
            {series.map((p) => (
              <tr key={String(p.at)}>
                <td>{formatTime(String(p.at))}</td>
                <td className="num">{formatNumber(p.synced)}</td>
                <td className="num">{formatNumber(p.failed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <BarChart data={series} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="at" tickFormatter={(v) => formatTime(String(v))} tick={axis} minTickGap={24} />
        <YAxis tick={axis} allowDecimals={false} width={40} />
        <Tooltip {...tooltipStyle} />
        <Legend />
        <Bar dataKey="synced" name="Synced" stackId="a" fill="var(--chart-3)" isAnimationActive={animate} />
        <Bar dataKey="failed" name="Failed" stackId="a" fill="var(--chart-4)" isAnimationActive={animate} />
      </BarChart>
    </ChartFigure>
  );
}

export function QueueChart({ series }: { series: Point[] }) {
  const animate = useAnimate();
  const latest = last(series);
  const peak = series.reduce((max, p) => Math.max(max, p.queue ?? 0), 0);
  return (
    <ChartFigure
      title="Queue depth"
      summary={latest ? `now ${formatNumber(latest.queue)}, peak ${formatNumber(peak)}` : 'no samples yet'}
      empty={series.length === 0}
      table={
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col" className="num">
                Jobs waiting or running
              </th>
            </tr>
          </thead>
          <tbody>
            {series.map((p) => (
              <tr key={String(p.at)}>
                <td>{formatTime(String(p.at))}</td>
                <td className="num">{formatNumber(p.queue)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <AreaChart data={series} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis dataKey="at" tickFormatter={(v) => formatTime(String(v))} tick={axis} minTickGap={24} />
        <YAxis tick={axis} allowDecimals={false} width={40} />
        <Tooltip {...tooltipStyle} />
        <Area
          type="stepAfter"
          dataKey="queue"
          name="Queue"
          stroke="var(--chart-1)"
          fill="var(--chart-1)"
          fillOpacity={0.2}
          isAnimationActive={animate}
        />
      </AreaChart>
    </ChartFigure>
  );
}
