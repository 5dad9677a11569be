/** Whether a PVC's volume can be snapshotted through CSI, and by which driver. */
import type { KubeClient, KubeObject } from '../kube/index.ts';
import { field, getObject, paths, stringField } from './resources.ts';

/** A bound PVC whose PV is a CSI volume. */
export interface CsiVolume {
  csi: true;
  /** The CSI driver (`spec.csi.driver` of the PV). */
  driver: string;
  /** The PV's name. */
  volumeName: string;
  /** The driver's id of the volume (`spec.csi.volumeHandle`). */
  volumeHandle: string;
  /** The PV as read (raw JSON). */
  persistentVolume: KubeObject;
}

/** A PVC that cannot be snapshotted through CSI; `reason` is for the backup's volume info and warnings. */
export interface NotCsiVolume {
  csi: false;
  reason: string;
}

/** PV volume sources that are not CSI, named as users know them. */
const inTreeSources: Record<string, string> = {
  hostPath: 'a hostPath volume',
  local: 'a local volume',
  nfs: 'an NFS volume',
  awsElasticBlockStore: 'an in-tree AWS EBS volume',
  gcePersistentDisk: 'an in-tree GCE persistent disk',
  azureDisk: 'an in-tree Azure disk',
  azureFile: 'an in-tree Azure file share',
  cinder: 'an in-tree Cinder volume',
  vsphereVolume: 'an in-tree vSphere volume',
  iscsi: 'an iSCSI volume',
  fc: 'a Fibre Channel volume',
  rbd: 'an in-tree Ceph RBD volume',
  cephfs: 'an in-tree CephFS volume',
};

/**
 * Looks at a PVC's bound PV: a CSI volume gives its driver; anything else (not bound, hostPath, local, in-tree
 * plugins) gives the reason it is not snapshotted.
 *
 * @param pvc the PVC as read (raw JSON).
 */
export async function csiVolumeOf(kube: KubeClient, pvc: KubeObject): Promise<CsiVolume | NotCsiVolume> {
  const claim = `${pvc.metadata.namespace ?? ''}/${pvc.metadata.name}`;
  const volumeName = stringField(pvc, 'spec', 'volumeName');
  if (stringField(pvc, 'status', 'phase') !== 'Bound' || !volumeName)
    return {
      csi: false,
      reason: `the claim ${claim} is not bound to a volume, so there is nothing to snapshot`,
    };
  const pv = await getObject(kube, paths.pv(volumeName));
  if (!pv) return { csi: false, reason: `the volume ${volumeName} of the claim ${claim} does not exist` };
  const driver = stringField(pv, 'spec', 'csi', 'driver');
  const volumeHandle = stringField(pv, 'spec', 'csi', 'volumeHandle');
  if (driver && volumeHandle) return { csi: true, driver, volumeName, volumeHandle, persistentVolume: pv };
  const spec = (field(pv, 'spec') ?? {}) as Record<string, unknown>;
  const source = Object.keys(spec).find((key) => key in inTreeSources);
  const what = source ? `${inTreeSources[source]}, not a CSI volume` : 'not a CSI volume';
  return {
    csi: false,
    reason: `the volume ${volumeName} of the claim ${claim} is ${what}: CSI snapshots cannot be taken of it`,
  };
}
