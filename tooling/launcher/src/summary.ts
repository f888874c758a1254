// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are control characters
const ANSI = /\u001b\[[0-9;]*m/g;

/** Adds up vitest's per-package "Tests  N passed | M failed | K skipped" lines. */
export class TestTally {
  passed = 0;
  failed = 0;
  skipped = 0;
  private pending = '';

  /** Feed output as it arrives; lines may be split across chunks. */
  push(chunk: string): void {
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  end(): void {
    if (this.pending) this.line(this.pending);
    this.pending = '';
  }

  /** The closing line CI reads: `tests: N passed, N failed, N skipped`. */
  summary(): string {
    return `tests: ${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped`;
  }

  private line(raw: string): void {
    const line = raw.replace(ANSI, '');
    const match = /\bTests\s+(.*\(\d+\))\s*$/.exec(line);
    if (!match?.[1]) return;
    this.passed += count(match[1], 'passed');
    this.failed += count(match[1], 'failed');
    this.skipped += count(match[1], 'skipped');
  }
}

function count(text: string, word: string): number {
  const found = new RegExp(`(\\d+) ${word}`).exec(text);
  return found?.[1] ? Number(found[1]) : 0;
}
