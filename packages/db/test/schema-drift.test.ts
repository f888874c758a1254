import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect, it } from 'vitest';
import { migrationsFolder } from '../src/migrate';

const require = createRequire(import.meta.url);

it('the committed SQL migrations match the Drizzle schema (run `npm run generate -w @mlc/db` if not)', () => {
  const packageDir = path.resolve(import.meta.dirname, '..');
  // drizzle-kit takes --out relative to its working directory.
  mkdirSync(path.join(packageDir, 'node_modules', '.cache'), { recursive: true });
  const out = mkdtempSync(path.join(packageDir, 'node_modules', '.cache', 'drift-'));
  cpSync(migrationsFolder(), out, { recursive: true });
  const sqlFiles = () => readdirSync(out).filter((name) => name.endsWith('.sql'));
  const before = sqlFiles();
  const result = spawnSync(
    process.execPath,
    [
      path.join(path.dirname(require.resolve('drizzle-kit')), 'bin.cjs'),
      'generate',
      '--dialect=postgresql',
      '--schema=./src/schema/index.ts',
      `--out=${path.relative(packageDir, out)}`,
      '--name=drift',
    ],
    { cwd: packageDir, encoding: 'utf8' },
  );
  // drizzle-kit exits 0 even when it fails, so its words are checked too.
  expect(result.status, result.stderr).toBe(0);
  expect(`${result.stdout}${result.stderr}`).toContain('No schema changes');
  const after = sqlFiles();
  rmSync(out, { recursive: true, force: true });
  expect(after, `drizzle-kit generated a migration the repo lacks:\n${result.stdout}`).toEqual(before);
}, 60_000);
