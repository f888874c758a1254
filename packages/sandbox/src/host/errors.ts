/** The sandbox could not start: a port is taken, the state directory is unusable, ... */
export class SandboxStartError extends Error {
  override readonly name = 'SandboxStartError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A file under the state directory exists but cannot be used (corrupt, wrong shape). */
export class SandboxStateError extends Error {
  override readonly name = 'SandboxStateError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}
