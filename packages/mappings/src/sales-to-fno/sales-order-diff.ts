import type { MappedSalesOrder, MappedSalesOrderLine } from './sales-order';

/**
 * What changed between two mappings of the same deal (the one last written to F&O and the one of
 * the CRM record now), for updating the F&O order while F&O has not progressed it.
 *
 * - `header`: every header field whose value differs (`from`/`to` are `null` when the field is
 *   absent on that side), sorted by field name.
 * - Lines are matched by their CRM line id first; lines left over are then matched by item and
 *   description, in order, so that the CRM order generated from a won opportunity (whose lines
 *   are copies with new ids) matches the F&O order created for the opportunity line by line.
 * - `lines.changed`: matched lines with different values. `LineNumber` is positional (1…n in CRM
 *   line order) and is not compared: F&O keeps its own line numbers, and an added line is given
 *   one after the order's last by the worker.
 * - `identityChanged`: the legal entity or the deal key differs: this is not an update of the same
 *   F&O order and must not be applied as one.
 */

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface LineChange {
  previous: MappedSalesOrderLine;
  next: MappedSalesOrderLine;
  fields: FieldChange[];
}

export interface FnoSalesOrderDiff {
  identityChanged: boolean;
  header: FieldChange[];
  lines: {
    added: MappedSalesOrderLine[];
    removed: MappedSalesOrderLine[];
    changed: LineChange[];
  };
  /** Nothing to write. */
  unchanged: boolean;
}

const IGNORED_LINE_FIELDS = new Set(['LineNumber']);

export function diffFnoSalesOrder(previous: MappedSalesOrder, next: MappedSalesOrder): FnoSalesOrderDiff {
  const header = changes(previous.header, next.header, new Set());
  const identityChanged =
    previous.header.dataAreaId !== next.header.dataAreaId || previous.naturalKey !== next.naturalKey;

  const unmatchedPrevious = [...previous.lines];
  const pairs: [MappedSalesOrderLine, MappedSalesOrderLine][] = [];
  const unmatchedNext: MappedSalesOrderLine[] = [];
  for (const line of next.lines) {
    const index = unmatchedPrevious.findIndex((candidate) => candidate.sourceLineId === line.sourceLineId);
    const match = index >= 0 ? unmatchedPrevious.splice(index, 1)[0] : undefined;
    if (match) pairs.push([match, line]);
    else unmatchedNext.push(line);
  }
  const added: MappedSalesOrderLine[] = [];
  for (const line of unmatchedNext) {
    const index = unmatchedPrevious.findIndex((candidate) => sameItem(candidate, line));
    const match = index >= 0 ? unmatchedPrevious.splice(index, 1)[0] : undefined;
    if (match) pairs.push([match, line]);
    else added.push(line);
  }
  const changed = pairs
    .map(([before, after]) => ({
      previous: before,
      next: after,
      fields: changes(before.line, after.line, IGNORED_LINE_FIELDS),
    }))
    .filter((change) => change.fields.length > 0)
    .sort((a, b) => a.next.line.LineNumber - b.next.line.LineNumber);

  return {
    identityChanged,
    header,
    lines: { added, removed: unmatchedPrevious, changed },
    unchanged:
      !identityChanged &&
      header.length === 0 &&
      added.length + unmatchedPrevious.length + changed.length === 0,
  };
}

function sameItem(a: MappedSalesOrderLine, b: MappedSalesOrderLine): boolean {
  return (
    a.line.ItemNumber === b.line.ItemNumber &&
    (a.line.LineDescription ?? '') === (b.line.LineDescription ?? '')
  );
}

function changes(before: object, after: object, ignored: ReadonlySet<string>): FieldChange[] {
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((field) => !ignored.has(field))
    .sort();
  const result: FieldChange[] = [];
  for (const field of fields) {
    const from = a[field] ?? null;
    const to = b[field] ?? null;
    if (from !== to) result.push({ field, from, to });
  }
  return result;
}
