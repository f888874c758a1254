import { describe, expect, it } from 'vitest';
import { sandboxDescriptorSchema } from './descriptor';

describe('sandboxDescriptorSchema', () => {
  it('accepts a descriptor without the F&O part and rejects a missing secret', () => {
    const descriptor = {
      caCertPath: '.sandbox/ca.pem',
      entra: { authorityHost: 'https://127.0.0.1:4401', tenantId: '11111111-2222-3333-4444-555555555555' },
      sales: { url: 'https://127.0.0.1:4402', clientId: 'app', clientSecret: 'generated' },
    };
    expect(sandboxDescriptorSchema.parse(descriptor)).toEqual(descriptor);
    expect(
      sandboxDescriptorSchema.safeParse({ ...descriptor, sales: { ...descriptor.sales, clientSecret: '' } })
        .success,
    ).toBe(false);
  });
});
