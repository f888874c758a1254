import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Sees the output as it is passed through (e.g. to add up test counts). */
  onOutput?: (chunk: string) => void;
}

/** Runs a command to completion, passing its output through; resolves with its exit code. */
export function run(command: string, args: string[], options: RunOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['inherit', options.onOutput ? 'pipe' : 'inherit', options.onOutput ? 'pipe' : 'inherit'],
    });
    const { onOutput } = options;
    if (onOutput) {
      child.stdout?.on('data', (chunk: Buffer) => {
        process.stdout.write(chunk);
        onOutput(chunk.toString('utf8'));
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        process.stderr.write(chunk);
        onOutput(chunk.toString('utf8'));
      });
    }
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
