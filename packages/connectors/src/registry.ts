import type { AnyConnector } from './core/define';

/**
 * Every connector the product knows. The conformance test (`registry.test.ts`) runs over this
 * list. Adding a system: a folder with its `defineConnector(...)` and one line here.
 *
 * The Dynamics 365 Sales (`dataverse`) and F&O (`fno`) connectors are added here as soon as they
 * exist (they need the sandbox simulators to be tested against).
 */
export const connectors: readonly AnyConnector[] = [];

export function findConnector(id: string): AnyConnector | undefined {
  return connectors.find((connector) => connector.id === id);
}
