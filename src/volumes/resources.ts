/**
 * Paths and small raw-JSON calls for the objects this folder reads and writes: PVCs, PVs and the CSI snapshot
 * API (`snapshot.storage.k8s.io/v1`). Objects stay raw JSON; only the fields read here are typed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiResource, KubeApiError, type KubeClient, type KubeObject } from '../kube/index.ts';

/** The snapshot API group and version Lifeboat uses (v1, Kubernetes 1.20+). */
export const snapshotApiVersion = 'snapshot.storage.k8s.io/v1';
const snapshotBase = `/apis/${snapshotApiVersion}`;

const seg = encodeURIComponent;

/** URL paths of the objects used here. */
export const paths = {
  pvc: (namespace: string, name: string) =>
    `/api/v1/namespaces/${seg(namespace)}/persistentvolumeclaims/${seg(name)}`,
  namespace: (name: string) => `/api/v1/namespaces/${seg(name)}`,
  pv: (name: string) => `/api/v1/persistentvolumes/${seg(name)}`,
  volumeSnapshots: (namespace: string) => `${snapshotBase}/namespaces/${seg(namespace)}/volumesnapshots`,
  volumeSnapshot: (namespace: string, name: string) =>
    `${snapshotBase}/namespaces/${seg(namespace)}/volumesnapshots/${seg(name)}`,
  volumeSnapshotContents: () => `${snapshotBase}/volumesnapshotcontents`,
  volumeSnapshotContent: (name: string) => `${snapshotBase}/volumesnapshotcontents/${seg(name)}`,
  volumeSnapshotClass: (name: string) => `${snapshotBase}/volumesnapshotclasses/${seg(name)}`,
};

/** The VolumeSnapshotClass collection, for `listPages`. */
export const volumeSnapshotClassResource: ApiResource = {
  group: 'snapshot.storage.k8s.io',
  version: 'v1',
  resource: 'volumesnapshotclasses',
  kind: 'VolumeSnapshotClass',
  singular: 'volumesnapshotclass',
  shortNames: ['vsclass'],
  namespaced: false,
  verbs: ['list'],
};

/** GET of one object; `undefined` when it does not exist. */
export async function getObject(kube: KubeClient, path: string): Promise<KubeObject | undefined> {
  try {
    const response = await kube.request({ method: 'GET', path });
    return JSON.parse(response.body.toString('utf8')) as KubeObject;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** POST of a new object into a collection; returns the object as created. */
export async function createObject(
  kube: KubeClient,
  collection: string,
  object: object,
): Promise<KubeObject> {
  const response = await kube.request({ method: 'POST', path: collection, body: JSON.stringify(object) });
  return JSON.parse(response.body.toString('utf8')) as KubeObject;
}

/** JSON merge patch; returns the patched object. */
export async function mergePatchObject(kube: KubeClient, path: string, patch: object): Promise<KubeObject> {
  const response = await kube.request({
    method: 'PATCH',
    path,
    body: JSON.stringify(patch),
    contentType: 'application/merge-patch+json',
  });
  return JSON.parse(response.body.toString('utf8')) as KubeObject;
}

/** DELETE; an object already gone is not an error. Returns whether it existed. */
export async function deleteObject(kube: KubeClient, path: string): Promise<boolean> {
  try {
    await kube.request({ method: 'DELETE', path });
    return true;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return false;
    throw error;
  }
}

/** Polls `probe` every `intervalMs` until it returns a value or `deadline` (epoch ms) passes. */
export async function pollUntil<T>(
  deadline: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 500,
): Promise<T | undefined> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(intervalMs, left));
  }
}

/** Reads a nested field of raw JSON without a typed model. */
export function field(object: unknown, ...keys: string[]): unknown {
  let value = object;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A nested string field, or undefined when absent or not a string. */
export function stringField(object: unknown, ...keys: string[]): string | undefined {
  const value = field(object, ...keys);
  return typeof value === 'string' ? value : undefined;
}

/** Whether the snapshot controller guards a VolumeSnapshot's binding with its finalizer. */
export function hasBoundProtection(object: KubeObject): boolean {
  const finalizers = object.metadata.finalizers;
  return Array.isArray(finalizers) && finalizers.includes(boundProtectionFinalizer);
}

const boundProtectionFinalizer = 'snapshot.storage.kubernetes.io/volumesnapshot-bound-protection';
