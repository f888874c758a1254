import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FNO_SEED_FACTS } from '@mlc/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchPactFile, pactFile } from '../support/paths';
import { type ProviderWorld, startProviderWorld } from '../support/provider-world';
import { dataverseStates, fnoStates } from '../support/states';
import { verifyAgainstSandbox } from '../support/verify';

/**
 * The contracts have teeth: a deliberately altered copy of the generated Dataverse pact must fail
 * verification against the sandbox. Two alterations, each in its own copy:
 * - a property name in a response (`UserId` → `UserID` in WhoAmI): what a sandbox (or service)
 *   renaming a property looks like;
 * - a query option in a request (`$select` naming a column that does not exist): what a connector
 *   sending another query looks like;
 * - a property name inside a `$batch` answer's part (the created line's `InventoryLotId` →
 *   `InventoryLotID`, in the V4 pact of F&O's `$batch` interactions): what a service renaming a
 *   property the connector reads from a changeset's part looks like.
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

/** The parts of a V4 `$batch` interaction this test alters (README "`$batch`"). */
interface BatchPactJson {
  interactions: {
    description: string;
    response: {
      body: { content: string; encoded?: string | boolean };
      matchingRules: { body: { $: { matchers: { match: string; regex?: string }[] } } };
    };
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

  it('a renamed property inside a $batch answer part (the created line: InventoryLotId → InventoryLotID)', async () => {
    const description = 'a sales order header and its line in one $batch changeset';
    const pact = JSON.parse(await readFile(batchPactFile('fno'), 'utf8')) as BatchPactJson;
    pact.interactions = pact.interactions.filter((i) => i.description === description);
    const [interaction] = pact.interactions;
    if (!interaction) throw new Error(`the F&O $batch pact has no interaction "${description}"`);
    const rename = (text: string) => text.replaceAll('"InventoryLotId"', '"InventoryLotID"');
    const rules = interaction.response.matchingRules.body.$.matchers;
    expect(rules.some((rule) => rule.regex?.includes('"InventoryLotId"'))).toBe(true);
    for (const rule of rules) if (rule.regex) rule.regex = rename(rule.regex);
    const body = interaction.response.body;
    body.content = Buffer.from(rename(Buffer.from(body.content, 'base64').toString('utf8'))).toString(
      'base64',
    );
    const file = path.join(dir, 'renamed-batch-property.json');
    await writeFile(file, JSON.stringify(pact, null, 2));
    const failure = await verifyAgainstSandbox(world, 'fno', {
      pactUrl: file,
      stateHandlers: fnoStates(world, { customer: 'ACC-10001', item: FNO_SEED_FACTS.commonItem }),
    }).then(
      () => undefined,
      (error: unknown) => String(error),
    );
    expect(failure).toMatch(/InventoryLotID/);
    expect(failure).toMatch(/has a matching body|to match/);
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
