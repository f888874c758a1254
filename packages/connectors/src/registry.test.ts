import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkConnector, checkRegistry } from './core/conformance';
import { type AnyConnector, defineConnector, defineSink, defineSource } from './core/define';
import { ConnectorError } from './core/errors';
import { connectors, findConnector } from './registry';

/**
 * The conformance test (E8): one run over every registered connector (Dataverse and F&O). The
 * fixture connector below (test-only, never registered) proves that the checks pass on a
 * conforming connector and fail on broken ones.
 */
describe('connector registry', () => {
  it('every registered connector conforms, and ids are unique', () => {
    expect(checkRegistry(connectors)).toEqual([]);
  });

  it.each(connectors.map((connector) => [connector.id, connector] as const))(
    '%s conforms',
    (_id, connector) => {
      expect(checkConnector(connector)).toEqual([]);
      expect(findConnector(connector.id)).toBe(connector);
    },
  );
});

const configSchema = z.object({ baseUrl: z.url(), company: z.string().min(1) });
type Config = z.output<typeof configSchema>;
const customer = z.object({ accountNumber: z.string().min(1), name: z.string() });
const checkpoint = z.object({ deltaLink: z.string().optional() });

function fixtureConnector() {
  return defineConnector({
    id: 'fixture-erp',
    version: '1.0.0',
    displayName: 'Fixture ERP',
    configSchema,
    exampleConfig: { baseUrl: 'https://erp.example/api', company: 'usmf' },
    async ping() {
      return [{ name: 'token', ok: true, detail: 'ok' }];
    },
    sources: {
      customers: defineSource({
        recordSchema: customer,
        checkpointSchema: checkpoint,
        fixtures: { records: [{ accountNumber: 'US-001', name: 'Contoso' }], checkpoint: { deltaLink: 'x' } },
        async *read(_ctx, config: Config, cp) {
          yield {
            records: [{ accountNumber: `${config.company}-1`, name: cp?.deltaLink ?? 'first' }],
            checkpoint: { deltaLink: 'next' },
          };
        },
      }),
    },
    sinks: {
      customers: defineSink({
        recordSchema: customer,
        fixtures: { records: [{ accountNumber: 'US-002', name: 'Fabrikam' }] },
        async write(_ctx, _config: Config, records) {
          return records.map((record) =>
            record.name === 'fail'
              ? { ok: false as const, error: new ConnectorError('validation_failed', 'refused') }
              : { ok: true as const, key: record.accountNumber },
          );
        },
      }),
    },
    parsers: {
      event: (body: unknown) => z.object({ id: z.string() }).parse(body),
    },
  });
}

describe('conformance checks (on a test-only fixture connector)', () => {
  it('pass on a conforming connector', () => {
    expect(checkConnector(fixtureConnector())).toEqual([]);
  });

  it('fail on a bad id, version, example config, fixtures and stream names', () => {
    const good = fixtureConnector();
    const broken = {
      ...good,
      id: 'Fixture ERP',
      version: 'one',
      exampleConfig: { baseUrl: 'not a url', company: '' },
      sources: {
        customers: {
          ...good.sources.customers,
          fixtures: { records: [{ accountNumber: '' }], checkpoint: { deltaLink: 7 } },
        },
      },
      sinks: { Customers: { ...good.sinks.customers, fixtures: { records: [] } } },
    } as unknown as AnyConnector;
    const problems = checkConnector(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/id must be lower-case/),
        expect.stringMatching(/version "one" is not semver/),
        expect.stringMatching(/exampleConfig does not parse/),
        expect.stringMatching(/source "customers": fixture record 0 does not parse/),
        expect.stringMatching(/source "customers": fixture checkpoint does not parse/),
        expect.stringMatching(/stream name "Customers" must be camelCase/),
        expect.stringMatching(/sink "Customers": has no fixture records/),
      ]),
    );
  });

  it('fail on duplicate ids in a registry', () => {
    expect(checkRegistry([fixtureConnector(), fixtureConnector()])).toEqual([
      'connector id "fixture-erp" is registered twice',
    ]);
  });

  it('fail on a checkpoint that does not survive being stored as JSON', () => {
    const good = fixtureConnector();
    const dateCheckpoint = z.object({ since: z.date() });
    const broken = {
      ...good,
      sources: {
        customers: {
          ...good.sources.customers,
          checkpointSchema: dateCheckpoint,
          fixtures: { records: [], checkpoint: { since: new Date() } },
        },
      },
    } as unknown as AnyConnector;
    expect(checkConnector(broken)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/has no fixture records/),
        expect.stringMatching(/does not survive a JSON round trip/),
      ]),
    );
  });
});
