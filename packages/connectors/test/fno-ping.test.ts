import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fnoConnector, runPing } from '../src/index';
import { COLD_START_MS, type FnoSandbox, startFnoSandbox } from './fno-sandbox';

/**
 * `ping` against a freshly started sandbox F&O (cold: its first call waits `coldStartMs`), for the
 * main app, the app that is not registered in F&O (bare 401), and configurations naming a legal
 * entity or customer group that do not exist.
 */

let sb: FnoSandbox;

beforeAll(async () => {
  sb = await startFnoSandbox({ coldStartMs: COLD_START_MS });
});

afterAll(async () => {
  await sb?.close();
});

describe('F&O ping (sandbox, HTTPS, msal-node tokens)', () => {
  it('main app: token, cold-start warm-up with its duration, legal entities, customer groups, number sequences', async () => {
    const { ctx, config } = sb.context();
    const checks = await runPing(fnoConnector, ctx, config);
    expect(checks.map((check) => [check.name, check.ok])).toEqual([
      ['token', true],
      ['warm-up', true],
      ['legal-entities', true],
      ['default-legal-entity', true],
      ['configured-legal-entities', true],
      ['customer-group:usmf', true],
      ['customer-group:demf', true],
      ['number-sequences', true],
    ]);
    const byName = new Map(checks.map((check) => [check.name, check]));
    const warmUp = /answered the first call in (\d+) ms/.exec(byName.get('warm-up')?.detail ?? '');
    expect(Number(warmUp?.[1])).toBeGreaterThanOrEqual(COLD_START_MS - 20);
    expect(byName.get('legal-entities')?.detail).toMatch(/sees 2 legal entities: .*usmf.*demf|demf.*usmf/);
    expect(byName.get('number-sequences')?.detail).toMatch(/^Not checked: .*usmf: customer accounts manual/);
    expect(byName.get('number-sequences')?.remedy).toMatch(/Organization administration > Number sequences/);
    // A second ping finds the environment warm.
    const again = await runPing(fnoConnector, ctx, config);
    expect(again.find((check) => check.name === 'warm-up')?.detail).toMatch(
      /had already made its first call/,
    );
  });

  it('the app not registered in F&O: Entra issues a token, F&O answers a bare 401 → app_user_missing with the remedy', async () => {
    const { ctx, config } = sb.context(sb.misconfiguredApp);
    const checks = await runPing(fnoConnector, ctx, config);
    expect(checks.map((check) => [check.name, check.ok])).toEqual([
      ['token', true],
      ['warm-up', false],
    ]);
    const warmUp = checks[1];
    expect(warmUp?.detail).toMatch(/^app_user_missing: .*HTTP 401/);
    expect(warmUp?.remedy).toContain('System administration > Setup > Microsoft Entra applications');
    expect(warmUp?.remedy).toContain(sb.misconfiguredApp.clientId);
  });

  it('a wrong client secret fails the token check with Entra’s AADSTS code and a remedy', async () => {
    const { ctx, config } = sb.context(undefined, { clientSecret: 'not-the-secret' });
    const checks = await runPing(fnoConnector, ctx, config);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      name: 'token',
      ok: false,
      detail: expect.stringMatching(/AADSTS7000215/),
    });
    expect(checks[0]?.remedy).toMatch(/client secret is wrong or expired/);
  });

  it('a legal entity or customer group that does not exist fails with a plain-words remedy', async () => {
    const { ctx, config } = sb.context(undefined, {
      defaultLegalEntity: 'gbsi',
      legalEntitySettings: {
        gbsi: { customerGroupId: '10', currencyCode: 'GBP' },
        usmf: { customerGroupId: 'NOPE', currencyCode: 'USD' },
      },
    });
    const checks = await runPing(fnoConnector, ctx, config);
    const failed = checks.filter((check) => !check.ok);
    expect(failed.map((check) => check.name)).toEqual([
      'default-legal-entity',
      'configured-legal-entities',
      'customer-group:usmf',
    ]);
    expect(failed[0]?.detail).toMatch(/gbsi is not among those the app sees/);
    expect(failed[0]?.remedy).toMatch(/Set the default legal entity to one of/);
    expect(failed[2]?.remedy).toMatch(/Accounts receivable > Setup > Customers > Customer groups/);
  });

  it('an invalid configuration is a failed check, not an exception', async () => {
    const { ctx } = sb.context();
    const checks = await runPing(fnoConnector, ctx, { url: 'http://10.0.0.1/', defaultLegalEntity: 'usmf' });
    expect(checks).toEqual([expect.objectContaining({ name: 'configuration', ok: false })]);
  });
});
