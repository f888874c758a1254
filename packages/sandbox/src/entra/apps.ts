import { randomInt, randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { SandboxApp } from '../core/contracts';
import { SandboxStateError } from '../host/errors';
import { readIfExists, writeFileAtomic } from '../host/files';

/** An app registration of the sandbox tenant, with its service principal's object id. */
export interface EntraApp extends SandboxApp {
  /** Object id of the app's service principal: the `oid` (and `sub`) of its tokens. */
  objectId: string;
}

export const MAIN_APP_NAME = 'ml-connector';
export const MISCONFIGURED_APP_NAME = 'ml-connector (not an application user)';
const TENANT_DISPLAY_NAME = 'ml-connector sandbox';

const appSchema = z.object({
  clientId: z.uuid(),
  clientSecret: z.string().min(1),
  displayName: z.string().min(1),
  objectId: z.uuid(),
  dataverseApplicationUser: z.boolean(),
  fnoEntraApplication: z.boolean(),
});

const appsFileSchema = z.object({
  version: z.literal(1),
  tenantId: z.uuid(),
  tenantDisplayName: z.string().min(1),
  apps: z.array(appSchema).min(1),
});

type AppsFile = z.infer<typeof appsFileSchema>;

/**
 * The tenant and its app registrations, generated once per install (random ids and secrets) and kept
 * in `<stateDir>/entra/apps.json` (mode 600). `--reset` keeps them: connections configured with the
 * sandbox credentials keep working.
 */
export class AppRegistry {
  private constructor(private readonly file: AppsFile) {}

  static async open(stateDir: string): Promise<AppRegistry> {
    const file = path.resolve(stateDir, 'entra', 'apps.json');
    const text = await readIfExists(file);
    if (text === undefined) {
      const created = createAppsFile();
      await writeFileAtomic(file, `${JSON.stringify(created, null, 2)}\n`);
      return new AppRegistry(created);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new SandboxStateError(file, 'not JSON; delete it to generate new app registrations', {
        cause: error,
      });
    }
    const result = appsFileSchema.safeParse(parsed);
    if (!result.success) {
      throw new SandboxStateError(
        file,
        `unexpected content (${result.error.issues[0]?.message ?? 'invalid'})`,
      );
    }
    return new AppRegistry(result.data);
  }

  get tenantId(): string {
    return this.file.tenantId;
  }

  get tenantDisplayName(): string {
    return this.file.tenantDisplayName;
  }

  list(): readonly EntraApp[] {
    return this.file.apps;
  }

  /** Client ids compare case-insensitively, as GUIDs do in Entra. */
  find(clientId: string): EntraApp | undefined {
    const wanted = clientId.toLowerCase();
    return this.file.apps.find((app) => app.clientId.toLowerCase() === wanted);
  }

  /** The app the product connects with (Application User in Dataverse, Entra application in F&O). */
  main(): EntraApp {
    const app =
      this.file.apps.find((candidate) => candidate.displayName === MAIN_APP_NAME) ?? this.file.apps[0];
    if (!app) throw new Error('the sandbox tenant has no app registration');
    return app;
  }
}

function createAppsFile(): AppsFile {
  return {
    version: 1,
    tenantId: randomUUID(),
    tenantDisplayName: TENANT_DISPLAY_NAME,
    apps: [
      newApp(MAIN_APP_NAME, { dataverseApplicationUser: true, fnoEntraApplication: true }),
      newApp(MISCONFIGURED_APP_NAME, { dataverseApplicationUser: false, fnoEntraApplication: false }),
    ],
  };
}

function newApp(
  displayName: string,
  access: Pick<SandboxApp, 'dataverseApplicationUser' | 'fnoEntraApplication'>,
): EntraApp {
  return {
    clientId: randomUUID(),
    clientSecret: generateClientSecret(),
    displayName,
    objectId: randomUUID(),
    ...access,
  };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_ALPHABET = `${ALPHANUMERIC}~._-`;

/**
 * A client secret shaped like Entra's current ones: 40 characters, a 3-character prefix, the `8Q~`
 * version marker, then 34 characters from letters, digits and `~._-`.
 */
export function generateClientSecret(): string {
  const pick = (alphabet: string, count: number) =>
    Array.from({ length: count }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${pick(ALPHANUMERIC, 3)}8Q~${pick(SECRET_ALPHABET, 34)}`;
}
