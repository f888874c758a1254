import { ConnectorError } from '../core/errors';

/**
 * The client-credentials scope for one environment: `https://{host}/.default`, host in lower case,
 * no trailing slash, the port kept when it is not the default (a sandbox host). A token for one
 * host is not accepted by another (audience check), hence one token per environment host.
 */
export function resourceScope(resource: string): string {
  let url: URL;
  try {
    url = new URL(resource.includes('://') ? resource : `https://${resource}`);
  } catch {
    throw new ConnectorError('invalid_config', `"${resource}" is not an environment URL or host.`, {
      remedy: 'Use the environment URL, for example https://contoso.crm.dynamics.com.',
    });
  }
  return `https://${url.host.toLowerCase()}/.default`;
}
