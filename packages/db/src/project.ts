import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The monorepo root: the nearest folder at or above `from` whose package.json declares workspaces. */
export function findProjectRoot(from: string = process.cwd()): string {
  for (let dir = path.resolve(/* turbopackIgnore: true */ from); ; dir = path.dirname(dir)) {
    const manifest = path.join(/* turbopackIgnore: true */ dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
      if (parsed.workspaces) return dir;
    }
    if (path.dirname(dir) === dir) return path.resolve(/* turbopackIgnore: true */ from);
  }
}

/** `<project>/.data`: local state of a development install (embedded Postgres, dev encryption key). */
export function localDataDir(from?: string): string {
  return path.join(findProjectRoot(from), '.data');
}
