import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restoreSteps } from './order.ts';

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
