import { createReadStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Metadata } from '../metadata/registry';
import { Store, type StoreMeta } from './store';
import type { ChangeEntry, StoredRow, Value } from './types';

/**
 * Snapshot of the store under `<stateDir>/dataverse/`:
 *
 *   CURRENT                       name of the live snapshot directory (replaced atomically)
 *   snap-<n>/meta.json            version counter, auto-numbering, alternate keys, seed
 *   snap-<n>/rows/<table>.jsonl   one `[id, version, values]` line per row
 *   snap-<n>/changes/<table>.jsonl one `[version, id, operation]` line per change-log entry
 *
 * A flush writes a new `snap-<n+1>` (hard-linking the files of tables that did not change), then
 * swaps CURRENT by temp file + rename, then deletes the old directory: a crash at any point leaves
 * one complete snapshot. 100,000 products are a ~40 MB file written in well under a second.
 */

const FORMAT = 1;

const metaFileSchema = z.object({
  format: z.literal(FORMAT),
  seed: z.number(),
  version: z.number(),
  changeLogFloor: z.number(),
  numbering: z.object({ counters: z.record(z.string(), z.number()), rng: z.number() }),
  alternateKeys: z.array(
    z.object({
      metadataId: z.string(),
      entityLogicalName: z.string(),
      logicalName: z.string(),
      schemaName: z.string(),
      displayName: z.string(),
      keyAttributes: z.array(z.string()),
      createdAt: z.number(),
      failed: z.boolean().optional(),
      active: z.boolean().optional(),
    }),
  ),
  tables: z.array(z.string()),
});

const WRITE_CHUNK = 1 << 20;

export class SnapshotStore {
  private readonly root: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.root = path.join(stateDir, 'dataverse');
  }

  /** Writes the store if anything changed since the last write. Serialised: one flush at a time. */
  flush(store: Store): Promise<void> {
    const next = this.writing.then(() => this.write(store));
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** The last complete snapshot, or undefined when there is none. */
  async load(metadata: Metadata, now: () => Date): Promise<Store | undefined> {
    const current = await this.currentDir();
    if (!current) return undefined;
    const dir = path.join(this.root, current);
    const metaFile = metaFileSchema.parse(JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')));
    const { format: _format, tables, ...rest } = metaFile;
    const meta: StoreMeta = {
      ...rest,
      alternateKeys: rest.alternateKeys.map(({ failed, active, ...key }) => ({
        ...key,
        ...(failed ? { failed } : {}),
        ...(active ? { active } : {}),
      })),
    };
    const store = new Store(metadata, now, meta);
    for (const table of tables) {
      if (!metadata.findEntity(table)) continue;
      const rows: StoredRow[] = [];
      await readLines(path.join(dir, 'rows', `${table}.jsonl`), (line) => rows.push(parseRowLine(line)));
      store.load(table, rows);
      const changes: ChangeEntry[] = [];
      await readLines(path.join(dir, 'changes', `${table}.jsonl`), (line) =>
        changes.push(parseChangeLine(line)),
      );
      store.loadChanges(table, changes);
    }
    store.markClean();
    await this.removeStale(current);
    return store;
  }

  /** Deletes every snapshot (a `--reset` start). */
  async clear(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  private async write(store: Store): Promise<void> {
    if (!store.isDirty()) return;
    await mkdir(this.root, { recursive: true });
    const previous = await this.currentDir();
    const name = `snap-${Date.now().toString(36)}-${process.pid}-${snapshotCounter++}`;
    const dir = path.join(this.root, name);
    await mkdir(path.join(dir, 'rows'), { recursive: true });
    await mkdir(path.join(dir, 'changes'), { recursive: true });

    // Capture everything synchronously: rows are immutable, so references are a consistent copy.
    const dirty = new Set(store.dirtyTables());
    const meta = store.meta();
    const tables = store.allTables().map((table) => ({
      name: table.model.def.logicalName,
      changed: dirty.has(table.model.def.logicalName) || previous === undefined,
      rows: [...table.rows.values()],
      changes: table.changes.slice(),
    }));
    store.markClean();

    try {
      for (const table of tables) {
        const rowsFile = path.join(dir, 'rows', `${table.name}.jsonl`);
        const reused =
          !table.changed &&
          previous !== undefined &&
          (await tryLink(path.join(this.root, previous, 'rows', `${table.name}.jsonl`), rowsFile));
        if (!reused) {
          await writeLines(rowsFile, table.rows, (row) => JSON.stringify([row.id, row.version, row.values]));
        }
        await writeLines(path.join(dir, 'changes', `${table.name}.jsonl`), table.changes, (entry) =>
          JSON.stringify([entry.version, entry.id, entry.operation]),
        );
      }
      const metaFile: z.infer<typeof metaFileSchema> = {
        format: FORMAT,
        ...meta,
        alternateKeys: meta.alternateKeys.map((key) => ({ ...key, keyAttributes: [...key.keyAttributes] })),
        tables: tables.map((t) => t.name),
      };
      await writeFile(path.join(dir, 'meta.json'), JSON.stringify(metaFile));
      const pointer = path.join(this.root, 'CURRENT');
      await writeFile(`${pointer}.tmp`, name);
      await rename(`${pointer}.tmp`, pointer);
    } catch (error) {
      for (const table of dirty) store.markTableDirty(table);
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    await this.removeStale(name);
  }

  private async currentDir(): Promise<string | undefined> {
    try {
      const name = (await readFile(path.join(this.root, 'CURRENT'), 'utf8')).trim();
      return name.length > 0 ? name : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async removeStale(current: string): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    await Promise.all(
      entries
        .filter((entry) => entry.startsWith('snap-') && entry !== current)
        .map((entry) => rm(path.join(this.root, entry), { recursive: true, force: true })),
    );
  }
}

let snapshotCounter = 0;

/** Our own file, but checked: a corrupt line fails the load loudly instead of serving garbage. */
function parseRowLine(line: string): StoredRow {
  const parsed: unknown = JSON.parse(line);
  if (!Array.isArray(parsed) || parsed.length !== 3)
    throw new Error(`Corrupt row line: ${line.slice(0, 80)}`);
  const [id, version, values] = parsed as unknown[];
  if (typeof id !== 'string' || typeof version !== 'number' || !isValues(values)) {
    throw new Error(`Corrupt row line: ${line.slice(0, 80)}`);
  }
  return { id, version, values };
}

function isValues(value: unknown): value is Record<string, Value> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseChangeLine(line: string): ChangeEntry {
  const parsed: unknown = JSON.parse(line);
  if (Array.isArray(parsed)) {
    const [version, id, operation] = parsed as unknown[];
    if (typeof version === 'number' && typeof id === 'string' && typeof operation === 'string') {
      if (operation === 'create' || operation === 'update' || operation === 'delete') {
        return { version, id, operation };
      }
    }
  }
  throw new Error(`Corrupt change-log line: ${line.slice(0, 80)}`);
}

async function writeLines<T>(file: string, items: readonly T[], toLine: (item: T) => string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    let buffer = '';
    for (const item of items) {
      buffer += `${toLine(item)}\n`;
      if (buffer.length >= WRITE_CHUNK) {
        await handle.write(buffer);
        buffer = '';
      }
    }
    if (buffer.length > 0) await handle.write(buffer);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readLines(file: string, onLine: (line: string) => void): Promise<void> {
  try {
    await stat(file);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: WRITE_CHUNK });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line.length > 0) onLine(line);
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch {
    return false;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
