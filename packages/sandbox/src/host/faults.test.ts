import { describe, expect, it } from 'vitest';
import { decideFault, FaultStore, faultInputSchema, NO_FAULTS, resolveFaults } from './faults';
import { odataEntitySet } from './listener';

const config = (input: Record<string, unknown>, now = 0) => resolveFaults(faultInputSchema.parse(input), now);

describe('faults', () => {
  it('defaults to no fault and resolves the token-expiry instant', () => {
    expect(NO_FAULTS).toMatchObject({ rate429: 0, rate5xx: 0, resetRate: 0, latencyMs: 0, status5xx: 503 });
    expect(config({ expireTokensIssuedBefore: 'now' }, 1_700_000_000_000).expireTokensIssuedBefore).toBe(
      '2023-11-14T22:13:20.000Z',
    );
    expect(config({ expireTokensIssuedBefore: 1_700_000_000 }).expireTokensIssuedBefore).toBe(
      '2023-11-14T22:13:20.000Z',
    );
  });

  it('decides a delay and at most one fault, reset before 429 before 5xx', () => {
    const never = () => 0.99;
    expect(decideFault(config({ rate429: 0.5, latencyMs: 10, latencyJitterMs: 100 }), never)).toEqual({
      delayMs: 109,
      action: { kind: 'none' },
    });
    expect(decideFault(config({ rate429: 1, rate5xx: 1, retryAfterSeconds: 4 }), never).action).toEqual({
      kind: 'throttle',
      retryAfterSeconds: 4,
    });
    expect(decideFault(config({ resetRate: 1, rate429: 1 }), never).action).toEqual({ kind: 'reset' });
    expect(decideFault(config({ rate5xx: 0.5, status5xx: 502 }), () => 0.1).action).toEqual({
      kind: 'server_error',
      status: 502,
    });
  });

  it('combines the resource and Entra token settings', () => {
    const store = new FaultStore();
    expect(store.tokenCutoffMs('dataverse')).toBeUndefined();
    store.set('entra', config({ expireTokensIssuedBefore: 100, tokenLifetimeSeconds: 600 }));
    store.set('dataverse', config({ expireTokensIssuedBefore: 200, tokenLifetimeSeconds: 60 }));
    expect(store.tokenCutoffMs('dataverse')).toBe(200_000);
    expect(store.tokenCutoffMs('fno')).toBe(100_000);
    expect(store.tokenLifetimeSeconds('dataverse')).toBe(60);
    expect(store.tokenLifetimeSeconds(undefined)).toBe(600);
  });
});

describe('odataEntitySet', () => {
  it('guesses the entity set of Dataverse and F&O paths', () => {
    expect(odataEntitySet('/api/data/v9.2/accounts')).toBe('accounts');
    expect(odataEntitySet('/api/data/v9.2/accounts(00000000-0000-0000-0000-000000000001)/name')).toBe(
      'accounts',
    );
    expect(odataEntitySet('/api/data/v9.2/$batch')).toBeUndefined();
    expect(odataEntitySet('/data/CustomersV3')).toBe('CustomersV3');
    expect(odataEntitySet('/tenant/oauth2/v2.0/token')).toBeUndefined();
  });
});
