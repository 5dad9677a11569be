/**
 * The control plane's API end to end, on the embedded store and on PostgreSQL: clusters registered by
 * kubeconfig and checked, and locations validated against the real stores (MinIO, GCS, Azurite) before they
 * are saved; no answer carried a secret.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiScene, assertNoSecretAnswered, type Json } from '../support/api-scene.ts';
import { kubeconfigText, minioLocationBody, type StoreKind } from '../support/control.ts';

for (const store of ['embedded', 'postgres'] as const satisfies StoreKind[]) {
  describe(`control plane API on the ${store} store: clusters and locations`, () => {
    const s = apiScene(store, 'members');
    const { call, project, other, ns, prefix } = s;

    test('clusters are registered by kubeconfig and checked', async () => {
      const [a, b] = s.env.clusters;
      assert.ok(a && b);
      const created = await call('POST', `/projects/${project}/clusters`, s.admin, {
        name: 'prod',
        kubeconfig: kubeconfigText(a),
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.health, 'Healthy', String(created.body.healthReason));
      assert.equal(created.body.kubeconfig, undefined);
      const second = await call('POST', `/projects/${project}/clusters`, s.admin, {
        name: 'staging',
        kubeconfig: kubeconfigText(b),
      });
      assert.equal(second.body.health, 'Healthy');
      // The other project gets the same second cluster under its own registration.
      const foreign = await call('POST', `/projects/${other}/clusters`, s.admin, {
        name: 'theirs',
        kubeconfig: kubeconfigText(b),
      });
      assert.equal(foreign.status, 201);
      const garbage = await call('POST', `/projects/${project}/clusters`, s.admin, {
        name: 'x',
        kubeconfig: 'not: [a kubeconfig',
      });
      assert.equal(garbage.status, 400);
      assert.match(String((garbage.body.error as Json).message), /kubeconfig/);
      const notOne = await call('POST', `/projects/${project}/clusters`, s.admin, {
        name: 'y',
        kubeconfig: 'foo: bar',
      });
      assert.equal(notOne.status, 400);
      assert.match(
        String((notOne.body.error as Json).message),
        /is not a kubeconfig: it has no clusters and no contexts/,
      );
      // The server runs no programs and reads no files of its own for a kubeconfig.
      const execConfig = JSON.parse(kubeconfigText(a)) as { users: { user: Json }[] };
      const firstUser = execConfig.users[0];
      assert.ok(firstUser);
      firstUser.user = {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: 'sh',
          args: ['-c', 'cat data/master.key'],
        },
      };
      const exec = await call('POST', `/projects/${project}/clusters`, s.admin, {
        name: 'exec',
        kubeconfig: JSON.stringify(execConfig),
      });
      assert.equal(exec.status, 400);
      assert.match(
        String((exec.body.error as Json).message),
        /exec credential plugin.*self-contained kubeconfigs/,
      );
      firstUser.user = { tokenFile: '/etc/passwd' };
      const tokenFile = await call('POST', `/projects/${project}/clusters`, s.admin, {
        name: 'tf',
        kubeconfig: JSON.stringify(execConfig),
      });
      assert.equal(tokenFile.status, 400);
      assert.match(String((tokenFile.body.error as Json).message), /tokenFile \(a file path\)/);
      // A cluster whose API server is gone is kept, Unhealthy, with the reason.
      const dead = kubeconfigText(a).replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1');
      assert.notEqual(dead, kubeconfigText(a));
      const down = await call('POST', `/projects/${project}/clusters`, s.admin, {
        name: 'gone',
        kubeconfig: dead,
      });
      assert.equal(down.status, 201);
      assert.equal(down.body.health, 'Unhealthy');
      assert.match(String(down.body.healthReason), /cannot reach the API server at https:\/\/127\.0\.0\.1:1/);
      const namespaces = await call<string[]>(
        'GET',
        `/projects/${project}/clusters/prod/namespaces`,
        s.viewer,
      );
      assert.ok(namespaces.body.includes(ns));
      const checked = await call('POST', `/projects/${project}/clusters/prod/health-check`, s.operator);
      assert.equal(checked.body.health, 'Healthy');
      assert.equal(
        (await call('POST', `/projects/${project}/clusters/prod/health-check`, s.viewer)).status,
        403,
      );
    });

    test('locations are validated against the real store before they are saved', async () => {
      const body = minioLocationBody(s.env, 'minio', prefix);
      const validated = await call('POST', `/projects/${project}/locations/validate`, s.operator, body);
      assert.equal(validated.status, 200);
      assert.equal(validated.body.ok, true, validated.text);
      const wrong = await call('POST', `/projects/${project}/locations`, s.admin, {
        ...body,
        name: 'wrong',
        secretAccessKey: 'not-the-secret',
      });
      assert.equal(wrong.status, 422);
      assert.match(
        String((wrong.body.error as Json).message),
        /the secret key does not match the access key/,
      );
      assert.equal(
        (await call('GET', `/projects/${project}/locations/wrong`, s.admin)).status,
        404,
        'nothing saved',
      );
      const created = await call('POST', `/projects/${project}/locations`, s.admin, body);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.status, 'Valid');
      assert.deepEqual(created.body.secretFields, ['secretAccessKey']);
      assert.equal((created.body.config as Json).secretAccessKey, undefined);
      // An edit that leaves the secret out keeps it (and is validated again).
      const edited = await call('PATCH', `/projects/${project}/locations/minio`, s.admin, {
        region: s.env.s3.region,
      });
      assert.equal(edited.status, 200, edited.text);
      assert.equal(edited.body.status, 'Valid');
      const gcs = await call('POST', `/projects/${project}/locations`, s.admin, {
        provider: 'gcp',
        name: 'gcs',
        bucket: s.env.gcs.bucket,
        prefix,
        endpoint: s.env.gcs.endpoint,
      });
      assert.equal(gcs.status, 201, gcs.text);
      // Without the administrator's consent a location cannot borrow the server's own cloud identity.
      s.t.plane.ctx.allowServerIdentity = false;
      const borrowing = await call('POST', `/projects/${project}/locations/validate`, s.admin, {
        provider: 'gcp',
        name: 'gcs3',
        bucket: s.env.gcs.bucket,
        endpoint: s.env.gcs.endpoint,
      });
      s.t.plane.ctx.allowServerIdentity = true;
      assert.equal(borrowing.status, 400);
      assert.match(String((borrowing.body.error as Json).message), /does not lend its own Google identity/);
      const externalId = await call('GET', `/projects/${project}/locations/aws-external-id`, s.viewer);
      assert.match(String(externalId.body.externalId), /^lifeboat-[0-9a-f]{32}$/);
      const foreignId = await call('POST', `/projects/${project}/locations/validate`, s.admin, {
        provider: 'aws',
        name: 'role',
        bucket: 'b',
        region: 'us-east-1',
        credentials: {
          kind: 'sts',
          roleArn: 'arn:aws:iam::123456789012:role/x',
          externalId: 'someone-elses',
          accessKeyId: 'k',
          secretAccessKey: 's',
        },
      });
      assert.equal(foreignId.status, 400);
      assert.match(
        String((foreignId.body.error as Json).message),
        /external ID of this project's roles is chosen by Lifeboat/,
      );
      const badKey = await call('POST', `/projects/${project}/locations/validate`, s.admin, {
        provider: 'gcp',
        name: 'gcs2',
        bucket: s.env.gcs.bucket,
        serviceAccountKey: '{"type":"service_account"',
      });
      assert.equal(badKey.status, 400);
      assert.match(
        String((badKey.body.error as Json).message),
        /serviceAccountKey: paste the whole JSON key file/,
      );
      const azure = await call('POST', `/projects/${project}/locations`, s.admin, {
        provider: 'azure',
        name: 'azure',
        storageAccount: s.env.azure.account,
        container: s.env.azure.container,
        prefix,
        endpoint: s.env.azure.endpoint,
        credentials: { kind: 'sharedKey', accountKey: s.env.azure.accountKey },
      });
      assert.equal(azure.status, 201, azure.text);
      const revalidated = await call('POST', `/projects/${project}/locations/azure/validate`, s.operator);
      assert.equal((revalidated.body.result as Json).ok, true);
      assert.equal((await call('POST', `/projects/${project}/locations`, s.operator, body)).status, 403);
    });

    test('no answer ever carried a secret', () => {
      assertNoSecretAnswered(s, 25);
    });
  });
}
