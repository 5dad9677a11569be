/** Where a command writes: injectable so tests run commands in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress is drawn as a bar instead of plain lines. */
  isTty: boolean;
  env: Record<string, string | undefined>;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: Boolean(process.stderr.isTTY),
  env: process.env,
};

/** Exit statuses (DESIGN.md section 5). */
export const exitCodes = { completed: 0, failed: 1, usage: 2, partiallyFailed: 3 } as const;

/** A problem with what the user typed; exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
