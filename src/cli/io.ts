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

/** The exit status of a finished backup or restore: 0 Completed, 3 PartiallyFailed, 1 otherwise. */
export function phaseExitCode(phase: string): number {
  if (phase === 'Completed') return exitCodes.completed;
  if (phase === 'PartiallyFailed') return exitCodes.partiallyFailed;
  return exitCodes.failed;
}

/** A problem with what the user typed; exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
