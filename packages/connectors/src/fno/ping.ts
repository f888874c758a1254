import type { ConnectorContext } from '../core/context';
import { type PingCheck, type PingReporter, pingChecks } from '../core/define';
import { isConnectorError } from '../core/errors';
import { defaultTimeouts } from '../http/client';
import { type FnoConfig, readScopeOf } from './config';
import { customerGroupEntity, legalEntityEntity } from './entities';
import { ENTRA_APPLICATIONS_FORM, FnoApi, fnoError } from './odata';

/**
 * F&O diagnostics, in the order a person would fix them, each with what was seen and a remedy:
 *
 * 1. `token`: Entra ID issues a token for the environment (client id, secret, tenant).
 * 2. `warm-up`: the first call, with the long first-call timeout (a cold AOS builds its OData
 *    metadata cache first, fno.md §2), and how long it took. A bare 401 here means the app is not
 *    registered in F&O (System administration > Setup > Microsoft Entra applications) →
 *    `app_user_missing` with that remedy; the remaining checks are skipped.
 * 3. `legal-entities`: the legal entities the app's user can see (`LegalEntities`).
 * 4. `default-legal-entity` and `configured-legal-entities`: those the configuration names exist.
 * 5. `customer-group:<id>`: the customer group new customers get exists in that legal entity.
 * 6. `number-sequences`: number sequence setup is not exposed by the OData entities the connector
 *    uses, so it cannot be read here: the check says what the configuration relies on and where to
 *    look (and which number sequence a customer group names, when it names one).
 */
