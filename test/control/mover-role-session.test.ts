/**
 * The data mover on an AWS location whose IAM role the server assumes with its own AWS identity (no keys
 * stored): a mover pod in the user's cluster has no such identity, so the control plane assumes the role for
 * each pod and hands it the session's temporary keys in the job. Against the test bed's MinIO, which
 * implements STS AssumeRole (AWS STS itself cannot be reached from here): the server's identity is MinIO's
 * keys in this process's environment, the SDK's default chain; the pods get no keys but the session's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { moverSettings } from '../../src/control/data-mover.ts';
import * as db from '../../src/db/index.ts';
import { registerClusters, startTestPlane, type TestPlane, untilFinished } from '../support/control.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import {
  applyIn,
  checksumScript,
  claimWithFiles,
  type NodeCluster,
  nodeCluster,
  podObject,
  podOutput,
} from '../support/volumes.ts';
import { minioCredentials, type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

type Json = Record<string, unknown>;
interface Finished extends Json {
  id: string;
  phase: string;
  volumeCopies: { phase: string; bytesUploaded?: number; reason?: string }[];
}

describe("copying volume data with a role only the server's AWS identity can assume", () => {
  let env: TestbedEnv;
  let a: NodeCluster;
  let b: NodeCluster;
  let t: TestPlane;
  let ns = '';
  let checksums = '';
  const project = uniqueName('role-copy');
  const target = uniqueName('role-restored');
  const p = `/projects/${project}`;
  const call = <T = Json>(method: string, path: string, body?: unknown) =>
    t.api.call<T>(method, path, t.adminToken, body);
  const finished = (path: string) => untilFinished<Finished>(t, path);

  before(async () => {
    env = await useTestbedWithNodes();
    a = nodeCluster(env, 0);
    b = nodeCluster(env, 1);
    assert.ok(env.images && env.s3.podEndpoint);
    // The server's own AWS identity: what the SDK's default chain finds in its environment.
    const keys = minioCredentials(env);
    process.env.AWS_ACCESS_KEY_ID = keys.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = keys.secretAccessKey;
    t = await startTestPlane('embedded', { env: { LIFEBOAT_MOVER_IMAGE: env.images.lifeboat } });
    assert.equal((await call('POST', '/projects', { name: project })).status, 201);
    const location = await call('POST', `${p}/locations`, {
      provider: 'aws',
      name: 'role',
      region: env.s3.region,
      endpoint: env.s3.endpoint,
      forcePathStyle: true,
      caCert: readFileSync(env.s3.caCert, 'utf8'),
      bucket: env.s3.bucket,
      prefix: uniqueName('role-copy'),
      credentials: { kind: 'sts', roleArn: 'arn:aws:iam::123456789012:role/lifeboat-backup' },
      copyVolumeData: true,
      moverEndpoint: env.s3.podEndpoint,
    });
    assert.equal(location.status, 201, location.text);
    await registerClusters(t, project, { a, b });
    ({ ns, checksums } = await claimWithFiles(env, a, 'role', { 'a.txt': 'through a session of the role' }));
  });

  after(async () => {
    await t?.close();
    if (env) {
      await kubectl(env, a, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
      await kubectl(env, b, ['delete', 'namespace', target, '--wait=false', '--ignore-not-found']);
    }
  });

  test("each pod's job carries temporary keys of the role, not the server's", async () => {
    const row = (
      await db.listLocations(t.plane.ctx.db, (await db.findProject(t.plane.ctx.db, project))?.id ?? '')
    ).find((location) => location.name === 'role');
    assert.ok(row);
    const settings = await moverSettings(t.plane.ctx, row);
    assert.ok(settings.awsSession, 'a role without keys gives pods sessions');
    const session = await settings.awsSession();
    assert.ok(session.sessionToken.length > 0);
    assert.notEqual(session.accessKeyId, process.env.AWS_ACCESS_KEY_ID);
    assert.notEqual(session.secretAccessKey, process.env.AWS_SECRET_ACCESS_KEY);
    assert.equal(settings.store.endpoint, env.s3.podEndpoint, 'pods reach the store at their own address');
  });

  test('a backup copies the volume through a mover pod, and the copy restores into the other cluster', async () => {
    const started = await call<Finished>('POST', `${p}/clusters/a/backups`, {
      name: uniqueName('role-copied'),
      location: 'role',
      namespaces: [ns],
      includeDisks: true,
    });
    assert.equal(started.status, 202, started.text);
    const backup = await finished(`${p}/backups/${started.body.id}`);
    assert.equal(backup.phase, 'Completed', JSON.stringify(backup));
    const [copy] = backup.volumeCopies;
    assert.equal(copy?.phase, 'Completed', JSON.stringify(backup.volumeCopies));
    assert.ok((copy?.bytesUploaded ?? 0) > 0, JSON.stringify(copy));

    const restore = await call<Finished>('POST', `${p}/restores`, {
      backup: backup.id,
      targetCluster: 'b',
      namespaceMappings: { [ns]: target },
    });
    assert.equal(restore.status, 202, restore.text);
    const done = await finished(`${p}/restores/${restore.body.id}`);
    assert.equal(done.phase, 'Completed', JSON.stringify(done));
    await applyIn(env, b, target, [podObject(env, 'reader', checksumScript, 'data')]);
    assert.equal(await podOutput(env, b, target, 'reader'), checksums);
  });
});
