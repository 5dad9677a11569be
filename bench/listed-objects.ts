/**
 * Objects of about 1.3 KB shaped as an API server lists them (uid, resource version, managed fields), for the
 * benchmarks that run without a cluster: a ConfigMap whose payload is half a repeated letter and half random
 * (so it compresses as real data does), and an Opaque Secret of the same size. No `kind` or `apiVersion`: a
 * LIST's items carry neither.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** Metadata as the API server keeps it, with the managed field of `fields`. */
function listedMetadata(i: number, namespace: string, fields: object, labels?: Record<string, string>) {
  return {
    name: `obj-${i}`,
    namespace,
    uid: randomUUID(),
    resourceVersion: String(1_000_000 + i),
    creationTimestamp: '2026-12-02T14:35:12Z',
    ...(labels ? { labels } : {}),
    managedFields: [
      {
        manager: 'node',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-12-02T14:35:12Z',
        fieldsType: 'FieldsV1',
        fieldsV1: fields,
      },
    ],
  };
}

/** ConfigMap `obj-<i>` of `namespace`, labelled bench=true. */
export function listedConfigMap(i: number, namespace: string) {
  return {
    metadata: listedMetadata(
      i,
      namespace,
      { 'f:data': { '.': {}, 'f:payload': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:bench': {} } } },
      { bench: 'true' },
    ),
    data: { payload: `${'x'.repeat(500)}${randomBytes(375).toString('base64')}` },
  };
}

/** Secret `obj-<i>` of `namespace`, type Opaque. */
export function listedSecret(i: number, namespace: string) {
  return {
    metadata: listedMetadata(i, namespace, { 'f:data': { '.': {}, 'f:payload': {} }, 'f:type': {} }),
    data: {
      payload: Buffer.from(`${'x'.repeat(500)}${randomBytes(250).toString('hex')}`).toString('base64'),
    },
    type: 'Opaque',
  };
}
