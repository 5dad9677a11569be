/**
 * Node's process warnings (a library's deprecation, such as DEP0169 for `url.parse()`) as JSON log lines of
 * a long-running command, instead of text Node prints to stderr in the middle of what the command says to
 * people. Warnings raised before the log exists are kept and written once it does.
 */
import type { Logger } from 'pino';

/** What a warning carries that is worth a log line (its stack only says which library). */
function fields(warning: Error): Record<string, unknown> {
  const code = (warning as Error & { code?: unknown }).code;
  return { warning: { name: warning.name, ...(typeof code === 'string' ? { code } : {}) } };
}

/**
 * Replaces Node's printing of process warnings with log lines; call it before starting. The returned
 * function gives it the log: until then warnings wait in memory (a few, at most one per kind from Node).
 */
export function logProcessWarnings(): (log: Logger) => void {
  const early: Error[] = [];
  let target: Logger | undefined;
  // Node prints warnings through its own 'warning' listener: removing it leaves the printing to us.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (target) target.warn(fields(warning), warning.message);
    else early.push(warning);
  });
  return (log) => {
    target = log;
    for (const warning of early.splice(0)) log.warn(fields(warning), warning.message);
  };
}
