import { describe, expect, it } from 'vitest';
import { resourceOfScope } from './scope';

const codeOf = (scope: string | null) => {
  const result = resourceOfScope(scope);
  return 'error' in result ? result.error.code : result.resource;
};

describe('resourceOfScope', () => {
  it('takes the one resource of a /.default scope, lowercase and without trailing slash', () => {
    expect(codeOf('https://Org.CRM.dynamics.com/.default')).toBe('https://org.crm.dynamics.com');
    expect(codeOf('https://org.crm.dynamics.com//.default')).toBe('https://org.crm.dynamics.com');
    expect(codeOf('openid https://org.crm.dynamics.com/.default offline_access')).toBe(
      'https://org.crm.dynamics.com',
    );
    expect(codeOf('https://a/.default https://A/.default')).toBe('https://a');
  });

  it('refuses what Entra refuses for client credentials', () => {
    expect(codeOf(null)).toBe(900144);
    expect(codeOf('  ')).toBe(900144);
    expect(codeOf('https://org.crm.dynamics.com/user_impersonation')).toBe(1002012);
    expect(codeOf('User.Read.All')).toBe(1002012);
    expect(codeOf('openid')).toBe(1002012);
    expect(codeOf('https://a/.default https://b/.default')).toBe(70011);
  });
});
