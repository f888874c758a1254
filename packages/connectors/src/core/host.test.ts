import { createLogger } from '@mlc/logger';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpClient } from '../http/client';
import { createHostGuard } from '../http/guard';
import { ManualClock } from '../testing/manual-clock';
import type { ConnectorContext } from './context';
import { defineConnector, defineSink, defineSource } from './define';
import { ConnectorError } from './errors';
import { parseEvent, readStream, runPing, writeStream } from './host';

const logger = createLogger({ name: 'host-test', level: 'silent', destination: { write: () => undefined } });
const ctx: ConnectorContext = {
  http: createHttpClient({ guard: createHostGuard(), logger }),
  logger,
  signal: new AbortController().signal,
  clock: new ManualClock(),
};

const configSchema = z.object({ company: z.string().min(1) });
type Config = z.output<typeof configSchema>;
const record = z.object({ key: z.string().min(1), amount: z.number() });
const checkpoint = z.object({ position: z.number().int() });

const seen: { checkpoints: unknown[]; written: unknown[][] } = { checkpoints: [], written: [] };

const connector = defineConnector({
  id: 'host-fixture',
  version: '0.1.0',
  displayName: 'Host fixture',
  configSchema,
  exampleConfig: { company: 'usmf' },
  async ping(_ctx, config) {
    if (config.company === 'boom')
      throw new ConnectorError('auth_failed', 'token refused', { remedy: 'fix the secret' });
    return [{ name: 'company', ok: true, detail: config.company }];
  },
  sources: {
    items: defineSource({
      recordSchema: record,
      checkpointSchema: checkpoint,
      fixtures: { records: [{ key: 'a', amount: 1 }], checkpoint: { position: 0 } },
      async *read(_ctx, config: Config, cp) {
        seen.checkpoints.push(cp);
        const start = cp?.position ?? 0;
        yield {
          records: [{ key: `${config.company}-${start}`, amount: start }],
          checkpoint: { position: start + 1 },
        };
        if (config.company === 'bad-record')
          yield { records: [{ key: '', amount: 'x' } as never], checkpoint: { position: 9 } };
      },
    }),
  },
  sinks: {
    items: defineSink({
      recordSchema: record,
      fixtures: { records: [{ key: 'a', amount: 1 }] },
      async write(_ctx, _config: Config, records) {
        seen.written.push([...records]);
        return records.map((r) =>
          r.amount < 0
            ? { ok: false as const, error: new ConnectorError('validation_failed', 'negative amount') }
            : { ok: true as const, key: r.key },
        );
      },
    }),
  },
  parsers: { item: (body: unknown) => record.parse(body) },
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('plugin host', () => {
  it('reads a stream from its stored checkpoint and checks what comes back', async () => {
    const pages = await collect(readStream(connector, 'items', ctx, { company: 'usmf' }, { position: 4 }));
    expect(pages).toEqual([{ records: [{ key: 'usmf-4', amount: 4 }], checkpoint: { position: 5 } }]);
    expect(seen.checkpoints.at(-1)).toEqual({ position: 4 });
    await collect(readStream(connector, 'items', ctx, { company: 'usmf' }, null));
    expect(seen.checkpoints.at(-1)).toBeUndefined();
  });

  it('refuses a bad config, a bad stored checkpoint, a record that breaks the schema, an unknown stream', async () => {
    await expect(
      collect(readStream(connector, 'items', ctx, { company: '' }, undefined)),
    ).rejects.toMatchObject({
      code: 'invalid_config',
    });
    await expect(
      collect(readStream(connector, 'items', ctx, { company: 'x' }, { position: 'x' })),
    ).rejects.toMatchObject({
      code: 'schema_mismatch',
    });
    await expect(
      collect(readStream(connector, 'items', ctx, { company: 'bad-record' }, undefined)),
    ).rejects.toMatchObject({
      code: 'schema_mismatch',
    });
    await expect(
      collect(readStream(connector, 'nope', ctx, { company: 'x' }, undefined)),
    ).rejects.toMatchObject({
      code: 'invalid_config',
    });
  });

  it('writes records and returns one outcome per record in input order, invalid ones never sent', async () => {
    const outcomes = await writeStream(connector, 'items', ctx, { company: 'usmf' }, [
      { key: 'a', amount: 1 },
      { key: '', amount: 2 },
      { key: 'c', amount: -1 },
      { key: 'd', amount: 4 },
    ]);
    expect(outcomes.map((o) => (o.ok ? `ok:${o.key}` : `failed:${o.error.code}`))).toEqual([
      'ok:a',
      'failed:validation_failed',
      'failed:validation_failed',
      'ok:d',
    ]);
    expect(seen.written.at(-1)).toEqual([
      { key: 'a', amount: 1 },
      { key: 'c', amount: -1 },
      { key: 'd', amount: 4 },
    ]);
  });

  it('turns ping failures and bad configs into failed checks with remedies', async () => {
    expect(await runPing(connector, ctx, { company: 'usmf' })).toEqual([
      { name: 'company', ok: true, detail: 'usmf' },
    ]);
    expect(await runPing(connector, ctx, { company: 'boom' })).toEqual([
      { name: 'ping', ok: false, detail: 'token refused', remedy: 'fix the secret' },
    ]);
    const [check] = await runPing(connector, ctx, {});
    expect(check).toMatchObject({ name: 'configuration', ok: false });
    expect(check?.detail).toMatch(/company/);
  });

  it('parses pushed bodies with the named parser', () => {
    expect(parseEvent(connector, 'item', { key: 'k', amount: 1 })).toEqual({ key: 'k', amount: 1 });
    expect(() => parseEvent(connector, 'missing', {})).toThrow(ConnectorError);
  });

  it('keeps the record types of each stream', () => {
    // Compile-time: the definition keeps precise types for callers that know the connector.
    const schema: z.ZodType<{ key: string; amount: number }> = connector.sources.items.recordSchema;
    expect(schema).toBe(record);
  });
});
