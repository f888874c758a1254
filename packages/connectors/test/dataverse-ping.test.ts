import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataverseConnector, ensureAlternateKeys, type PingCheck, runPing } from '../src/index';
import { type DataverseSandbox, startDataverseSandbox } from './dataverse-sandbox';

/**
 * `ping` against the sandbox: every check passes for the main app once the setup has run; before
 * it, the missing alternate keys fail with a remedy; the app registration that is not an
 * application user gets `app_user_missing` with the admin-center path; a wrong secret fails at the
 * token check.
 */

let sb: DataverseSandbox;

beforeAll(async () => {
  sb = await startDataverseSandbox({ keyActivationDelayMs: 200 });
});

afterAll(async () => {
  await sb?.close();
});

const byName = (checks: PingCheck[]) => new Map(checks.map((check) => [check.name, check]));

describe('dataverse ping', () => {
  it('reports the missing alternate keys with a remedy, then passes everything after the setup', async () => {
    const { ctx, config } = sb.context(undefined, { alternateKeyPollMs: 100 });
    const before = await runPing(dataverseConnector, ctx, config);
    const failing = before.filter((check) => !check.ok);
    expect(failing.map((check) => check.name)).toEqual([
      'alternate key account(accountnumber)',
      'alternate key product(productnumber)',
    ]);
    expect(failing[0]?.remedy).toContain('Power Apps > Tables > account > Keys');

    await ensureAlternateKeys(ctx, config);
    const after = await runPing(dataverseConnector, ctx, config);
    expect(after.filter((check) => !check.ok)).toEqual([]);
    const checks = byName(after);
    expect([...checks.keys()]).toEqual(
      expect.arrayContaining([
        'token',
        'whoami',
        'application user',
        'read account',
        'read salesorderdetail',
        'read productpricelevel',
        'read sdkmessageprocessingstep',
        'read sdkmessageprocessingstepimage',
        'change tracking salesorder',
        'alternate key product(productnumber)',
      ]),
    );
    expect(checks.get('application user')?.detail).toBe(
      'Signed in as the application user "# ml-connector".',
    );
    expect(after.slice(0, 3).map((check) => check.name)).toEqual(['token', 'whoami', 'application user']);
  });

  it('reports app_user_missing with the admin-center remedy for an app that is not an application user', async () => {
    const { ctx, config } = sb.context(sb.misconfiguredApp);
    const checks = await runPing(dataverseConnector, ctx, config);
    expect(checks).toEqual([
      expect.objectContaining({ name: 'token', ok: true }),
      {
        name: 'application user',
        ok: false,
        detail: expect.stringContaining('The user is not a member of the organization.'),
        remedy: expect.stringContaining(
          'Power Platform admin center > Environments > your environment > Settings > Users + permissions > Application users',
        ),
      },
    ]);
  });

  it('stops at the token check when the secret is wrong', async () => {
    const { ctx, config } = sb.context(undefined, { clientSecret: 'wrong-secret' });
    const checks = await runPing(dataverseConnector, ctx, config);
    expect(checks).toEqual([
      expect.objectContaining({
        name: 'token',
        ok: false,
        detail: expect.stringContaining('AADSTS7000215'),
        remedy: expect.stringMatching(/secret/i),
      }),
    ]);
  });

  it('reports an invalid configuration as a failed check', async () => {
    const { ctx } = sb.context();
    const checks = await runPing(dataverseConnector, ctx, { ...sb.config(), url: 'http://insecure.example' });
    expect(checks).toEqual([expect.objectContaining({ name: 'configuration', ok: false })]);
  });
});
