/**
 * The scene the control-plane API tests (test/control/api-*.test.ts) play in: a test plane on one store, a
 * namespace of two ConfigMaps and a Secret in the test bed's first cluster, and, as far as a file needs,
 * a project with an operator and a viewer, its clusters and its MinIO location. Each file sets up only what
 * it does not test itself, then its tests go on in order from there.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { type TestbedEnv, useTestbed } from '../testbed/index.ts';
import {
  type Answer,
  kubeconfigText,
  minioLocationBody,
  type StoreKind,
  startTestPlane,
  type TestPlane,
} from './control.ts';
import { apply, eventually, kubectl, uniqueName } from './kube.ts';

export type Json = Record<string, unknown>;

/**
 * How far the scene is set up before a file's first test:
 * - `plane`: the plane and its first administrator, nothing else;
 * - `members`: also the namespace, the projects `project` and `other`, and the users holding the
 *   operator and viewer roles in `project`;
 * - `resources`: also the clusters `prod` (first cluster), `staging` (second), `gone` (an API server that
 *   is not there) in `project`, `theirs` (second cluster) in `other`, and the location `minio` in `project`.
 */
export type SceneStage = 'plane' | 'members' | 'resources';

export interface ApiScene {
  readonly project: string;
  readonly other: string;
  /** The namespace of the first cluster holding the scene's objects. */
  readonly ns: string;
  /** The namespace of the second cluster that restores of `ns` go to (deleted after the file too). */
  readonly restoreTarget: string;
  /** The prefix of the scene's locations in their buckets. */
  readonly prefix: string;
  /** Filled in by the scene's `before`: read them inside tests. */
  env: TestbedEnv;
  t: TestPlane;
  admin: string;
  operator: string;
  viewer: string;
  call<T = Json>(method: string, path: string, token: string | undefined, body?: unknown): Promise<Answer<T>>;
  /** Polls `path` until its `phase` is one of `phases`, for up to 2 minutes; answers the body. */
  waitFor(path: string, phases: string[], token?: string): Promise<Json>;
}

/** Registers the scene's `before` and `after` in the calling `describe`, and answers the scene. */
export function apiScene(store: StoreKind, stage: SceneStage): ApiScene {
  const ns = uniqueName('shop');
  const scene = {
    project: uniqueName('team'),
    other: uniqueName('other'),
    ns,
    restoreTarget: `${ns}-copy`,
    prefix: uniqueName('api'),
    operator: '',
    viewer: '',
    call: <T = Json>(method: string, path: string, token: string | undefined, body?: unknown) =>
      scene.t.api.call<T>(method, path, token, body),
    waitFor: async (path: string, phases: string[], token?: string) =>
      eventually(
        `${path} to reach ${phases.join(' or ')}`,
        async () => {
          const answer = await scene.call(`GET`, path, token ?? scene.admin);
          return phases.includes(String(answer.body.phase)) ? answer.body : undefined;
        },
        120_000,
      ),
  } as ApiScene;
  let madeNamespace = false;

  before(async () => {
    scene.env = await useTestbed();
    scene.t = await startTestPlane(store);
    scene.admin = scene.t.adminToken;
    if (stage === 'plane') return;
    madeNamespace = true;
    await makeNamespace(scene);
    await addMembers(scene);
    if (stage === 'resources') await addResources(scene);
  });
  after(async () => {
    try {
      await scene.t?.close();
    } finally {
      if (madeNamespace) {
        const [a, b] = scene.env.clusters;
        const drop = ['delete', 'namespace', '--wait=false', '--ignore-not-found'];
        if (a) await kubectl(scene.env, a, [...drop, scene.ns]);
        if (b) await kubectl(scene.env, b, [...drop, scene.restoreTarget]);
      }
    }
  });
  return scene;
}

/**
 * Asserts no answer of the scene's plane held a secret handed to the server (MinIO's and Azurite's keys, the
 * first cluster's client key), and that there were more than `minAnswers` answers, so the check means something.
 */
export function assertNoSecretAnswered(scene: ApiScene, minAnswers: number): void {
  const [a] = scene.env.clusters;
  assert.ok(a);
  const kubeconfig = kubeconfigText(a);
  const clientKey = kubeconfig.match(/client-key-data"?: "?([A-Za-z0-9+/=]+)/)?.[1];
  assert.ok(clientKey);
  const secrets = [scene.env.s3.secretAccessKey, scene.env.azure.accountKey, clientKey];
  assert.ok(
    scene.t.api.answers.length > minAnswers,
    `only ${scene.t.api.answers.length} answers to check: the tests should have made more than ${minAnswers}`,
  );
  for (const answer of scene.t.api.answers)
    for (const secret of secrets)
      assert.ok(!answer.includes(secret), `an answer contains a secret: ${answer.slice(0, 200)}`);
}

async function makeNamespace(scene: ApiScene): Promise<void> {
  const [a] = scene.env.clusters;
  assert.ok(a);
  const ns = scene.ns;
  await kubectl(scene.env, a, ['create', 'namespace', ns]);
  await apply(scene.env, a, [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: ns },
      data: { color: 'teal' },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'prices', namespace: ns },
      data: { apple: '3' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: ns },
      stringData: { password: 'hunter2' },
    },
  ]);
}

/** The two projects, and an operator and a viewer of `project` (as api-access.test.ts makes them). */
async function addMembers(scene: ApiScene): Promise<void> {
  const { admin, project } = scene;
  for (const name of [project, scene.other]) {
    const created = await scene.call('POST', '/projects', admin, { name });
    assert.equal(created.status, 201, created.text);
  }
  for (const role of ['operator', 'viewer'] as const) {
    const name = `${role === 'operator' ? 'op' : 'view'}-${project}`;
    const created = await scene.call<{ token: string }>('POST', '/users', admin, { name });
    assert.equal(created.status, 201, created.text);
    const member = await scene.call('PUT', `/projects/${project}/members/${name}`, admin, { role });
    assert.equal(member.status, 204, member.text);
    scene[role] = created.body.token;
  }
}

/** The clusters and the MinIO location (as api-resources.test.ts registers them). */
async function addResources(scene: ApiScene): Promise<void> {
  const { admin, env, project } = scene;
  const [a, b] = env.clusters;
  assert.ok(a && b);
  const dead = kubeconfigText(a).replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1');
  assert.notEqual(dead, kubeconfigText(a));
  const clusters: [string, string, string, string][] = [
    [project, 'prod', kubeconfigText(a), 'Healthy'],
    [project, 'staging', kubeconfigText(b), 'Healthy'],
    [scene.other, 'theirs', kubeconfigText(b), 'Healthy'],
    [project, 'gone', dead, 'Unhealthy'],
  ];
  for (const [owner, name, kubeconfig, health] of clusters) {
    const created = await scene.call('POST', `/projects/${owner}/clusters`, admin, { name, kubeconfig });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.health, health, `cluster ${name}: ${String(created.body.healthReason)}`);
  }
  const location = await scene.call(
    'POST',
    `/projects/${project}/locations`,
    admin,
    minioLocationBody(env, 'minio', scene.prefix),
  );
  assert.equal(location.status, 201, location.text);
}
