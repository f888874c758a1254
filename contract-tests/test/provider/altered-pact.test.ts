import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pactFile } from '../support/paths';
import { type ProviderWorld, startProviderWorld } from '../support/provider-world';
import { dataverseStates } from '../support/states';
import { verifyAgainstSandbox } from '../support/verify';

/**
 * The contracts have teeth: a deliberately altered copy of the generated Dataverse pact must fail
 * verification against the sandbox. Two alterations, each in its own copy:
 * - a property name in a response (`UserId` → `UserID` in WhoAmI): what a sandbox (or service)
 *   renaming a property looks like;
 * - a query option in a request (`$select` naming a column that does not exist): what a connector
 *   sending another query looks like.
 */
let world: ProviderWorld;
let dir: string;
beforeAll(async () => {
  world = await startProviderWorld();
  dir = await mkdtemp(path.join(tmpdir(), 'mlc-altered-pact-'));
});
afterAll(async () => {
  await world?.close();
  await rm(dir, { recursive: true, force: true });
});

interface PactJson {
  interactions: {
    description: string;
    request: { query?: Record<string, string[]> };
    response: { body?: Record<string, unknown> };
  }[];
}

async function alteredCopy(name: string, alter: (pact: PactJson) => void): Promise<string> {
  const pact = JSON.parse(await readFile(pactFile('dataverse'), 'utf8')) as PactJson;
  alter(pact);
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(pact, null, 2));
  return file;
}

function only(pact: PactJson, description: string): PactJson['interactions'][number] {
  pact.interactions = pact.interactions.filter((i) => i.description === description);
  const [interaction] = pact.interactions;
  if (!interaction) throw new Error(`the Dataverse pact has no interaction "${description}"`);
  return interaction;
}

describe('an altered pact fails verification', () => {
  it('a renamed property in a response (WhoAmI UserId → UserID)', async () => {
    const file = await alteredCopy('renamed-property', (pact) => {
      const body = only(pact, 'WhoAmI').response.body ?? {};
      body['UserID'] = body['UserId'];
      delete body['UserId'];
    });
    const failure = await verifyAgainstSandbox(world, 'dataverse', {
      pactUrl: file,
      stateHandlers: dataverseStates(world),
    }).then(
      () => undefined,
      (error: unknown) => String(error),
    );
    expect(failure).toMatch(/UserID/);
  });

  it('another query option in a request ($select of a column that does not exist)', async () => {
    const file = await alteredCopy('changed-query', (pact) => {
      const query = only(pact, 'the application user, by its id').request.query ?? {};
      query['$select'] = ['fullname,applicationid,isdisabled,mlc_nosuchcolumn'];
    });
    const failure = await verifyAgainstSandbox(world, 'dataverse', {
      pactUrl: file,
      stateHandlers: dataverseStates(world),
    }).then(
      () => undefined,
      (error: unknown) => String(error),
    );
    expect(failure).toMatch(/expected 200 but was 400/);
  });
});
