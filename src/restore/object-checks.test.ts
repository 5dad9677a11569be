import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { test } from 'node:test';
import { clusterRoleBinding, configMap, deeplyNested } from '../../test/support/hostile.ts';
import { parseItemPath } from '../archive/index.ts';
import {
  type ItemRef,
  identityProblem,
  integrityProblem,
  parseObject,
  pathProblem,
  tooLargeProblem,
} from './object-checks.ts';
import type { KubeJson } from './sanitize.ts';

function ref(path: string): ItemRef {
  const parts = parseItemPath(path);
  assert.ok(parts, path);
  return { ...parts, path };
}

const crbType = { kind: 'ClusterRoleBinding', namespaced: false };
const cmType = { kind: 'ConfigMap', namespaced: true };
const crbPath = 'resources/clusterrolebindings.rbac.authorization.k8s.io/cluster/harmless-readonly-view.json';

test('a body that names another object than its path is refused, with each disagreement named', () => {
  const spoof = ref(crbPath);
  const problem = identityProblem(spoof, clusterRoleBinding('pwned') as KubeJson, crbType);
  assert.equal(
    problem,
    `${crbPath} is not the object its path names (metadata.name is "pwned", not "harmless-readonly-view"): not restored`,
  );
  assert.equal(
    identityProblem(spoof, clusterRoleBinding('harmless-readonly-view') as KubeJson, crbType),
    undefined,
  );

  const cm = ref('resources/configmaps/namespaces/a/c.json');
  assert.equal(identityProblem(cm, configMap('a', 'c') as KubeJson, cmType), undefined);
  const { namespace: _, ...noNamespace } = (configMap('a', 'c') as KubeJson).metadata;
  assert.equal(
    identityProblem(cm, { ...configMap('a', 'c'), metadata: noNamespace } as KubeJson, cmType),
    undefined,
  );
  const wrong = identityProblem(
    cm,
    {
      ...configMap('kube-system', 'c'),
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Secret',
    } as unknown as KubeJson,
    cmType,
  );
  assert.match(wrong ?? '', /metadata.namespace is "kube-system", not "a"/);
  assert.match(wrong ?? '', /apiVersion "rbac.authorization.k8s.io\/v1" is not of the group "core"/);
  assert.match(wrong ?? '', /kind is "Secret", not "ConfigMap"/);
  // A cluster-wide type at a namespaced path would be created cluster-wide while the plan shows a namespace.
  const scoped = ref('resources/clusterrolebindings.rbac.authorization.k8s.io/namespaces/team/x.json');
  assert.match(
    identityProblem(scoped, clusterRoleBinding('x') as KubeJson, crbType) ?? '',
    /ClusterRoleBinding objects are cluster-wide but the path is in namespace "team"/,
  );
  // The version the index records.
  assert.match(
    identityProblem(cm, configMap('a', 'c') as KubeJson, { ...cmType, apiVersion: 'v2' }) ?? '',
    /apiVersion is "v1", not "v2" as the content index records/,
  );
});

test('bodies that are not objects fail alone, in words of ours (the bytes are not echoed)', () => {
  const r = ref('resources/configmaps/namespaces/a/c.json');
  const problem = (data: string) => {
    const result = parseObject(r, Buffer.from(data));
    return 'problem' in result ? result.problem : 'parsed';
  };
  assert.equal(problem('{"secret": oops'), `${r.path} is not valid JSON: not restored`);
  assert.equal(problem('null'), `${r.path} holds null, not a Kubernetes object: not restored`);
  assert.equal(problem('[1]'), `${r.path} holds a JSON array, not a Kubernetes object: not restored`);
  assert.equal(problem('{"kind":"ConfigMap"}'), `${r.path} has no metadata object: not restored`);
  assert.match(
    problem(deeplyNested(200_000)),
    /nests more than 512 levels deep \(the most accepted\): not restored$/,
  );
  assert.equal(problem(JSON.stringify(configMap('a', 'c'))), 'parsed');
});

test('paths, sizes and checksums', () => {
  assert.match(
    pathProblem(ref('resources/configmaps/namespaces/Not_A_Namespace/c.json')) ?? '',
    /is in namespace "Not_A_Namespace", which is not a valid namespace name/,
  );
  assert.match(
    pathProblem(ref('resources/namespaces/cluster/UPPER.json')) ?? '',
    /not a valid namespace name/,
  );
  assert.equal(pathProblem(ref('resources/configmaps/namespaces/a/c.json')), undefined);
  assert.equal(
    tooLargeProblem(ref('resources/configmaps/namespaces/a/c.json'), 2 ** 30),
    'resources/configmaps/namespaces/a/c.json is 1024 MiB, over the 8 MiB limit of one object: not restored',
  );
  const r = ref('resources/configmaps/namespaces/a/c.json');
  const data = Buffer.from('{"a":1}');
  const recorded = { size: data.length, digest: hash('sha256', data, 'buffer') };
  assert.equal(integrityProblem(r, data, recorded), undefined);
  // The same size, other bytes; and other bytes of another size.
  for (const other of ['{"a":2}', '{"a":12}'])
    assert.match(
      integrityProblem(r, Buffer.from(other), recorded) ?? '',
      /does not match its checksum in the backup's content index/,
    );
  assert.match(integrityProblem(r, data, undefined) ?? '', /is not in the backup's content index/);
});
