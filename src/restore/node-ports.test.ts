import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dropAssignedNodePorts,
  explicitNodePorts,
  requestedNodePorts,
  withoutNodePorts,
} from './node-ports.ts';
import type { KubeJson } from './sanitize.ts';

const service = (metadata: Record<string, unknown>, spec: Record<string, unknown>): KubeJson => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', ...metadata },
  spec,
});
const ports = () => [
  { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
  { name: 'admin', port: 81, protocol: 'TCP', nodePort: 31999 },
];

test('kubectl apply: the ports named in the last-applied configuration keep their node port', () => {
  const applied = JSON.stringify({
    spec: {
      ports: [
        { name: 'http', port: 80, nodePort: 30080 },
        { name: 'admin', port: 81 },
      ],
    },
  });
  const svc = service(
    { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied } },
    { type: 'NodePort', ports: ports() },
  );
  dropAssignedNodePorts(svc, svc.spec as Record<string, unknown>);
  assert.deepEqual((svc.spec as { ports: unknown[] }).ports, [
    { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
    { name: 'admin', port: 81, protocol: 'TCP' },
  ]);
});

test('server-side apply or create: a port whose nodePort a manager owns keeps it; an unnamed applied port matches by value', () => {
  const managedFields = [
    {
      manager: 'kubectl',
      operation: 'Apply',
      fieldsV1: {
        'f:spec': { 'f:ports': { 'k:{"port":81,"protocol":"TCP"}': { 'f:nodePort': {}, 'f:port': {} } } },
      },
    },
  ];
  const svc = service({ managedFields }, { type: 'NodePort', ports: ports(), healthCheckNodePort: 32000 });
  const explicit = explicitNodePorts(svc);
  assert.deepEqual(
    ports().map((port) => explicit(port)),
    [false, true],
  );
  dropAssignedNodePorts(svc, svc.spec as Record<string, unknown>);
  assert.equal(
    (svc.spec as Record<string, unknown>).healthCheckNodePort,
    undefined,
    'an assigned health-check port goes',
  );

  const unnamed = service(
    {
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration':
          '{"spec":{"ports":[{"port":80,"nodePort":30080}]}}',
      },
    },
    {
      ports: [
        { port: 80, nodePort: 30080 },
        { port: 81, nodePort: 30555 },
      ],
    },
  );
  dropAssignedNodePorts(unnamed, unnamed.spec as Record<string, unknown>);
  assert.deepEqual((unnamed.spec as { ports: unknown[] }).ports, [
    { port: 80, nodePort: 30080 },
    { port: 81 },
  ]);
});

test('an annotation that is not JSON names no port; ExternalName services are left alone', () => {
  const broken = service(
    { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{' } },
    { ports: ports() },
  );
  dropAssignedNodePorts(broken, broken.spec as Record<string, unknown>);
  assert.deepEqual(requestedNodePorts(broken), []);
  const external = service({}, { type: 'ExternalName', ports: ports() });
  dropAssignedNodePorts(external, external.spec as Record<string, unknown>);
  assert.deepEqual(requestedNodePorts(external), [30080, 31999]);
  assert.deepEqual(requestedNodePorts(withoutNodePorts(external)), []);
  assert.deepEqual(requestedNodePorts(external), [30080, 31999], 'withoutNodePorts copies');
});
