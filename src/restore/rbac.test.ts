import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterRoleBinding } from '../../test/support/hostile.ts';
import { rbacGrant } from './rbac.ts';
import type { KubeJson } from './sanitize.ts';

const crb = 'clusterrolebindings.rbac.authorization.k8s.io';
const rb = 'rolebindings.rbac.authorization.k8s.io';
const cr = 'clusterroles.rbac.authorization.k8s.io';

test('a binding shows its role and subjects, flagged for cluster-admin and broad groups', () => {
  const grant = rbacGrant(crb, clusterRoleBinding('pwned') as KubeJson);
  assert.deepEqual(grant, {
    role: 'ClusterRole cluster-admin',
    subjects: ['Group system:authenticated'],
    flags: [
      'grants cluster-admin: every right on every object',
      'binds the broad group system:authenticated',
    ],
  });
  const anonymous = rbacGrant(
    crb,
    clusterRoleBinding('anon', 'view', [
      { kind: 'User', name: 'system:anonymous' },
      { kind: 'Group', name: 'system:unauthenticated' },
      { kind: 'Group', name: 'system:serviceaccounts' },
    ]) as KubeJson,
  );
  assert.equal(anonymous?.flags.length, 3);
});

test('an ordinary binding is shown without flags', () => {
  const binding = {
    ...clusterRoleBinding('reader', 'view', [{ kind: 'ServiceAccount', name: 'app', namespace: 'team' }]),
    kind: 'RoleBinding',
    metadata: { name: 'reader', namespace: 'team' },
  } as KubeJson;
  assert.deepEqual(rbacGrant(rb, binding), {
    role: 'ClusterRole view',
    subjects: ['ServiceAccount team/app'],
    flags: [],
  });
});

test('roles are shown when they reach far: wildcards or escalate, bind, impersonate', () => {
  const role = (rules: unknown[]) =>
    ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'r' },
      rules,
    }) as KubeJson;
  assert.equal(
    rbacGrant(cr, role([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }])),
    undefined,
  );
  assert.deepEqual(rbacGrant(cr, role([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])), {
    rules: ['verbs * on resources * in groups *'],
    flags: ['has wildcard rules'],
  });
  assert.deepEqual(
    rbacGrant(cr, role([{ apiGroups: [''], resources: ['users'], verbs: ['impersonate', 'bind'] }]))?.flags,
    ['allows bind', 'allows impersonate'],
  );
  assert.equal(rbacGrant('configmaps', role([{ verbs: ['*'] }])), undefined);
});