export async function pingFno(
  ctx: ConnectorContext,
  config: FnoConfig,
  report?: PingReporter,
): Promise<PingCheck[]> {
  const checks = pingChecks(report);
  const api = new FnoApi(ctx, config);
  const host = new URL(config.url).host;

  try {
    await ctx.http.authenticate(config.url, { signal: ctx.signal });
    checks.push({
      name: 'token',
      ok: true,
      detail: `Entra ID issued a token for https://${host.toLowerCase()}/.default to app ${config.clientId}.`,
    });
  } catch (error) {
    checks.push(failed('token', error));
    return checks;
  }

  const wasWarm = ctx.http.isWarm(config.url);
  try {
    const warm = await ctx.http.warmUp(api.url('LegalEntities?$select=LegalEntityId&$top=1'), {
      signal: ctx.signal,
    });
    checks.push({
      name: 'warm-up',
      ok: true,
      detail: wasWarm
        ? `F&O answered in ${warm.durationMs} ms (the connection had already made its first call).`
        : `F&O answered the first call in ${warm.durationMs} ms (allowed: ${defaultTimeouts.firstCallHeadersMs / 1000} s for a cold environment).`,
    });
  } catch (error) {
    const mapped = fnoError(error, config);
    checks.push(
      failed('warm-up', mapped, {
        upstream_unavailable:
          'The environment did not answer in time. It may be starting (after maintenance or a restart the first call ' +
          'builds the OData metadata cache; System administration > Setup > System parameters > "Build metadata cache ' +
          'when AOS starts" does it at start-up instead). Try again in a few minutes.',
      }),
    );
    return checks;
  }

  let visible: Map<string, string>;
  try {
    const rows = await api.all(
      `LegalEntities?$select=${legalEntityEntity.select.join(',')}`,
      legalEntityEntity.row,
      'live',
    );
    visible = new Map(rows.map((row) => [row.LegalEntityId.toLowerCase(), row.Name]));
  } catch (error) {
    checks.push(failed('legal-entities', error));
    return checks;
  }
  const list = [...visible].map(([id, name]) => (name ? `${id} (${name})` : id)).join(', ');
  const accessRemedy =
    `Give the F&O user the app is mapped to (${ENTRA_APPLICATIONS_FORM}) roles in the legal entities it must use ` +
    '(System administration > Users > Users > the user > Assign organizations), or correct the legal entity ids in the connection.';
  checks.push(
    visible.size > 0
      ? {
          name: 'legal-entities',
          ok: true,
          detail: `The app's user sees ${visible.size} legal entities: ${list}.`,
        }
      : {
          name: 'legal-entities',
          ok: false,
          detail: 'The app sees no legal entities.',
          remedy: accessRemedy,
        },
  );

  const defaultVisible = visible.has(config.defaultLegalEntity);
  checks.push(
    defaultVisible
      ? {
          name: 'default-legal-entity',
          ok: true,
          detail: `Default legal entity ${config.defaultLegalEntity} (${visible.get(config.defaultLegalEntity) || 'no name'}) exists.`,
        }
      : {
          name: 'default-legal-entity',
          ok: false,
          detail: `The default legal entity ${config.defaultLegalEntity} is not among those the app sees (${list || 'none'}).`,
          remedy: `Set the default legal entity to one of ${list || 'the legal entities of the environment'}. ${accessRemedy}`,
        },
  );

  const scope = readScopeOf(config);
  const named = [
    ...new Set([...Object.keys(config.legalEntitySettings), ...(scope === 'cross-company' ? [] : scope)]),
  ].sort();
  const missing = named.filter((id) => !visible.has(id));
  checks.push(
    missing.length === 0
      ? {
          name: 'configured-legal-entities',
          ok: true,
          detail: `Every legal entity the connection names exists (${named.join(', ')}); sources read ${scope === 'cross-company' ? 'every company (cross-company)' : scope.join(', ')}.`,
        }
      : {
          name: 'configured-legal-entities',
          ok: false,
          detail: `Not found: ${missing.join(', ')} (the app sees ${list || 'none'}).`,
          remedy: accessRemedy,
        },
  );

  const sequences: string[] = [];
  for (const [legalEntity, settings] of Object.entries(config.legalEntitySettings)) {
    if (!visible.has(legalEntity)) continue;
    const name = `customer-group:${legalEntity}`;
    try {
      const group = await api.getEntity(
        customerGroupEntity.entitySet,
        customerGroupEntity.keyFields,
        { dataAreaId: legalEntity, CustomerGroupId: settings.customerGroupId },
        customerGroupEntity.row,
        { select: customerGroupEntity.select, companyScoped: true, priority: 'live' },
      );
      if (group) {
        checks.push({
          name,
          ok: true,
          detail: `Customer group ${group.CustomerGroupId} (${group.Description || 'no description'}) exists in ${legalEntity}.`,
        });
        if (group.CustomerAccountNumberSequence) {
          sequences.push(
            `customer group ${group.CustomerGroupId} in ${legalEntity} takes accounts from number sequence ${group.CustomerAccountNumberSequence}`,
          );
        }
      } else {
        checks.push({
          name,
          ok: false,
          detail: `Customer group ${settings.customerGroupId} does not exist in ${legalEntity}.`,
          remedy: `Create it in F&O (company ${legalEntity}: Accounts receivable > Setup > Customers > Customer groups), or set the connection's customer group for ${legalEntity} to an existing one.`,
        });
      }
    } catch (error) {
      checks.push(failed(name, error));
    }
  }

  const relies = Object.entries(config.legalEntitySettings).map(
    ([legalEntity, settings]) =>
      `${legalEntity}: customer accounts ${settings.customerAccounts === 'manual' ? 'manual (CRM account numbers)' : 'from the number sequence'}, ` +
      `sales orders ${settings.salesOrderNumbers === 'manual' ? `manual (${config.salesOrderNumberPrefix || 'no prefix'} + CRM order number)` : 'from the number sequence'}`,
  );
  checks.push({
    name: 'number-sequences',
    ok: true,
    detail:
      `Not checked: the number sequence setup is not exposed by the OData entities this connector uses. The connection relies on ${relies.join('; ')}.` +
      (sequences.length > 0 ? ` Seen: ${sequences.join('; ')}.` : ''),
    remedy:
      'In F&O, Organization administration > Number sequences > Number sequences: for every legal entity set to manual ' +
      'here, the customer account / sales order sequence must have "Manual" = Yes (else F&O refuses our numbers); ' +
      'the others must not be exhausted.',
  });
  return checks;
}

function failed(name: string, error: unknown, remedies: Partial<Record<string, string>> = {}): PingCheck {
  if (isConnectorError(error)) {
    const remedy = remedies[error.code] ?? error.remedy;
    const upstream =
      error.upstream?.message && !error.message.includes(error.upstream.message)
        ? ` (${error.upstream.message})`
        : '';
    return {
      name,
      ok: false,
      detail: `${error.code}: ${error.message}${upstream}`,
      ...(remedy ? { remedy } : {}),
    };
  }
  return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
}
