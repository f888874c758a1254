import type { z } from 'zod';
import { schemaMismatch } from '../http/errors';
import { type CompareStateStore, memoryCompareState } from './compare-state';
import type { ConnectorContext } from './context';
import type { AnyConnector, PingCheck, PingReporter, RecordOutcome, SourcePage } from './define';
import { ConnectorError, isConnectorError } from './errors';
import { take } from './take';
import { mapYielding } from './yield';

/**
 * The plugin host: how the worker and the portal call a connector without knowing which one it
 * is. Everything that crosses the boundary is parsed here (config, stored checkpoints, records in
 * both directions), so a connector only ever sees data that fits its schemas.
 */

export function parseConfig(connector: AnyConnector, raw: unknown): unknown {
  const parsed = connector.configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConnectorError(
    'invalid_config',
    `The ${connector.displayName} configuration is not valid: ${issues(parsed.error)}`,
    {
      remedy: 'Open the connection settings and correct the fields named in the message.',
    },
  );
}

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

function streamOf<T>(streams: Record<string, T>, stream: string, connector: AnyConnector, what: string): T {
  const found = Object.hasOwn(streams, stream) ? streams[stream] : undefined;
  if (!found) {
    throw new ConnectorError('invalid_config', `${connector.displayName} has no ${what} "${stream}".`);
  }
  return found;
}

/**
 * Reads one stream: the stored checkpoint is parsed first (`undefined` starts from scratch), and
 * every page's records and checkpoint are checked with the stream's schemas before they reach the
 * caller. `options.state` keeps a comparing source's per-record hashes between reads (without
 * it, an in-memory store that lives for this read only).
 */
export async function* readStream(
  connector: AnyConnector,
  stream: string,
  ctx: ConnectorContext,
  rawConfig: unknown,
  rawCheckpoint: unknown,
  options: { state?: CompareStateStore } = {},
): AsyncGenerator<SourcePage<unknown, unknown>> {
  const source = streamOf(connector.sources, stream, connector, 'source');
  const config = parseConfig(connector, rawConfig);
  let checkpoint: unknown;
  if (rawCheckpoint !== undefined && rawCheckpoint !== null) {
    const parsed = source.checkpointSchema.safeParse(rawCheckpoint);
    if (!parsed.success)
      throw schemaMismatch(`The stored checkpoint of ${connector.id}/${stream}`, parsed.error);
    checkpoint = parsed.data;
  }
  const pages = source
    .read(ctx, config, checkpoint, { state: options.state ?? memoryCompareState() })
    [Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      // V8 keeps a suspended generator's locals, dead or not: the source's records and their
      // checked copy go through locals emptied (and a box) before the yield, so this frame does
      // not hold the page while the consumer writes it.
      let step: IteratorResult<SourcePage<unknown, unknown>> | undefined = await pages.next();
      if (step.done) {
        finished = true;
        return;
      }
      let page: SourcePage<unknown, unknown> | undefined = step.value;
      step = undefined;
      const next = source.checkpointSchema.safeParse(page.checkpoint);
      if (!next.success) throw schemaMismatch(`The checkpoint from ${connector.id}/${stream}`, next.error);
      const box: { page?: SourcePage<unknown, unknown> | undefined } = {};
      box.page = {
        records: await mapYielding(page.records, (record, index) => {
          const parsed = source.recordSchema.safeParse(record);
          if (!parsed.success)
            throw schemaMismatch(`Record ${index} read from ${connector.id}/${stream}`, parsed.error);
          return parsed.data;
        }),
        checkpoint: next.data,
        ...(page.meta ? { meta: page.meta } : {}),
      };
      page = undefined;
      yield take(box, 'page') as SourcePage<unknown, unknown>;
    }
  } finally {
    if (!finished) await pages.return?.(undefined);
  }
}

/** How many records a full read of `stream` returns; `undefined` when the source cannot tell. */
export async function countStream(
  connector: AnyConnector,
  stream: string,
  ctx: ConnectorContext,
  rawConfig: unknown,
): Promise<number | undefined> {
  const source = streamOf(connector.sources, stream, connector, 'source');
  if (!source.count) return undefined;
  return source.count(ctx, parseConfig(connector, rawConfig));
}

/**
 * Writes records to one sink and returns one outcome per input record, in input order. Records
 * that do not fit the sink's schema fail with `validation_failed` without being sent.
 */
export async function writeStream(
  connector: AnyConnector,
  stream: string,
  ctx: ConnectorContext,
  rawConfig: unknown,
  records: readonly unknown[],
): Promise<RecordOutcome[]> {
  const sink = streamOf(connector.sinks, stream, connector, 'sink');
  const config = parseConfig(connector, rawConfig);
  const outcomes: (RecordOutcome | undefined)[] = new Array(records.length).fill(undefined);
  const valid: unknown[] = [];
  const positions: number[] = [];
  records.forEach((record, index) => {
    const parsed = sink.recordSchema.safeParse(record);
    if (parsed.success) {
      valid.push(parsed.data);
      positions.push(index);
    } else {
      outcomes[index] = {
        ok: false,
        error: new ConnectorError(
          'validation_failed',
          `Record ${index} for ${connector.id}/${stream} is not valid: ${issues(parsed.error)}`,
        ),
      };
    }
  });
  if (valid.length > 0) {
    const written = await sink.write(ctx, config, valid);
    if (written.length !== valid.length) {
      throw new ConnectorError(
        'schema_mismatch',
        `${connector.id}/${stream} returned ${written.length} outcomes for ${valid.length} records.`,
      );
    }
    written.forEach((outcome, i) => {
      const position = positions[i];
      if (position !== undefined) outcomes[position] = outcome;
    });
  }
  return outcomes.map(
    (outcome, index) =>
      outcome ?? {
        ok: false,
        error: new ConnectorError('schema_mismatch', `No outcome for record ${index}.`),
      },
  );
}

/**
 * Runs the connector's diagnostics. Never throws: an invalid configuration or a failing ping
 * becomes a failed check with its remedy, which is what the portal shows.
 */
export async function runPing(
  connector: AnyConnector,
  ctx: ConnectorContext,
  rawConfig: unknown,
  report?: PingReporter,
): Promise<PingCheck[]> {
  const failedWith = (name: string, error: unknown) => {
    const check = checkFromError(name, error);
    report?.(check);
    return [check];
  };
  let config: unknown;
  try {
    config = parseConfig(connector, rawConfig);
  } catch (error) {
    return failedWith('configuration', error);
  }
  try {
    return await connector.ping(ctx, config, report);
  } catch (error) {
    return failedWith('ping', error);
  }
}

function checkFromError(name: string, error: unknown): PingCheck {
  if (isConnectorError(error)) {
    return {
      name,
      ok: false,
      detail: error.upstream?.message ? `${error.message} (${error.upstream.message})` : error.message,
      ...(error.remedy ? { remedy: error.remedy } : {}),
    };
  }
  return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
}

/** Parses a pushed body with one of the connector's parsers. */
export function parseEvent(
  connector: AnyConnector,
  parser: string,
  body: unknown,
  headers: Readonly<Record<string, string | undefined>> = {},
): unknown {
  return streamOf(connector.parsers, parser, connector, 'parser')(body, headers);
}
