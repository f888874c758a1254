import { afterAll, beforeAll, describe, it } from 'vitest';
import { type ProviderWorld, startProviderWorld } from '../support/provider-world';
import { dataverseStates } from '../support/states';
import { verifyAgainstSandbox } from '../support/verify';

let world: ProviderWorld;
beforeAll(async () => {
  world = await startProviderWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('provider dataverse: the sandbox honours the pact', () => {
  it('verifies every interaction', async () => {
    await verifyAgainstSandbox(world, 'dataverse', { stateHandlers: dataverseStates(world) });
  });
});
