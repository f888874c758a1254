import type { AnyConnector } from './define';

/**
 * The invariants every connector must keep (E8). The conformance test runs these over the
 * registry; they return problems as sentences instead of throwing so that one run lists them all.
 */

const ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9a-z.-]+)?$/i;
const STREAM = /^[a-z][a-zA-Z0-9_]*$/;

export function checkConnector(connector: AnyConnector): string[] {
  const problems: string[] = [];
  const who = `connector "${connector.id}"`;
  if (!ID.test(connector.id)) problems.push(`${who}: id must be lower-case words joined by dashes`);
  if (!SEMVER.test(connector.version)) problems.push(`${who}: version "${connector.version}" is not semver`);
  if (!connector.displayName.trim()) problems.push(`${who}: displayName is empty`);

  const config = connector.configSchema.safeParse(connector.exampleConfig);
  if (!config.success) {
    problems.push(
      `${who}: exampleConfig does not parse with configSchema: ${firstIssue(config.error.issues)}`,
    );
  }

  const streams = [...Object.keys(connector.sources), ...Object.keys(connector.sinks)];
  if (streams.length === 0) problems.push(`${who}: has neither sources nor sinks`);
  for (const name of streams) {
    if (!STREAM.test(name)) problems.push(`${who}: stream name "${name}" must be camelCase`);
  }

  for (const [name, source] of Object.entries(connector.sources)) {
    const where = `${who} source "${name}"`;
    if (source.fixtures.records.length === 0) problems.push(`${where}: has no fixture records`);
    source.fixtures.records.forEach((record, index) => {
      const parsed = source.recordSchema.safeParse(record);
      if (!parsed.success) {
        problems.push(`${where}: fixture record ${index} does not parse: ${firstIssue(parsed.error.issues)}`);
      }
    });
    const checkpoint = source.checkpointSchema.safeParse(source.fixtures.checkpoint);
    if (!checkpoint.success) {
      problems.push(`${where}: fixture checkpoint does not parse: ${firstIssue(checkpoint.error.issues)}`);
    } else {
      // Checkpoints are stored as JSON by the worker: they must survive the round trip.
      const roundTrip = source.checkpointSchema.safeParse(
        JSON.parse(JSON.stringify(checkpoint.data ?? null)),
      );
      if (!roundTrip.success) problems.push(`${where}: checkpoint does not survive a JSON round trip`);
    }
  }

  for (const [name, sink] of Object.entries(connector.sinks)) {
    const where = `${who} sink "${name}"`;
    if (sink.fixtures.records.length === 0) problems.push(`${where}: has no fixture records`);
    sink.fixtures.records.forEach((record, index) => {
      const parsed = sink.recordSchema.safeParse(record);
      if (!parsed.success) {
        problems.push(`${where}: fixture record ${index} does not parse: ${firstIssue(parsed.error.issues)}`);
      }
    });
  }

  for (const [name, parser] of Object.entries(connector.parsers)) {
    if (typeof parser !== 'function') problems.push(`${who}: parser "${name}" is not a function`);
  }
  return problems;
}

export function checkRegistry(connectors: readonly AnyConnector[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const connector of connectors) {
    if (seen.has(connector.id)) problems.push(`connector id "${connector.id}" is registered twice`);
    seen.add(connector.id);
    problems.push(...checkConnector(connector));
  }
  return problems;
}

function firstIssue(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`;
}
