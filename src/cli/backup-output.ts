/**
 * The parts of `backup describe` that local and remote mode share and that differ for a backup Velero made:
 * its snapshotVolumes left unset (Velero's default is to snapshot, not to skip), and its contents listed from
 * Velero's resource list and tarball, which carry no per-object checksums.
 */
import type { BackupDescription } from '../archive/index.ts';
import type { BackupDetails } from '../backup/index.ts';
import type { ContentsView } from './api-client.ts';
import { formatBytes, table } from './output.ts';
import { type VolumesSummary, volumesText } from './volume-output.ts';

type IncludeDisksSource = BackupDescription['includeDisksSource'];
type ContentsSource = ContentsView['source'];

/** What Velero does when a backup leaves `snapshotVolumes` unset. */
export const veleroDefaultDisks = "not set — Velero's default, snapshots where a snapshotter is configured";

/** The `Include disks:` value: true, false, or Velero's unset said as what Velero does with it. */
export function includeDisksText(includeDisks: boolean, source: IncludeDisksSource): string {
  return source === 'velero-unset' ? veleroDefaultDisks : String(includeDisks);
}

/**
 * The `Volumes:` section. A Velero backup that left snapshotVolumes unset and recorded no volumes was not
 * "taken without --include-disks": Velero snapshotted nothing because nothing it could snapshot was there.
 */
export function describeVolumes(
  includeDisks: boolean,
  source: IncludeDisksSource,
  volumes: VolumesSummary,
): string {
  if (source === 'velero-unset' && volumes.state === 'none')
    return 'Volumes:          none recorded (Velero snapshots only volumes a snapshotter is configured for)\n';
  return volumesText(includeDisks, volumes);
}

/**
 * The sentence before the objects of `describe --details`, saying where they were listed from; nothing for
 * Lifeboat's index (the usual case). `file` is the resource list's name, for Velero's.
 */
export function contentsNote(source: ContentsSource, warning: string | null, file: string): string {
  const lines: string[] = [];
  if (source === 'velero-resource-list')
    lines.push(
      `Contents from Velero's resource list (${file}), with resources and sizes from the tarball's paths: Velero records no per-object checksums, so these are the objects the backup names, not checked ones.`,
    );
  else if (source === 'tarball')
    lines.push(
      "Contents from the tarball's paths (the backup has no resource list): kinds are shown as resources, and there are no per-object checksums.",
    );
  else if (source === 'none')
    lines.push(
      'This backup has no content index, resource list or tarball: there is nothing to list its objects from.',
    );
  if (warning) lines.push(`Warning: ${warning}`);
  return lines.map((line) => `${line}\n`).join('');
}

/** The objects of a backup read locally, as a table (sizes when the tarball gave them). */
export function contentsTable(contents: NonNullable<BackupDetails['contents']>): string {
  const sized = contents.source !== 'lifeboat-index';
  const rows = contents.items.map((item) => {
    // The tarball's paths alone name no version unless a preferred-version folder does.
    const apiVersion = item.version
      ? item.group
        ? `${item.group}/${item.version}`
        : item.version
      : item.group;
    const row = [apiVersion || '-', item.kind || (item.resource ?? ''), item.namespace ?? '', item.name];
    if (sized) row.push(item.size === undefined ? '-' : formatBytes(item.size));
    return row;
  });
  const headers = ['API VERSION', 'KIND', 'NAMESPACE', 'NAME'];
  return table(sized ? [...headers, 'SIZE'] : headers, rows);
}

/** The contents the API answers with, as a table (the note first, for a backup Lifeboat did not make). */
export function contentsViewText(contents: ContentsView, file: string): string {
  const note = contentsNote(contents.source, contents.warning, file);
  const rows = contents.namespaces.flatMap((ns) =>
    ns.kinds.flatMap((kind) =>
      kind.items.map((item) => [
        ns.namespace ?? '',
        kind.group ? `${kind.kind}.${kind.group}` : kind.kind,
        item,
      ]),
    ),
  );
  return rows.length === 0 ? note : `${note}${table(['NAMESPACE', 'KIND', 'NAME'], rows)}`;
}
