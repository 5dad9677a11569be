import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLossless } from '../kube/index.ts';
import { comparable, type KubeJson, type SanitizeContext, sanitizeForRestore } from './sanitize.ts';

const ctx: SanitizeContext = {
  backupName: 'b1',
  restoreName: 'r1',
  namespaceMapping: new Map([['shop', 'shop-copy']]),
  storageClassMapping: new Map([['gold', 'standard']]),
  preserveNodePorts: false,
  skippedVolumes: new Set(['pv-delete']),
};

function object(json: string): KubeJson {
  return parseLossless(json) as KubeJson;
}

function restored(groupResource: string, json: string): KubeJson {
  const result = sanitizeForRestore(groupResource, object(json), ctx);
  assert.ok('object' in result, JSON.stringify(result));
  return result.object;
}

test('server metadata and status go; finalizers stay; labels and namespace mapping are applied', () => {
  const out = restored(
    'configmaps',
    '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","namespace":"shop","uid":"u","resourceVersion":"5","creationTimestamp":"t","generation":2,"managedFields":[],"ownerReferences":[{"kind":"X"}],"finalizers":["f"],"labels":{"a":"b"}},"data":{"n":"1"},"status":{}}',
  );
  assert.deepEqual(out, {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: {
      name: 'c',
      namespace: 'shop-copy',
      finalizers: ['f'],
      labels: {
        a: 'b',
        'lifeboat.io/backup-name': 'b1',
        'lifeboat.io/restore-name': 'r1',
        'velero.io/backup-name': 'b1',
        'velero.io/restore-name': 'r1',
      },
    },
    data: { n: '1' },
  });
});

test('services lose cluster IPs (unless headless) and node ports', () => {
  const svc = restored(
    'services',
    '{"metadata":{"name":"s","namespace":"x"},"spec":{"type":"NodePort","clusterIP":"10.0.0.5","clusterIPs":["10.0.0.5"],"ports":[{"port":80,"nodePort":30080}]}}',
  );
  assert.deepEqual(svc.spec, { type: 'NodePort', ports: [{ port: 80 }] });
  const headless = restored(
    'services',
    '{"metadata":{"name":"h","namespace":"x"},"spec":{"clusterIP":"None","clusterIPs":["None"]}}',
  );
  assert.deepEqual(headless.spec, { clusterIP: 'None', clusterIPs: ['None'] });
  const kept = sanitizeForRestore(
    'services',
    object('{"metadata":{"name":"s"},"spec":{"ports":[{"nodePort":30001}]}}'),
    { ...ctx, preserveNodePorts: true },
  );
  assert.ok('object' in kept && JSON.stringify(kept.object).includes('30001'));
});

test('pods lose nodeName; jobs lose their controller-uid selector and labels', () => {
  assert.deepEqual(
    restored('pods', '{"metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[]}}').spec,
    { containers: [] },
  );
  const job = restored(
    'jobs.batch',
    '{"metadata":{"name":"j","labels":{"controller-uid":"u","job-name":"j"}},"spec":{"selector":{"matchLabels":{"controller-uid":"u"}},"template":{"metadata":{"labels":{"controller-uid":"u","batch.kubernetes.io/controller-uid":"u","job-name":"j"}}}}}',
  );
  assert.deepEqual(job.spec, { template: { metadata: { labels: { 'job-name': 'j' } } } });
  assert.deepEqual(job.metadata.labels, {
    'job-name': 'j',
    'lifeboat.io/backup-name': 'b1',
    'lifeboat.io/restore-name': 'r1',
    'velero.io/backup-name': 'b1',
    'velero.io/restore-name': 'r1',
  });
});

test('volumes: claimRef rewritten, binding annotations dropped, storage classes mapped, Delete volumes skipped', () => {
  const pv = restored(
    'persistentvolumes',
    '{"metadata":{"name":"pv1","annotations":{"pv.kubernetes.io/bound-by-controller":"yes"}},"spec":{"persistentVolumeReclaimPolicy":"Retain","storageClassName":"gold","claimRef":{"namespace":"shop","name":"data","uid":"u","resourceVersion":"9"}}}',
  );
  assert.deepEqual(pv.spec, {
    persistentVolumeReclaimPolicy: 'Retain',
    storageClassName: 'standard',
    claimRef: { namespace: 'shop-copy', name: 'data' },
  });
  assert.equal(pv.metadata.annotations, undefined);
  const skipped = sanitizeForRestore(
    'persistentvolumes',
    object('{"metadata":{"name":"pv-delete"},"spec":{"persistentVolumeReclaimPolicy":"Delete"}}'),
    ctx,
  );
  assert.ok('skip' in skipped && /provisioned again/.test(skipped.skip));
  const pvc = restored(
    'persistentvolumeclaims',
    '{"metadata":{"name":"d","namespace":"shop","annotations":{"pv.kubernetes.io/bind-completed":"yes","keep":"me"}},"spec":{"storageClassName":"gold","volumeName":"pv-delete"}}',
  );
  assert.deepEqual(pvc.spec, { storageClassName: 'standard' });
  assert.deepEqual(pvc.metadata.annotations, { keep: 'me' });
  const sts = restored(
    'statefulsets.apps',
    '{"metadata":{"name":"s"},"spec":{"volumeClaimTemplates":[{"spec":{"storageClassName":"gold"}}]}}',
  );
  assert.deepEqual(sts.spec, { volumeClaimTemplates: [{ spec: { storageClassName: 'standard' } }] });
});

test('role binding subjects follow the namespace mapping; service-account tokens are skipped', () => {
  const binding = restored(
    'rolebindings.rbac.authorization.k8s.io',
    '{"metadata":{"name":"rb","namespace":"shop"},"subjects":[{"kind":"ServiceAccount","name":"a","namespace":"shop"},{"kind":"User","name":"u"}]}',
  );
  assert.deepEqual(binding.subjects, [
    { kind: 'ServiceAccount', name: 'a', namespace: 'shop-copy' },
    { kind: 'User', name: 'u' },
  ]);
  const token = sanitizeForRestore(
    'secrets',
    object('{"metadata":{"name":"t"},"type":"kubernetes.io/service-account-token"}'),
    ctx,
  );
  assert.ok('skip' in token);
});

test('numbers beyond 2^53 survive sanitising; comparable ignores server fields and Lifeboat labels', () => {
  const text = '{"metadata":{"name":"w","uid":"1"},"spec":{"count":9007199254740993}}';
  assert.match(JSON.stringify(restored('widgets.example.com', text)), /"count":9007199254740993/);
  const live = object(
    '{"metadata":{"name":"w","uid":"2","resourceVersion":"7","labels":{"lifeboat.io/restore-name":"old"}},"spec":{"count":9007199254740993}}',
  );
  assert.deepEqual(
    JSON.stringify(comparable('widgets.example.com', live)),
    JSON.stringify(comparable('widgets.example.com', object(text))),
  );
});
