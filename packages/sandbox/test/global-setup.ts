import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadOrCreateSigningKey } from '../src/entra/keys';
import { ensureTlsMaterial } from '../src/host/tls';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A state directory holding TLS material and an Entra signing key. */
    sandboxIdentityTemplate: string;
  }
}

/**
 * Once per run: a state directory with the sandbox's TLS material and Entra signing key, made by the
 * sandbox's own code. `test/sandbox-harness.ts` copies it into each harness's fresh state directory,
 * so that every harness does not generate three RSA keys (the slow part of a first start).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlc-sandbox-identity-'));
  await ensureTlsMaterial(dir);
  await loadOrCreateSigningKey(dir);
  project.provide('sandboxIdentityTemplate', dir);
  return () => rm(dir, { recursive: true, force: true });
}
