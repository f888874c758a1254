/**
 * Path templates for the coverage gate: a request path with its key predicates blanked out, so
 * that `GET /api/data/v9.2/salesorders(5f0c…)` and the pact's example
 * `GET /api/data/v9.2/salesorders(0a1b…)` are the same call.
 *
 * - `(…)` key segments (GUIDs, alternate keys, F&O composite keys, function parameters) → `({key})`;
 * - the Web API version stays (`v9.2`): a call to another version is another contract;
 * - the path is compared case-sensitively (OData entity set names are case-sensitive).
 */
export function pathTemplate(path: string): string {
  const pathOnly = path.split('?')[0] ?? '';
  return pathOnly.replace(/\((?:[^()']|'(?:[^']|'')*')*\)/g, '({key})');
}

export interface Call {
  method: string;
  path: string;
}

export const callKey = (call: Call): string => `${call.method.toUpperCase()} ${pathTemplate(call.path)}`;

/** The calls in `recorded` whose (method, path template) no pact interaction has. */
export function uncoveredCalls(recorded: readonly Call[], pinned: readonly Call[]): string[] {
  const covered = new Set(pinned.map(callKey));
  return [...new Set(recorded.map(callKey))].filter((key) => !covered.has(key)).sort();
}
