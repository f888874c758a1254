import { FNO_SEED_FACTS } from '@mlc/sandbox';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type ProviderWorld, startProviderWorld } from '../support/provider-world';
import { fnoStates } from '../support/states';
import { verifyAgainstSandbox } from '../support/verify';

let world: ProviderWorld;
beforeAll(async () => {
  world = await startProviderWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('provider fno: the sandbox honours the pact', () => {
  it('verifies every interaction', async () => {
    await verifyAgainstSandbox(world, 'fno', {
      stateHandlers: fnoStates(world, { customer: 'ACC-10001', item: FNO_SEED_FACTS.commonItem }),
    });
  });
});
