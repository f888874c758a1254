import { afterAll, beforeAll, describe, it } from 'vitest';
import { type ProviderWorld, startProviderWorld } from '../support/provider-world';
import { verifyAgainstSandbox } from '../support/verify';

let world: ProviderWorld;
beforeAll(async () => {
  world = await startProviderWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('provider entra-id: the sandbox honours the pact', () => {
  it('verifies every interaction', async () => {
    await verifyAgainstSandbox(world, 'entra-id', {
      // The sandbox's tenant always holds the main app registration (its credentials are swapped in).
      stateHandlers: { 'the tenant has the app registration': async () => undefined },
    });
  });
});
