import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConnectorError } from '../core/errors';
import type { Priority } from '../http/budget';
import { collectionPage, type DataverseApi, isGuid } from './api';

/**
 * References to other rows in records given to a sink: `{ id }` (a GUID) or `{ key }` (column
 * values that identify exactly one row, e.g. `{ key: { productnumber: 'IE-10001' } }`, or
 * `{ key: { name: 'Each', _uomscheduleid_value: '<guid>' } }` with lookups as `_x_value`). Keys
 * are resolved to GUIDs with one query per table and column set (`Microsoft.Dynamics.CRM.In` for
 * one column), cached for the write; they need not be alternate keys.
 */

const COLUMN = /^[a-z_][a-z0-9_]*$/;

export const refSchema = z.union([
  z.strictObject({ id: z.guid() }),
  z.strictObject({
    key: z
      .record(z.string().regex(COLUMN, 'must be a column logical name'), z.string().min(1))
      .refine((key) => Object.keys(key).length > 0, 'needs at least one column'),
  }),
]);
export type Ref = z.output<typeof refSchema>;

export interface TableRef {
  entitySet: string;
  primaryId: string;
}

type Resolution = { id: string } | { missing: true } | { ambiguous: number };

const IN_CHUNK = 50;
const OR_CHUNK = 15;

export class RefResolver {
  private readonly cache = new Map<string, Resolution>();

  constructor(
    private readonly api: DataverseApi,
    private readonly priority: Priority,
  ) {}

  /** Resolves every `{ key }` ref given (grouped per table and column set). */
  async prefetch(refs: readonly (readonly [TableRef, Ref])[]): Promise<void> {
    const groups = new Map<string, { table: TableRef; columns: string[]; keys: Record<string, string>[] }>();
    for (const [table, ref] of refs) {
      if (!('key' in ref) || this.cache.has(signature(table, ref.key))) continue;
      const columns = Object.keys(ref.key).sort();
      const groupKey = `${table.entitySet}|${columns.join(',')}`;
      let group = groups.get(groupKey);
      if (!group) {
        group = { table, columns, keys: [] };
        groups.set(groupKey, group);
      }
      if (!group.keys.some((k) => signature(table, k) === signature(table, ref.key)))
        group.keys.push(ref.key);
    }
    for (const group of groups.values()) await this.query(group.table, group.columns, group.keys);
  }

  /** The GUID of a ref; throws `not_found` or `validation_failed` (ambiguous) for a key. */
  async id(table: TableRef, ref: Ref, what: string): Promise<string> {
    if ('id' in ref) return ref.id.toLowerCase();
    const resolution = await this.resolve(table, ref.key);
    if ('id' in resolution) return resolution.id;
    if ('missing' in resolution) {
      throw new ConnectorError(
        'not_found',
        `${what}: no ${table.entitySet} row has ${describeKey(ref.key)}.`,
        { remedy: `Create the ${table.entitySet} row first, or correct the reference.` },
      );
    }
    throw new ConnectorError(
      'validation_failed',
      `${what}: ${resolution.ambiguous} ${table.entitySet} rows have ${describeKey(ref.key)}; the reference must name exactly one.`,
      {
        remedy:
          'Add columns to the reference (for example the unit group of a unit) so that it names one row.',
      },
    );
  }

  /** The GUID of the row with these values, or undefined when there is none. */
  async find(table: TableRef, key: Record<string, string>, what: string): Promise<string | undefined> {
    const resolution = await this.resolve(table, key);
    if ('id' in resolution) return resolution.id;
    if ('missing' in resolution) return undefined;
    throw new ConnectorError(
      'validation_failed',
      `${what}: ${resolution.ambiguous} ${table.entitySet} rows already have ${describeKey(key)}.`,
    );
  }

  private async resolve(table: TableRef, key: Record<string, string>): Promise<Resolution> {
    const cached = this.cache.get(signature(table, key));
    if (cached) return cached;
    await this.query(table, Object.keys(key).sort(), [key]);
    return this.cache.get(signature(table, key)) ?? { missing: true };
  }

  private async query(table: TableRef, columns: string[], keys: Record<string, string>[]): Promise<void> {
    const size = columns.length === 1 ? IN_CHUNK : OR_CHUNK;
    for (let start = 0; start < keys.length; start += size) {
      const chunk = keys.slice(start, start + size);
      const filter =
        columns.length === 1 && !isLookupColumn(columns[0] ?? '')
          ? `Microsoft.Dynamics.CRM.In(PropertyName='${columns[0]}',PropertyValues=[${chunk
              .map((key) => literal(columns[0] ?? '', key[columns[0] ?? ''] ?? ''))
              .join(',')}])`
          : chunk
              .map((key) => `(${columns.map((c) => `${c} eq ${literal(c, key[c] ?? '')}`).join(' and ')})`)
              .join(' or ');
      const select = [...new Set([table.primaryId, ...columns])].join(',');
      const response = await this.api.get(
        `${table.entitySet}?$select=${select}&$filter=${filter}`,
        collectionPage(z.record(z.string(), z.unknown())),
        { priority: this.priority, prefer: ['odata.maxpagesize=5000'] },
      );
      const found = new Map<string, string[]>();
      for (const row of response.body.value) {
        const values: Record<string, string> = {};
        for (const column of columns) values[column] = String(row[column] ?? '');
        const id = row[table.primaryId];
        if (typeof id !== 'string') continue;
        const sig = signature(table, values);
        found.set(sig, [...(found.get(sig) ?? []), id.toLowerCase()]);
      }
      for (const key of chunk) {
        const sig = signature(table, key);
        const ids = found.get(sig) ?? [];
        const first = ids[0];
        this.cache.set(
          sig,
          ids.length === 1 && first
            ? { id: first }
            : ids.length === 0
              ? { missing: true }
              : { ambiguous: ids.length },
        );
      }
    }
  }
}

function isLookupColumn(column: string): boolean {
  return /^_.+_value$/.test(column);
}

function literal(column: string, value: string): string {
  if (isLookupColumn(column)) {
    if (!isGuid(value))
      throw new ConnectorError('validation_failed', `${column} must be a GUID, not "${value}".`);
    return value.toLowerCase();
  }
  return `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;
}

/** Dataverse compares strings without regard to case. */
function signature(table: TableRef, key: Readonly<Record<string, string>>): string {
  return `${table.entitySet}|${Object.keys(key)
    .sort()
    .map((c) => `${c}=${(key[c] ?? '').toLowerCase()}`)
    .join('|')}`;
}

function describeKey(key: Readonly<Record<string, string>>): string {
  return Object.entries(key)
    .map(([c, v]) => `${c} = "${v}"`)
    .join(' and ');
}

/** Namespace of the GUIDs we give rows that have no alternate key (price list items, units). */
const NAMESPACE = '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b';

/**
 * A name-based (version 5) GUID: the same natural key always gives the same id, so a retry after
 * an unknown outcome writes the same row instead of a second one.
 */
export function nameBasedGuid(name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(NAMESPACE.replace(/-/g, ''), 'hex'))
    .update(name)
    .digest();
  const bytes = Array.from(hash.subarray(0, 16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
