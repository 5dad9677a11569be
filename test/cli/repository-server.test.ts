/**
 * `lifeboat repository check | stats LOCATION --server`: run as a user runs it (a child process) against a
 * control plane served over HTTP, on the test bed's MinIO. The control plane opens the repository with the
 * secret in its vault; the command never holds it. A location without a repository, a URL where a name is
 * expected and --secret-file with --server are refused with what to do.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/api/index.ts';
import { repositoryKeys } from '../../src/archive/index.ts';
import { openStoredLocation, repositorySecret } from '../../src/control/index.ts';
import * as db from '../../src/db/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { backupDirectory, openRepository } from '../../src/volumes/index.ts';
import { buildTree } from '../../src/volumes/repository/testing.ts';
import { type CliRun, lifeboat, serveForCli } from '../support/cli.ts';
import { minioLocationBody } from '../support/control.ts';
import { uniqueName } from '../support/kube.ts';
import { type TestbedEnv, useTestbed } from '../testbed/index.ts';

const MiB = 1024 * 1024;

describe('lifeboat repository check | stats LOCATION --server', () => {
  let env: TestbedEnv;
  let server: RunningServer;
  let store: ObjectStore | undefined;
  let work = '';
  let secretText = '';
  const project = uniqueName('repo-cli');
  const prefix = uniqueName('repo-cli');
  const cli = (args: string[]): Promise<CliRun> =>
    lifeboat(['repository', ...args], {
      LIFEBOAT_SERVER: server.url,
      LIFEBOAT_TOKEN: server.plane.firstAdminToken ?? '',
      LIFEBOAT_PROJECT: project,
      LIFEBOAT_REPOSITORY_SECRET: '',
    });

  before(async () => {
    env = await useTestbed();
    work = await mkdtemp(join(tmpdir(), 'lb-repo-server-'));
    server = await serveForCli(join(work, 'plane'));
    const { ctx } = server.plane;
    const caller = await adminCaller(server);
    const { createProject, createLocation } = await import('../../src/control/index.ts');
    await createProject(ctx, caller, project);
    await createLocation(ctx, caller, project, minioLocationBody(env, 'minio', prefix));
    await createLocation(ctx, caller, project, minioLocationBody(env, 'bare', `${prefix}-bare`));
    const location = (await db.listLocations(ctx.db, (await db.findProject(ctx.db, project))?.id ?? '')).find(
      (row) => row.name === 'minio',
    );
    assert.ok(location);
    const secret = await repositorySecret(ctx, location);
    secretText = secret.toString('base64');
    store = openStoredLocation(ctx, location);
    await buildTree(join(work, 'source'), { bigBytes: 2 * MiB, smallFiles: 20 });
    const repo = await openRepository(store, secret, { create: true, kdf: { N: 1024, r: 8, p: 1 } });
    await backupDirectory(repo, join(work, 'source'), {
      tags: { cluster: 'a', namespace: 'shop', pvc: 'data', backup: 'nightly' },
    });
  });

  after(async () => {
    if (store) {
      const found: string[] = [];
      for await (const info of store.list(repositoryKeys().dir)) found.push(info.key);
      if (found.length > 0) await store.delete(found);
      await store.close();
    }
    await server?.close(5000);
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('check --read-data runs in the control plane and exits 0; -o json has the result', async () => {
    const human = await cli(['check', 'minio', '--read-data']);
    assert.equal(human.code, 0, human.stderr + human.stdout);
    assert.match(human.stdout, /Volume repository of location minio: 1 snapshot, .* read and verified\)/);
    assert.match(human.stdout, /No problems found\./);
    const json = await cli(['check', 'minio', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as { location: string; ok: boolean; readData: boolean };
    assert.deepEqual([result.location, result.ok, result.readData], ['minio', true, false]);
    assert.ok(!human.stdout.includes(secretText) && !json.stdout.includes(secretText));
  });

  test('stats shows the logical and stored sizes', async () => {
    const stats = await cli(['stats', 'minio']);
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /Volume repository of location minio/);
    assert.match(stats.stdout, /Snapshots:\s+1/);
    assert.match(stats.stdout, /Stored:\s+\S+/);
  });

  test('refusals say what to do: no repository yet, unknown location, a URL, --secret-file', async () => {
    const bare = await cli(['check', 'bare']);
    assert.equal(bare.code, 2, bare.stdout);
    assert.match(bare.stderr, /location "bare" has no volume repository yet/);
    const unknown = await cli(['stats', 'nowhere']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /location "nowhere" not found/);
    const url = await cli(['check', 's3://bucket/prefix']);
    assert.equal(url.code, 2);
    assert.match(url.stderr, /with --server, name a location of the project/);
    const secretFile = await cli(['check', 'minio', '--secret-file', '/dev/null']);
    assert.equal(secretFile.code, 2);
    assert.match(secretFile.stderr, /--secret-file is for local mode/);
  });
});

/** The first administrator as a caller of the use cases (setting up without the command's own steps). */
async function adminCaller(server: RunningServer) {
  const { authenticate } = await import('../../src/control/index.ts');
  return authenticate(server.plane.ctx, server.plane.firstAdminToken ?? '');
}
