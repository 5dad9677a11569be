/**
 * Runs the real `lifeboat` command in a child process, as a user would, and collects what it printed; and
 * sets up what the command's tests share: a control plane served over HTTP, a project made through the
 * command, and a namespace for it to back up.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { type RunningServer, serve } from '../../src/api/index.ts';
import type { ClusterEnv, TestbedEnv } from '../testbed/index.ts';
import { minioLocationBody, testMasterKey } from './control.ts';
import { apply, kubectl } from './kube.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function lifeboat(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/cli/main.ts', ...args], {
      env: { ...process.env, ...extraEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Serves a control plane over HTTP on a free port for the command to talk to: its data in `dataDir`, the
 * tests' master key, private targets allowed (the test bed's stores listen on 127.0.0.1) and its background
 * loops off. The caller closes it.
 */
export function serveForCli(dataDir: string): Promise<RunningServer> {
  return serve({
    port: 0,
    dataDir,
    env: { LIFEBOAT_MASTER_KEY: testMasterKey, LIFEBOAT_PRIVATE_TARGETS: 'allow' },
    log: pino({ level: process.env.LIFEBOAT_TEST_LOG ?? 'silent' }),
    jobs: { pollMs: 100, sweepMs: 500 },
    loops: { scheduler: 0, expiry: 0, sync: 0, health: 0 },
  });
}

/**
 * Sets `project` up through the command (`run` carries the server, token and project): creates it, a MinIO
 * location named `minio` under `prefix` (written to a file in `dir`), and registers `clusters` by name.
 * Fails the test with the command's output at the first step that fails.
 */
export async function setUpProjectByCli(
  run: (args: string[]) => Promise<CliRun>,
  options: {
    env: TestbedEnv;
    project: string;
    dir: string;
    prefix: string;
    clusters: Record<string, ClusterEnv>;
  },
): Promise<void> {
  const ok = (ran: CliRun, what: string) => assert.equal(ran.code, 0, `${what}: ${ran.stderr}${ran.stdout}`);
  const locationFile = join(options.dir, 'location.json');
  writeFileSync(locationFile, JSON.stringify(minioLocationBody(options.env, 'minio', options.prefix)));
  ok(await run(['project', 'create', options.project]), 'project create');
  ok(await run(['location', 'create', '--file', locationFile]), 'location create');
  for (const [name, cluster] of Object.entries(options.clusters))
    ok(await run(['cluster', 'register', name, '--kubeconfig', cluster.kubeconfig]), `register ${name}`);
}

/**
 * Creates namespace `ns` in `cluster` holding ConfigMap `settings` with `data`, and `more` objects: something
 * for the command to back up. The caller deletes the namespace.
 */
export async function namespaceWithSettings(
  env: TestbedEnv,
  cluster: ClusterEnv,
  ns: string,
  data: Record<string, string>,
  more: readonly object[] = [],
): Promise<void> {
  await kubectl(env, cluster, ['create', 'namespace', ns]);
  await apply(env, cluster, [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data },
    ...more,
  ]);
}
