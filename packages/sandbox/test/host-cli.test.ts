import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sandboxDescriptorSchema } from '../src/descriptor';
import { msalApp, sandboxClient, tempStateDir } from './host.fixtures';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Started {
  child: ChildProcess;
  readyLine: string;
  exited: Promise<number | null>;
}

/** `node --import tsx src/main.ts ...` on free ports, resolved when it prints its ready line. */
/** Every CLI a test started; killed after each test so a failed assertion leaves no process behind. */
const started = new Set<ChildProcess>();
afterEach(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
});

function startCli(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: packageDir,
    env: {
      ...process.env,
      SANDBOX_ENTRA_PORT: '0',
      SANDBOX_DATAVERSE_PORT: '0',
      SANDBOX_FNO_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const line = output.split('\n').find((candidate) => candidate.startsWith('sandbox ready:'));
      if (line) {
        child.stdout?.off('data', onData);
        resolve({ child, readyLine: line, exited });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    void exited.then((code) =>
      reject(new Error(`the sandbox exited (${code}) before it was ready:\n${output}`)),
    );
  });
}

describe('npm run sandbox', () => {
  it('writes sandbox.json, prints one ready line, answers WhoAmI with its own token, and stops on SIGTERM', async () => {
    const state = await tempStateDir();
    try {
      const first = await startCli(['--state-dir', state.dir]);
      const match =
        /^sandbox ready: entra (https:\/\/127\.0\.0\.1:\d+), dataverse (https:\/\/127\.0\.0\.1:\d+), fno (https:\/\/127\.0\.0\.1:\d+) \(descriptor: (.+)\)$/.exec(
          first.readyLine,
        );
      expect(match, first.readyLine).not.toBeNull();
      expect(match?.[4]).toBe(path.join(state.dir, 'sandbox.json'));

      const descriptor = sandboxDescriptorSchema.parse(
        JSON.parse(await readFile(path.join(state.dir, 'sandbox.json'), 'utf8')),
      );
      expect(descriptor.entra.authorityHost).toBe(match?.[1]);
      expect(descriptor.sales.url).toBe(match?.[2]);
      expect(descriptor.fno).toMatchObject({ url: match?.[3], clientId: descriptor.sales.clientId });
      expect(descriptor.fno?.legalEntities).toEqual(expect.arrayContaining(['usmf', 'demf']));

      const client = sandboxClient(await readFile(descriptor.caCertPath, 'utf8'));
      try {
        const app = msalApp({
          entraUrl: descriptor.entra.authorityHost,
          tenantId: descriptor.entra.tenantId,
          clientId: descriptor.sales.clientId,
          clientSecret: descriptor.sales.clientSecret,
          agent: client.agent,
        });
        const token = await app.acquireTokenByClientCredential({
          scopes: [`${descriptor.sales.url}/.default`],
        });
        const whoAmI = await client.get(`${descriptor.sales.url}/api/data/v9.2/WhoAmI`, {
          authorization: `Bearer ${token?.accessToken ?? ''}`,
          accept: 'application/json',
        });
        expect(whoAmI.status).toBe(200);
      } finally {
        await client.close();
      }

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = await startCli(['--state-dir', state.dir, '--reset']);
      const again = sandboxDescriptorSchema.parse(
        JSON.parse(await readFile(path.join(state.dir, 'sandbox.json'), 'utf8')),
      );
      expect(again.sales.clientSecret).toBe(descriptor.sales.clientSecret);
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    } finally {
      await state.remove();
    }
  });
});
