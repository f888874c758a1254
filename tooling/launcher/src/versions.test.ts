import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { versionProblems } from './versions';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

describe('dependency versions', () => {
  it('this repo pins every external library to one exact version', () => {
    expect(versionProblems(repoRoot)).toEqual([]);
  });

  it('reports ranges and skew', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mlc-versions-'));
    const write = (dir: string, manifest: object) => {
      mkdirSync(path.join(root, dir), { recursive: true });
      writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify(manifest));
    };
    write('.', { name: 'root', workspaces: ['packages/*'] });
    write('packages/a', { name: 'a', dependencies: { zod: '4.6.7', '@mlc/db': '*' } });
    write('packages/b', { name: 'b', dependencies: { zod: '^4.6.0' } });
    expect(versionProblems(root).map((p) => p.detail)).toEqual([
      '"^4.6.0" in b is not an exact version',
      'several versions: 4.6.7 (a) vs ^4.6.0 (b)',
    ]);
  });
});
