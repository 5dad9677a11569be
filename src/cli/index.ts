/** The `lifeboat` command line. */
export { type CliIo, exitCodes, processIo, UsageError } from './io.ts';
export { runCli } from './program.ts';
