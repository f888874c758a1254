import type { AnyConnector } from './core/define';
import { dataverseConnector } from './dataverse/connector';
import { fnoConnector } from './fno/connector';

/**
 * Every connector the product knows. The conformance test (`registry.test.ts`) runs over this
 * list. Adding a system: a folder with its `defineConnector(...)` and one line here.
 */
export const connectors: readonly AnyConnector[] = [dataverseConnector, fnoConnector];

export function findConnector(id: string): AnyConnector | undefined {
  return connectors.find((connector) => connector.id === id);
}
