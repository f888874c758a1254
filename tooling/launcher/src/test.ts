// `npm test`: every check and test of the repo, against one real PostgreSQL.
// DATABASE_URL is used when set; otherwise one embedded server is started for the whole run, so the
// packages' test setups (which run in parallel) share it instead of racing to start their own.
import path from 'node:path';
import { ensureDatabase, findProjectRoot } from '@mlc/db';
import { createLogger } from '@mlc/logger';
import { run } from './run';
import { TestTally } from './summary';

const root = findProjectRoot(path.dirname(new URL(import.meta.url).pathname));
const logger = createLogger({ name: 'test', level: process.env['LOG_LEVEL'] ?? 'info' });
const database = await ensureDatabase({ databaseUrl: process.env['DATABASE_URL'], logger });
const tally = new TestTally();
let code = 1;
try {
  code = await run(
    process.execPath,
    [
      path.join(root, 'node_modules', 'turbo', 'bin', 'turbo'),
      'run',
      'lint',
      'typecheck',
      'build',
      'test',
      '--concurrency=2',
      '--output-logs=new-only',
      ...process.argv.slice(2),
    ],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url, NEXT_TELEMETRY_DISABLED: '1' },
      onOutput: (chunk) => tally.push(chunk),
    },
  );
} finally {
  await database.stop();
}
tally.end();
console.log(tally.summary());
if (code === 0 && tally.passed === 0) {
  console.log('no test ran: treating the run as failed');
  code = 1;
}
process.exit(code);
