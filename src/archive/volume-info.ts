/**
 * `<name>-volumeinfo.json.gz`: what happened to each volume of a backup, in Velero 1.18's format
 * (internal/volume/volumes_information.go): a gzipped JSON array, one entry per PersistentVolume — snapshotted
 * (`backupMethod: "CSISnapshot"` with the snapshot's handle) or skipped with the reason. Velero's restore
 * keys on it (a PV whose entry says CSISnapshot is re-provisioned, not restored as is), so Lifeboat writes it
 * the way Velero does and reads Velero's back. Also the older `-csi-volumesnapshot*` files (JSON arrays of
 * objects) that Velero before 1.17 wrote and its restore still reads.
 */
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { gunzipBounded } from './bounded.ts';
import { BackupMetadataError, issuesLine } from './errors.ts';

const MiB = 1024 * 1024;

/**
 * Largest volume info read, once inflated: an entry is about 600 bytes, so 16 MiB holds about 25k volumes,
 * far more than one backup snapshots.
 */
export const maxVolumeInfoBytes = 16 * MiB;

/** How a volume was backed up (Velero's `Method`); Lifeboat writes `CSISnapshot`. */
export type VolumeBackupMethod = 'CSISnapshot' | 'NativeSnapshot' | 'PodVolumeBackup' | (string & {});

/** A CSI snapshot of a volume (Velero's CSISnapshotInfo; `ReadyToUse` is capitalised there too). */
export interface CsiSnapshotInfo {
  snapshotHandle: string;
  /** The restore size, in bytes. */
  size: number;
  driver: string;
  vscName: string;
  operationID?: string;
  ReadyToUse?: boolean;
}

/**
 * A snapshot's data moved into the backup location (Velero's SnapshotDataMovementInfo). Lifeboat's data mover
 * writes `dataMover: "lifeboat"` and the id of the snapshot in the location's volume repository
 * (docs/repository-format.md) as `snapshotHandle`; Velero's own mover writes `velero` (or nothing) and a Kopia
 * snapshot id, which Lifeboat cannot read.
 */
export interface SnapshotDataMovementInfo {
  dataMover: string;
  uploaderType: string;
  /** The CSI snapshot kept beside the moved data (a VolumeSnapshot name), or empty when it was deleted. */
  retainedSnapshot?: string;
  snapshotHandle: string;
  operationID?: string;
  /** Bytes of file contents moved. */
  size: number;
  phase?: string;
}

/** The `dataMover` Lifeboat's data mover records. */
export const lifeboatDataMover = 'lifeboat';

/** One volume of a backup (Velero's BackupVolumeInfo, the fields Lifeboat writes or reads). */
export interface VolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod?: VolumeBackupMethod;
  snapshotDataMoved: boolean;
  preserveLocalSnapshot: boolean;
  skipped: boolean;
  skippedReason?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  result?: 'succeeded' | 'failed' | (string & {});
  csiSnapshotInfo?: CsiSnapshotInfo;
  snapshotDataMovementInfo?: SnapshotDataMovementInfo;
  pvInfo?: { reclaimPolicy: string; labels: Record<string, string> | null };
}

const name = z.string().max(253);
const volumeInfoSchema = z
  .object({
    pvcName: name.optional(),
    pvcNamespace: name.optional(),
    pvName: name.optional(),
    backupMethod: z.string().max(64).optional(),
    snapshotDataMoved: z.boolean().default(false),
    preserveLocalSnapshot: z.boolean().default(false),
    skipped: z.boolean().default(false),
    skippedReason: z.string().max(4096).optional(),
    startTimestamp: z.string().max(64).optional(),
    completionTimestamp: z.string().max(64).optional(),
    result: z.string().max(64).optional(),
    csiSnapshotInfo: z
      .object({
        snapshotHandle: z.string().max(4096),
        size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
        driver: name,
        vscName: name.default(''),
        operationID: z.string().max(1024).optional(),
        ReadyToUse: z.boolean().nullish(),
      })
      .nullish(),
    snapshotDataMovementInfo: z
      .object({
        dataMover: z.string().max(253).default(''),
        uploaderType: z.string().max(64).default(''),
        retainedSnapshot: z.string().max(253).optional(),
        snapshotHandle: z.string().max(4096).default(''),
        operationID: z.string().max(1024).optional(),
        size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
        phase: z.string().max(64).optional(),
      })
      .nullish(),
    pvInfo: z
      .object({
        reclaimPolicy: z.string().max(64).default(''),
        labels: z.record(z.string(), z.string()).nullish(),
      })
      .nullish(),
  })
  // Velero has more methods (pod volume, data movement, native): their fields are kept as read.
  .loose();

/** Encodes volume info as Velero writes it: a compact JSON array and a newline, gzipped. */
export function encodeVolumeInfo(entries: readonly VolumeInfo[]): Buffer {
  return gzipSync(`${JSON.stringify(entries)}\n`);
}

/**
 * Reads volume info (bounded, see `maxVolumeInfoBytes`); `BackupMetadataError` naming `file` when it is not
 * Velero's volume info. Velero writes `null` for a backup without volumes: that reads as none.
 */
export async function decodeVolumeInfo(
  input: Buffer | Readable,
  file = 'volume info',
): Promise<VolumeInfo[]> {
  const text = (await gunzipBounded(input, maxVolumeInfoBytes, file)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BackupMetadataError(`${file} is not JSON: ${(error as Error).message}`, { file, cause: error });
  }
  if (parsed === null) return [];
  const result = z.array(volumeInfoSchema).max(100_000).safeParse(parsed);
  if (!result.success)
    throw new BackupMetadataError(`${file} is not Velero volume info: ${issuesLine(result.error)}`, { file });
  return result.data.map((entry) => {
    const { csiSnapshotInfo, snapshotDataMovementInfo, pvInfo, ...rest } = entry;
    const info = rest as VolumeInfo;
    if (csiSnapshotInfo) {
      const { ReadyToUse, operationID, ...csi } = csiSnapshotInfo;
      info.csiSnapshotInfo = {
        ...csi,
        ...(operationID === undefined ? {} : { operationID }),
        ...(ReadyToUse == null ? {} : { ReadyToUse }),
      };
    }
    if (snapshotDataMovementInfo) {
      const { retainedSnapshot, operationID, phase, ...moved } = snapshotDataMovementInfo;
      info.snapshotDataMovementInfo = {
        ...moved,
        ...(retainedSnapshot === undefined ? {} : { retainedSnapshot }),
        ...(operationID === undefined ? {} : { operationID }),
        ...(phase === undefined ? {} : { phase }),
      };
    }
    if (pvInfo) info.pvInfo = { reclaimPolicy: pvInfo.reclaimPolicy, labels: pvInfo.labels ?? null };
    return info;
  });
}

/** Encodes a list of objects (the `-csi-volumesnapshot*` files): a JSON array, gzipped. */
export function encodeObjectList(objects: readonly unknown[]): Buffer {
  return gzipSync(`${JSON.stringify(objects)}\n`);
}
