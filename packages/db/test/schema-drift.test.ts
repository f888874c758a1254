import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { migrationsFolder } from '../src/migrate';

const require = createRequire(import.meta.url);

it('the committed SQL migrations match the Drizzle schema (run `npm run generate -w @mlc/db` if not)', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'mlc-drift-'));
  cpSync(migrationsFolder(), out, { recursive: true });
  const sqlFiles = () => readdirSync(out).filter((name) => name.endsWith('.sql'));
  const before = sqlFiles();
  const packageDir = path.resolve(import.meta.dirname, '..');
  const result = spawnSync(
    process.execPath,
    [
      path.join(path.dirname(require.resolve('drizzle-kit')), 'bin.cjs'),
      'generate',
      '--dialect=postgresql',
      '--schema=./src/schema/index.ts',
      `--out=${out}`,
      '--name=drift',
    ],
    { cwd: packageDir, encoding: 'utf8' },
  );
  expect(result.status, result.stderr).toBe(0);
  expect(sqlFiles(), `drizzle-kit generated a migration the repo lacks:\n${result.stdout}`).toEqual(before);
}, 60_000);
