import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { z } from 'zod';
import type { Value } from '../metadata/types';
import { NumberSequences, SEQUENCE_NAMES, sequenceStateSchema } from './numbering';
import { FnoStore } from './store';
import { canonicalKey, type Row } from './table';

/**
 * On disk, under `<stateDir>/fno/`: `state.json` (seed info, RecId counter, number sequences) and
 * one JSON-lines file per entity set (`tables/<EntitySet>.jsonl`, one `{"r":RecId,"v":version,
 * "d":{sparse values}}` per row). Every file is written to a temporary name and renamed.
 */
const STATE_FILE = 'state.json';
const TABLES_DIR = 'tables';

const stateSchema = z.object({
  version: z.literal(1),
  seed: z.number().int(),
  products: z.number().int().min(0),
  nextRecId: z.number().int().positive(),
  sequences: z.record(z.string(), z.partialRecord(z.enum(SEQUENCE_NAMES), sequenceStateSchema)),
});

export class FnoStateError extends Error {
  override readonly name = 'FnoStateError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}

export function fnoDir(stateDir: string): string {
  return path.resolve(stateDir, 'fno');
}

/** Loads the saved store, or undefined when nothing was saved yet. */
export async function loadStore(stateDir: string): Promise<FnoStore | undefined> {
  const dir = fnoDir(stateDir);
  const stateFile = path.join(dir, STATE_FILE);
  const text = await readIfExists(stateFile);
  if (text === undefined) return undefined;
  const state = parseWith(stateFile, stateSchema, text);
  const store = new FnoStore(
    { seed: state.seed, products: state.products },
    new NumberSequences(state.sequences),
    state.nextRecId,
  );
  for (const table of store.allTables()) {
    const file = path.join(dir, TABLES_DIR, `${table.def.entitySet}.jsonl`);
    const content = await readIfExists(file);
    if (content === undefined) continue;
    const rows: Row[] = [];
    let lineNumber = 0;
    for (const line of content.split('\n')) {
      lineNumber += 1;
      if (line.length === 0) continue;
      const parsed = parseRow(`${file}:${lineNumber}`, line);
      rows.push({
        key: canonicalKey(table.def, parsed.d),
        values: parsed.d,
        recId: parsed.r,
        version: parsed.v,
      });
    }
    try {
      table.load(rows);
    } catch (error) {
      throw new FnoStateError(file, 'cannot be loaded', { cause: error });
    }
    table.dirty = false;
  }
  return store;
}

/**
 * Writes the tables that changed since the last save (all of them with `all`) and the state file.
 * Every row is serialised before the first write, synchronously: requests run synchronously too,
 * so the files on disk always show one consistent moment (never a line without its order).
 * Returns the number of table files written.
 */
export async function saveStore(
  stateDir: string,
  store: FnoStore,
  options: { all?: boolean } = {},
): Promise<number> {
  const dir = fnoDir(stateDir);
  const snapshots = store
    .allTables()
    .filter((table) => table.dirty || options.all)
    .map((table) => {
      table.dirty = false;
      return {
        table,
        file: path.join(dir, TABLES_DIR, `${table.def.entitySet}.jsonl`),
        lines: table.rows().map((row) => JSON.stringify({ r: row.recId, v: row.version, d: row.values })),
      };
    });
  const state: z.infer<typeof stateSchema> = {
    version: 1,
    seed: store.seedInfo.seed,
    products: store.seedInfo.products,
    nextRecId: store.nextRecId,
    sequences: store.sequences.snapshot(),
  };
  try {
    await mkdir(path.join(dir, TABLES_DIR), { recursive: true });
    for (const snapshot of snapshots) await writeLinesAtomic(snapshot.file, snapshot.lines);
    await writeLinesAtomic(path.join(dir, STATE_FILE), [JSON.stringify(state, null, 2)]);
  } catch (error) {
    // Written again next time: a failed save must not lose the changes it carried.
    for (const snapshot of snapshots) snapshot.table.dirty = true;
    throw error;
  }
  return snapshots.length;
}

async function writeLinesAtomic(file: string, lines: readonly string[]): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const stream = createWriteStream(temp, { mode: 0o600 });
    const CHUNK = 1000;
    for (let start = 0; start < lines.length; start += CHUNK) {
      const chunk = `${lines.slice(start, start + CHUNK).join('\n')}\n`;
      if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    }
    stream.end();
    await finished(stream);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * One row line, checked by hand rather than with zod: zod would rebuild every values object key by
 * key (slow for 200,000 rows, and V8 then keeps them in dictionary mode); JSON.parse's own objects
 * are compact.
 */
function parseRow(where: string, line: string): { r: number; v: number; d: Record<string, Value> } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new FnoStateError(where, 'not JSON; delete the fno folder to start from the seed', {
      cause: error,
    });
  }
  if (typeof json === 'object' && json !== null && 'r' in json && 'v' in json && 'd' in json) {
    const { r, v, d } = json;
    if (Number.isSafeInteger(r) && Number.isSafeInteger(v) && typeof d === 'object' && d !== null) {
      const values = d as Record<string, unknown>;
      if (Object.values(values).every((value) => typeof value === 'string' || typeof value === 'number')) {
        return { r: r as number, v: v as number, d: values as Record<string, Value> };
      }
    }
  }
  throw new FnoStateError(where, 'not a row ({"r":RecId,"v":version,"d":{…}})');
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseWith<T>(file: string, schema: z.ZodType<T>, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FnoStateError(file, 'not JSON; delete the fno folder to start from the seed', { cause: error });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new FnoStateError(file, `unexpected content (${result.error.issues[0]?.message ?? 'invalid'})`);
  }
  return result.data;
}
