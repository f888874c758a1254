import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The monorepo root: the nearest folder at or above `from` whose package.json declares workspaces
 * (the sandbox does not depend on `@mlc/db`, which has the same helper).
 */
export function findRepoRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
      if (parsed.workspaces) return dir;
    }
    if (path.dirname(dir) === dir) return path.resolve(from);
  }
}

/** `<repo>/.sandbox`: CA, certificates, app registrations, signing key, simulator state, sandbox.json. */
export function defaultStateDir(from: string = process.cwd()): string {
  return path.join(findRepoRoot(from), '.sandbox');
}
