import { mkdirSync, rmSync } from 'node:fs';
import { pactDir } from './paths';

/**
 * Pact merges new interactions into an existing pact file: start every run from an empty `pacts/`,
 * so that an interaction removed from a consumer test is removed from its pact too.
 */
export default function setup(): void {
  rmSync(pactDir, { recursive: true, force: true });
  mkdirSync(pactDir, { recursive: true });
}
