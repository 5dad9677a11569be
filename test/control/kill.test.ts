/**
 * A server killed with SIGKILL in the middle of a backup restarts into a consistent state: the backup is not
 * shown as running, its partial files are gone from the location, and new work runs.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openObjectStore, parseLocation } from '../../src/storage/index.ts';
import { kubeconfigText, minioLocationBody, testMasterKey } from '../support/control.ts';
import { apply, eventually, kubectl, uniqueName } from '../support/kube.ts';
import { minioCredentials, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';

type Json = Record<string, unknown>;

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function startServer(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--port', '0', '--data', dataDir], {
    env: {
      ...process.env,
      LIFEBOAT_MASTER_KEY: testMasterKey,
      LIFEBOAT_LOG_LEVEL: 'warn',
      // The test bed's MinIO is on 127.0.0.1.
      LIFEBOAT_PRIVATE_TARGETS: 'allow',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d;
  });
  return eventually(
    'the server to listen',
    async () => {
      if (child.exitCode !== null) throw new Error(`serve exited: ${output}`);
      const url = output.match(/serving on (http:\/\/\S+)/)?.[1];
      return url ? { child, url, output: () => output } : undefined;
    },
    60_000,
  );
}

describe('a server killed mid-backup', () => {
  let env: TestbedEnv;
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-kill-'));
  const prefix = uniqueName('kill');
  const ns = uniqueName('bulk');
  let server: Server | undefined;

  before(async () => {
    env = await useTestbed();
    const [a] = env.clusters;
    assert.ok(a);
    await kubectl(env, a, ['create', 'namespace', ns]);
    // Enough data that the backup runs for a while: 600 ConfigMaps of 16 KiB.
    const filler = 'x'.repeat(16 * 1024);
    await apply(
      env,
      a,
      Array.from({ length: 600 }, (_, i) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `c${i}`, namespace: ns },
        data: { filler },
      })),
    );
  });
  after(() => {
    server?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('restarts with the backup Failed (interrupted), its partial files removed, and runs new backups', async () => {
    server = await startServer(dataDir);
    // A second process on the same embedded store is refused (it would corrupt it).
    const second = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--port', '0', '--data', dataDir], {
      env: { ...process.env, LIFEBOAT_MASTER_KEY: testMasterKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let secondOutput = '';
    second.stderr?.on('data', (d: Buffer) => {
      secondOutput += d;
    });
    const secondExit = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    assert.equal(secondExit, 1);
    assert.match(secondOutput, /embedded store in .* is in use by process \d+/);
    const token = server.output().match(/lbt_[A-Za-z0-9_-]+/)?.[0];
    assert.ok(token, server.output());
    const call = async (
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: Json }> => {
      const response = await fetch(`${server?.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const [a] = env.clusters;
    assert.ok(a);
    assert.equal((await call('POST', '/projects', { name: 'p' })).status, 201);
    assert.equal(
      (await call('POST', '/projects/p/clusters', { name: 'a', kubeconfig: kubeconfigText(a) })).body.health,
      'Healthy',
    );
    assert.equal(
      (await call('POST', '/projects/p/locations', minioLocationBody(env, 'minio', prefix))).status,
      201,
    );
    const started = await call('POST', '/projects/p/clusters/a/backups', {
      name: 'doomed',
      location: 'minio',
      namespaces: [ns],
    });
    assert.equal(started.status, 202);
    // Kill the moment the job is running.
    await eventually('the backup to run', async () => {
      const b = (await call('GET', '/projects/p/backups/doomed')).body;
      return b.phase === 'InProgress' ? true : undefined;
    });
    await sleep(100);
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server?.child.once('exit', resolve));

    server = await startServer(dataDir);
    assert.ok(!/lbt_/.test(server.output()), 'no second first-start token');
    const recovered = await eventually('the interrupted backup to be recovered', async () => {
      const b = (await call('GET', '/projects/p/backups/doomed')).body;
      return b.phase !== 'InProgress' && b.phase !== 'Queued' ? b : undefined;
    });
    assert.equal(recovered.phase, 'Failed', JSON.stringify(recovered));
    assert.match(String(recovered.failureReason), /interrupted: the server running this backup stopped/);
    const store = openObjectStore(parseLocation(minioLocationUrl(env, prefix)), {
      s3Credentials: minioCredentials(env),
    });
    try {
      const left: string[] = [];
      for await (const object of store.list('backups/doomed/')) left.push(object.key);
      assert.deepEqual(left, [], 'partial files removed');
    } finally {
      await store.close();
    }
    const again = await call('POST', '/projects/p/clusters/a/backups', {
      name: 'second-try',
      location: 'minio',
      namespaces: [ns],
    });
    assert.equal(again.status, 202);
    const done = await eventually(
      'the new backup to finish',
      async () => {
        const b = (await call('GET', '/projects/p/backups/second-try')).body;
        return b.phase === 'Completed' || b.phase === 'Failed' ? b : undefined;
      },
      120_000,
    );
    assert.equal(done.phase, 'Completed');
    assert.ok(Number((done.progress as Json).itemsDone) >= 601, '600 ConfigMaps and their namespace');
  });
});
