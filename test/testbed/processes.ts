/**
 * Starting, watching and stopping the test bed's processes. Each runs detached in its own process group
 * with its output in a log file, so `testbed up` can return while they keep running; `down` stops exactly
 * the processes recorded here (checking the pid still runs the same program) and nothing else.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process the test bed started. */
export interface ManagedProcess {
  name: string;
  pid: number;
  /** Absolute path of the executable, to recognise the pid later. */
  executable: string;
  log: string;
}

/** Everything needed to start one process. */
export interface ProcessSpec {
  name: string;
  executable: string;
  args: string[];
  log: string;
  env?: Record<string, string>;
  cwd?: string;
}

/** Starts a detached process writing stdout and stderr to `spec.log`. */
export function startProcess(spec: ProcessSpec): ManagedProcess {
  const fd = openSync(spec.log, 'a');
  try {
    const child = spawn(spec.executable, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...minimalEnv(), ...spec.env },
      cwd: spec.cwd,
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.executable})`);
    child.unref();
    return { name: spec.name, pid: child.pid, executable: spec.executable, log: spec.log };
  } finally {
    closeSync(fd);
  }
}

/** Components get PATH and HOME only: no cloud credentials or proxies leak in from the caller. */
function minimalEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** True while `proc.pid` is alive and still runs the program we started (pids get reused). */
export function isRunning(proc: ManagedProcess): boolean {
  try {
    process.kill(proc.pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state; Z is a zombie awaiting its parent.
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    const cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((part) => part === proc.executable);
  } catch {
    return false;
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. Resolves once it is gone. */
export async function stopProcess(proc: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (!isRunning(proc)) return;
  signalGroup(proc.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(proc) && Date.now() < deadline) await sleep(50);
  if (isRunning(proc)) {
    signalGroup(proc.pid, 'SIGKILL');
    while (isRunning(proc)) await sleep(20);
  }
  // Children left in the group (none of our components fork, but be sure) go too.
  signalGroup(proc.pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** The last lines of a log, to explain a failed start. */
export function logTail(log: string, lines = 25): string {
  try {
    return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `probe` until it returns true. Fails when `proc` exits first (with its log tail) or on timeout.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  options: { proc?: ManagedProcess; timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const { proc, timeoutMs = 60_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (proc && !isRunning(proc)) {
      throw new Error(`${proc.name} exited before ${what}; last lines of ${proc.log}:\n${logTail(proc.log)}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const detail = proc ? `; last lines of ${proc.log}:\n${logTail(proc.log)}` : '';
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what} (${String(lastError ?? 'not ready')})${detail}`,
  );
}

/** Reserves `count` distinct free loopback ports. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port assigned');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** The registry of started processes, kept in a file so a later `down` finds them. */
export class ProcessRegistry {
  readonly file: string;
  private processes: ManagedProcess[] = [];
  private saving: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.file = file;
  }

  static async load(file: string): Promise<ManagedProcess[]> {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as ManagedProcess[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** Starts a process and records it before anything can fail. */
  async start(spec: ProcessSpec): Promise<ManagedProcess> {
    const proc = startProcess(spec);
    this.processes.push(proc);
    await this.save();
    return proc;
  }

  list(): readonly ManagedProcess[] {
    return this.processes;
  }

  private save(): Promise<void> {
    const snapshot = JSON.stringify(this.processes, null, 2);
    this.saving = this.saving.then(async () => {
      await writeFile(`${this.file}.tmp`, snapshot);
      await rename(`${this.file}.tmp`, this.file);
    });
    return this.saving;
  }
}

/** Stops processes: Kubernetes control planes first, their etcd and the stores after. */
export async function stopAll(processes: readonly ManagedProcess[]): Promise<void> {
  const late = (p: ManagedProcess) => p.name.endsWith('etcd');
  await Promise.all(processes.filter((p) => !late(p)).map((p) => stopProcess(p)));
  await Promise.all(processes.filter(late).map((p) => stopProcess(p)));
}
