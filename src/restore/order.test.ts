import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inRestoreOrder, restoreSteps } from './order.ts';

test('CRDs first, then priorities, then the rest alphabetically, webhooks last', () => {
  const steps = restoreSteps([
    'validatingwebhookconfigurations.admissionregistration.k8s.io',
    'deployments.apps',
    'configmaps',
    'widgets.example.com',
    'namespaces',
    'customresourcedefinitions.apiextensions.k8s.io',
    'services',
    'cronjobs.batch',
    'secrets',
  ]);
  assert.deepEqual(steps, [
    ['customresourcedefinitions.apiextensions.k8s.io'],
    ['namespaces'],
    ['secrets'],
    ['configmaps'],
    ['services'],
    ['cronjobs.batch'],
    ['deployments.apps'],
    ['widgets.example.com'],
    ['validatingwebhookconfigurations.admissionregistration.k8s.io'],
  ]);
});

test('a dry run lists items in the order the restore creates them', () => {
  const items = [
    { groupResource: 'deployments.apps', name: 'web' },
    { groupResource: 'validatingwebhookconfigurations.admissionregistration.k8s.io', name: 'hook' },
    { groupResource: 'configmaps', name: 'b' },
    { groupResource: 'customresourcedefinitions.apiextensions.k8s.io', name: 'widgets' },
    { groupResource: 'configmaps', name: 'a' },
    { groupResource: 'namespaces', name: 'shop' },
  ];
  assert.deepEqual(
    inRestoreOrder(items).map((item) => item.name),
    ['widgets', 'shop', 'b', 'a', 'web', 'hook'],
  );
});
