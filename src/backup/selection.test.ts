import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiResource } from '../kube/index.ts';
import { globMatcher, IncludeExclude, resolveSelection } from './selection.ts';

function resource(
  group: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[] = [],
): ApiResource {
  return {
    group,
    version: 'v1',
    resource,
    kind,
    singular: kind.toLowerCase(),
    shortNames,
    namespaced,
    verbs: [],
  };
}

const resources = [
  resource('', 'namespaces', 'Namespace', false, ['ns']),
  resource('', 'configmaps', 'ConfigMap', true, ['cm']),
  resource('', 'secrets', 'Secret', true),
  resource('', 'persistentvolumes', 'PersistentVolume', false, ['pv']),
  resource('apps', 'deployments', 'Deployment', true, ['deploy']),
  resource('rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false),
];

test('globs match as Velero does', () => {
  assert.ok(globMatcher('team-*')('team-a'));
  assert.ok(!globMatcher('team-*')('other'));
  assert.ok(globMatcher('a?c')('abc'));
  assert.ok(!globMatcher('a.c')('abc'), 'dots are literal');
  const filter = new IncludeExclude(['*'], ['kube-*']);
  assert.ok(filter.matches('default'));
  assert.ok(!filter.matches('kube-system'));
});

test('every namespace and auto: all cluster-scoped resources', () => {
  const s = resolveSelection({
    resources,
    liveNamespaces: ['a', 'b', 'kube-system'],
    includeNamespaces: [],
    excludeNamespaces: [],
    includeResources: [],
    excludeResources: [],
    clusterResources: 'auto',
  });
  assert.ok(s.allNamespaces);
  assert.deepEqual([...s.namespaces], ['a', 'b', 'kube-system']);
  assert.deepEqual(
    s.clusterScoped.map((r) => r.resource),
    ['persistentvolumes', 'clusterroles'],
  );
  assert.equal(s.relatedClusterScoped, false);
  assert.ok(s.namespaceObjects);
});

test('some namespaces and auto: cluster-scoped only when related; never: none; always: all', () => {
  const base = {
    resources,
    liveNamespaces: ['a', 'b', 'team-x'],
    includeNamespaces: ['a', 'team-*'],
    excludeNamespaces: [],
    includeResources: [],
    excludeResources: [],
  };
  const auto = resolveSelection({ ...base, clusterResources: 'auto' });
  assert.deepEqual([...auto.namespaces], ['a', 'team-x']);
  assert.deepEqual(auto.clusterScoped, []);
  assert.ok(auto.relatedClusterScoped);
  const never = resolveSelection({ ...base, clusterResources: 'never' });
  assert.ok(!never.relatedClusterScoped);
  assert.ok(never.namespaceObjects, 'namespace objects are taken even with never');
  const always = resolveSelection({ ...base, clusterResources: 'always' });
  assert.equal(always.clusterScoped.length, 2);
  const excluded = resolveSelection({
    ...base,
    includeNamespaces: [],
    excludeNamespaces: ['b'],
    clusterResources: 'auto',
  });
  assert.ok(!excluded.allNamespaces, 'an exclusion means not every namespace');
});

test('resources are chosen by plural, qualified name, kind or short name', () => {
  const pick = (include: string[], exclude: string[] = []) =>
    resolveSelection({
      resources,
      liveNamespaces: [],
      includeNamespaces: [],
      excludeNamespaces: [],
      includeResources: include,
      excludeResources: exclude,
      clusterResources: 'auto',
    }).namespaced.map((r) => r.resource);
  assert.deepEqual(pick(['deployments.apps', 'cm']), ['configmaps', 'deployments']);
  assert.deepEqual(pick(['Deployment']), ['deployments']);
  assert.deepEqual(pick([], ['secrets']), ['configmaps', 'deployments']);
});
