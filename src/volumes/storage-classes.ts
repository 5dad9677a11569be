/**
 * The target cluster's storage as a snapshot restore needs it: each StorageClass's provisioner (the CSI
 * driver that makes its volumes; a snapshot can only become a volume of its own driver), the default class,
 * and whether a CSI driver is installed.
 */
import { KubeApiError, type KubeClient } from '../kube/index.ts';
import { getObject } from './resources.ts';

/** A StorageClass of the target cluster, as far as restoring snapshots is concerned. */
export interface StorageClassInfo {
  name: string;
  /** The driver that provisions its volumes (`provisioner`), for example `ebs.csi.aws.com`. */
  provisioner: string;
  /** Marked `storageclass.kubernetes.io/is-default-class: "true"`: claims that name no class get it. */
  isDefault: boolean;
  /** `Immediate` or `WaitForFirstConsumer` (a claim binds only once a pod uses it). */
  volumeBindingMode: string;
  /** ISO 8601, when known: of several default classes, Kubernetes gives a claim the newest. */
  created?: string;
}

interface StorageClassJson {
  metadata: { name: string; annotations?: Record<string, string>; creationTimestamp?: string };
  provisioner?: string;
  volumeBindingMode?: string;
}

const defaultClassAnnotations = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

/** Every StorageClass of the cluster (a handful: one request). */
export async function listStorageClasses(kube: KubeClient): Promise<StorageClassInfo[]> {
  let items: StorageClassJson[];
  try {
    const response = await kube.request({ method: 'GET', path: '/apis/storage.k8s.io/v1/storageclasses' });
    items = (JSON.parse(response.body.toString('utf8')) as { items?: StorageClassJson[] }).items ?? [];
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return [];
    throw error;
  }
  return items.map((item) => ({
    name: item.metadata.name,
    provisioner: item.provisioner ?? '',
    isDefault: defaultClassAnnotations.some((key) => item.metadata.annotations?.[key] === 'true'),
    volumeBindingMode: item.volumeBindingMode ?? 'Immediate',
    ...(item.metadata.creationTimestamp ? { created: item.metadata.creationTimestamp } : {}),
  }));
}

/**
 * The class a claim gets: the one it names, else (no class named) the cluster's default — the newest when
 * several are marked, as Kubernetes chooses. Undefined when the named class does not exist or none is default.
 */
export function classForClaim(
  classes: readonly StorageClassInfo[],
  storageClassName: string | undefined,
): StorageClassInfo | undefined {
  if (storageClassName !== undefined) return classes.find((item) => item.name === storageClassName);
  const defaults = classes
    .filter((item) => item.isDefault)
    .sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
  return defaults[0];
}

/** Whether a CSIDriver object of that name is registered (drivers that need no attach may not have one). */
export async function hasCsiDriver(kube: KubeClient, driver: string): Promise<boolean> {
  try {
    return (
      (await getObject(kube, `/apis/storage.k8s.io/v1/csidrivers/${encodeURIComponent(driver)}`)) !==
      undefined
    );
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 403 || error.status === 404)) return false;
    throw error;
  }
}
