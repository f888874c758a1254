import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Every workspace's package.json, from the root's `workspaces` globs (`dir/*` or `dir`). */
export function workspaceManifests(root: string): { file: string; manifest: Manifest }[] {
  const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  const dirs = rootManifest.workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [path.join(root, pattern)];
    const parent = path.join(root, pattern.slice(0, -2));
    return readdirSync(parent)
      .map((name) => path.join(parent, name))
      .filter((dir) => statSync(dir).isDirectory());
  });
  return [root, ...dirs]
    .map((dir) => path.join(dir, 'package.json'))
    .filter((file) => {
      try {
        return statSync(file).isFile();
      } catch {
        return false;
      }
    })
    .map((file) => ({ file, manifest: JSON.parse(readFileSync(file, 'utf8')) as Manifest }));
}

export interface VersionProblem {
  dependency: string;
  detail: string;
}

/**
 * External dependencies must be pinned to one exact version across the repo (internal `@mlc/*`
 * packages are referenced as `*`). Returns what breaks the rule.
 */
export function versionProblems(root: string): VersionProblem[] {
  const seen = new Map<string, Map<string, string[]>>();
  for (const { manifest } of workspaceManifests(root)) {
    for (const deps of [manifest.dependencies ?? {}, manifest.devDependencies ?? {}]) {
      for (const [name, range] of Object.entries(deps)) {
        if (name.startsWith('@mlc/')) continue;
        const byVersion = seen.get(name) ?? new Map<string, string[]>();
        byVersion.set(range, [...(byVersion.get(range) ?? []), manifest.name]);
        seen.set(name, byVersion);
      }
    }
  }
  const problems: VersionProblem[] = [];
  for (const [name, byVersion] of seen) {
    for (const [range, users] of byVersion) {
      if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range)) {
        problems.push({
          dependency: name,
          detail: `"${range}" in ${users.join(', ')} is not an exact version`,
        });
      }
    }
    if (byVersion.size > 1) {
      const list = [...byVersion].map(([range, users]) => `${range} (${users.join(', ')})`).join(' vs ');
      problems.push({ dependency: name, detail: `several versions: ${list}` });
    }
  }
  return problems;
}
