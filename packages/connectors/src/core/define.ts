import type { z } from 'zod';
import type { CompareStateStore } from './compare-state';
import type { ConnectorContext } from './context';
import type { ConnectorError, UpstreamDetail } from './errors';

/**
 * A connector is a typed definition object (no class hierarchy): its config schema, `ping`
 * diagnostics, sources (readers yielding pages of records with a checkpoint to resume from),
 * sinks (writers returning one outcome per record) and parsers for what the system pushes to us.
 * Adding a system is one folder with one `defineConnector(...)` plus one line in `registry.ts`.
 */

/** One diagnostic: what was checked, whether it passed, what was seen, and what to do about it. */
export interface PingCheck {
  name: string;
  ok: boolean;
  detail: string;
  remedy?: string;
}

/** Hears each diagnostic as soon as it is done (the portal's live ping). */
export type PingReporter = (check: PingCheck) => void;

/**
 * The list a ping collects its checks in: an array whose `push` also tells `report`, so a ping
 * written as "push each check" reports live without knowing it.
 */
export function pingChecks(report?: PingReporter): PingCheck[] {
  const checks: PingCheck[] = [];
  if (report) {
    checks.push = (...items: PingCheck[]) => {
      for (const item of items) report(item);
      return Array.prototype.push.apply(checks, items);
    };
  }
  return checks;
}

export interface SourcePage<R, C> {
  records: R[];
  /** Where to resume after this page (a delta link, a poll position); the worker stores it. */
  checkpoint: C;
  /** What the worker should know about the read beyond its records (for its audit trail). */
  meta?: SourcePageMeta;
}

export interface SourcePageMeta {
  /**
   * `full`: the read returns every record of the stream (a first read, or a restart), so once its
   * last page is in, records the worker knows but did not see are gone. `incremental`: only the
   * changes since the checkpoint (deletions arrive as records).
   */
  read: 'full' | 'incremental';
  /**
   * Set when the stored checkpoint could not be used and the read started over from scratch (for
   * example an expired Dataverse delta token): why, in plain words, and what the service said.
   */
  restart?: { reason: string; code: string; message: string; upstream?: UpstreamDetail };
}

export interface SourceReadOptions {
  state: CompareStateStore;
}

export interface SourceDefinition<Config, R, C> {
  description?: string;
  recordSchema: z.ZodType<R>;
  checkpointSchema: z.ZodType<C>;
  /** Example data the conformance test parses with the schemas. */
  fixtures: { records: readonly unknown[]; checkpoint: unknown };
  /**
   * Pages of records; `checkpoint` is `undefined` on the very first run. `options.state` is where
   * a source that compares full reads keeps its per-record hashes (`compare-state.ts`).
   */
  read(
    ctx: ConnectorContext,
    config: Config,
    checkpoint: C | undefined,
    options: SourceReadOptions,
  ): AsyncIterable<SourcePage<R, C>>;
  /**
   * How many records a full read returns, when the system can tell cheaply (e.g. OData
   * `$count`): what an initial load's progress is measured against. Optional.
   */
  count?(ctx: ConnectorContext, config: Config): Promise<number>;
}

/** The result for one record given to a sink, in the order the records were given. */
export type RecordOutcome = { ok: true; key: string } | { ok: false; error: ConnectorError };

export interface SinkDefinition<Config, R> {
  description?: string;
  recordSchema: z.ZodType<R>;
  /** Example records the conformance test parses with `recordSchema`. */
  fixtures: { records: readonly unknown[] };
  /** One outcome per record, same order; a record that fails does not fail the others. */
  write(ctx: ConnectorContext, config: Config, records: readonly R[]): Promise<RecordOutcome[]>;
}

/** Turns a pushed body (webhook, business event) into a typed event; throws `schema_mismatch`. */
export type EventParser<E> = (body: unknown, headers: Readonly<Record<string, string | undefined>>) => E;

export type AnySource<Config = unknown> = SourceDefinition<Config, unknown, unknown>;
export type AnySink<Config = unknown> = SinkDefinition<Config, unknown>;

export interface ConnectorDefinition<
  TConfigSchema extends z.ZodType,
  TSources extends Record<string, AnySource<z.output<TConfigSchema>>>,
  TSinks extends Record<string, AnySink<z.output<TConfigSchema>>>,
  TParsers extends Record<string, EventParser<unknown>>,
> {
  /** Stable id, lower-case with dashes (`dataverse`, `fno`); stored with every connection. */
  id: string;
  /** Semantic version of the connector's behaviour and checkpoints. */
  version: string;
  displayName: string;
  configSchema: TConfigSchema;
  /** A valid configuration, for documentation and the conformance test. */
  exampleConfig: z.input<TConfigSchema>;
  /** Every check, in order; `report` (optional) hears each one as soon as it is done, for a live display. */
  ping(ctx: ConnectorContext, config: z.output<TConfigSchema>, report?: PingReporter): Promise<PingCheck[]>;
  sources: TSources;
  sinks: TSinks;
  parsers: TParsers;
}

export type AnyConnector = ConnectorDefinition<
  z.ZodType,
  Record<string, AnySource>,
  Record<string, AnySink>,
  Record<string, EventParser<unknown>>
>;

export function defineConnector<
  TConfigSchema extends z.ZodType,
  TSources extends Record<string, AnySource<z.output<TConfigSchema>>>,
  TSinks extends Record<string, AnySink<z.output<TConfigSchema>>>,
  TParsers extends Record<string, EventParser<unknown>>,
>(
  definition: ConnectorDefinition<TConfigSchema, TSources, TSinks, TParsers>,
): ConnectorDefinition<TConfigSchema, TSources, TSinks, TParsers> {
  return Object.freeze(definition);
}

/** Typed source (record and checkpoint types inferred from the schemas). */
export function defineSource<Config, R, C>(
  source: SourceDefinition<Config, R, C>,
): SourceDefinition<Config, R, C> {
  return source;
}

/** Typed sink (record type inferred from the schema). */
export function defineSink<Config, R>(sink: SinkDefinition<Config, R>): SinkDefinition<Config, R> {
  return sink;
}
