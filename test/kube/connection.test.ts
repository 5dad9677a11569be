/**
 * Kubeconfig handling against a real API server: client certificates in files with relative paths, bearer
 * tokens inline and from a file, and an exec credential plugin (through @kubernetes/client-node).
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { HttpKubeClient, KubeconfigError, loadConnection } from '../../src/kube/index.ts';
import { kubectl } from '../support/kube.ts';
import { type ClusterEnv, type TestbedEnv, useTestbed } from '../testbed/index.ts';

let env: TestbedEnv;
let cluster: ClusterEnv;
let dir: string;
let base: {
  clusters: { cluster: Record<string, string>; name: string }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
};
let token: string;

before(async () => {
  env = await useTestbed();
  cluster = env.clusters[1] as ClusterEnv;
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-kubeconfig-'));
  base = JSON.parse(await readFile(cluster.kubeconfig, 'utf8'));
  await kubectl(env, cluster, ['create', 'serviceaccount', 'kubeconfig-test', '-n', 'default']).catch(
    () => '',
  );
  await kubectl(env, cluster, [
    'create',
    'clusterrolebinding',
    'kubeconfig-test',
    '--clusterrole=view',
    '--serviceaccount=default:kubeconfig-test',
  ]).catch(() => '');
  token = (await kubectl(env, cluster, ['create', 'token', 'kubeconfig-test', '-n', 'default'])).trim();
});

async function whoami(config: object, file = 'config'): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, JSON.stringify(config));
  const client = new HttpKubeClient(await loadConnection({ file: path }));
  try {
    const review = await client.request({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    });
    return (JSON.parse(review.body.toString()) as { status: { userInfo: { username: string } } }).status
      .userInfo.username;
  } finally {
    await client.close();
  }
}

function withUser(user: Record<string, unknown>) {
  return {
    ...base,
    users: [{ name: 'admin', user }],
    contexts: [{ name: 'ctx', context: { cluster: cluster.name, user: 'admin' } }],
    'current-context': 'ctx',
  };
}

test('client certificate and CA from files given relative to the kubeconfig', async () => {
  const adminUser = base.users[0]?.user as Record<string, string>;
  await writeFile(
    join(dir, 'admin.crt'),
    Buffer.from(adminUser['client-certificate-data'] as string, 'base64'),
  );
  await writeFile(join(dir, 'admin.key'), Buffer.from(adminUser['client-key-data'] as string, 'base64'));
  await writeFile(
    join(dir, 'ca.crt'),
    Buffer.from(base.clusters[0]?.cluster['certificate-authority-data'] as string, 'base64'),
  );
  const config = withUser({ 'client-certificate': 'admin.crt', 'client-key': 'admin.key' });
  config.clusters = [
    { name: cluster.name, cluster: { server: cluster.server, 'certificate-authority': 'ca.crt' } },
  ];
  assert.equal(await whoami(config), 'lifeboat-testbed-admin');
});

test('bearer tokens inline and from a token file', async () => {
  assert.equal(await whoami(withUser({ token })), 'system:serviceaccount:default:kubeconfig-test');
  await writeFile(join(dir, 'token'), `${token}\n`);
  assert.equal(
    await whoami(withUser({ tokenFile: join(dir, 'token') })),
    'system:serviceaccount:default:kubeconfig-test',
  );
});

test('an exec credential plugin supplies the token', async () => {
  const plugin = join(dir, 'credential-plugin.sh');
  const credential = {
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token },
  };
  await writeFile(plugin, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`);
  await chmod(plugin, 0o755);
  const user = {
    exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
  };
  assert.equal(await whoami(withUser(user), 'exec-config'), 'system:serviceaccount:default:kubeconfig-test');
});

test('unusable kubeconfigs say what is wrong', async () => {
  await writeFile(join(dir, 'bad'), JSON.stringify(withUser({ token })));
  await assert.rejects(
    loadConnection({ file: join(dir, 'bad'), context: 'other' }),
    (e: Error) =>
      e instanceof KubeconfigError && /context "other" is not in .* \(it has: ctx\)/.test(e.message),
  );
  await assert.rejects(loadConnection({ file: join(dir, 'missing') }), /cannot read/);
  await writeFile(join(dir, 'halfcert'), JSON.stringify(withUser({ 'client-certificate-data': 'eA==' })));
  await assert.rejects(loadConnection({ file: join(dir, 'halfcert') }), /without a key/);
  await assert.rejects(loadConnection({ text: 'clusters: [' }), /cannot read the kubeconfig given/);
});
