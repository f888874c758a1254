/**
 * `npm run soak -- <scenario> [--flag value …]`: runs one reliability scenario against the sandbox,
 * prints its figures and exits non-zero when a figure misses its pass condition.
 */
import { loadavg } from 'node:os';
import type { Flags, SoakOutcome, SoakScenario } from './scenario';
import { runBadInput } from './scenarios/bad-input';
import { runCrash } from './scenarios/crash';
import { runDuplicates } from './scenarios/duplicates';
import { runFaults } from './scenarios/faults';
import { runIsolation } from './scenarios/isolation';
import { runPause } from './scenarios/pause';

const scenarios: Record<string, SoakScenario> = {
  crash: runCrash,
  faults: runFaults,
  duplicates: runDuplicates,
  'bad-input': runBadInput,
  isolation: runIsolation,
  pause: runPause,
};

function parseFlags(args: string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i += 1) {
    const flag = args[i] ?? '';
    if (!flag.startsWith('--')) continue;
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) flags[flag.slice(2)] = 'true';
    else {
      flags[flag.slice(2)] = value;
      i += 1;
    }
  }
  return flags;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

function print(name: string, outcome: SoakOutcome, seconds: number): boolean {
  say(
    `\n${name} (${seconds} s, load ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')})`,
  );
  say(`parameters: ${JSON.stringify(outcome.parameters)}`);
  const width = Math.max(...outcome.figures.map((f) => f.name.length), 10);
  let ok = true;
  for (const figure of outcome.figures) {
    const verdict = figure.ok === undefined ? '' : figure.ok ? '  ok' : '  FAILED';
    if (figure.ok === false) ok = false;
    const expect = figure.expect ? ` (must be ${figure.expect})` : '';
    say(`  ${figure.name.padEnd(width)}  ${String(figure.value)}${expect}${verdict}`);
  }
  return ok;
}

const [name, ...rest] = process.argv.slice(2);
const scenario = name ? scenarios[name] : undefined;
if (!name || !scenario) {
  process.stderr.write(`usage: npm run soak -- <${Object.keys(scenarios).join('|')}> [--flag value …]\n`);
  process.exit(2);
}
const started = Date.now();
const outcome = await scenario(parseFlags(rest));
const ok = print(name, outcome, Math.round((Date.now() - started) / 1000));
process.exit(ok ? 0 : 1);
