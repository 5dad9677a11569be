/** `restore-<name>-resource-list.json.gz`: each object's fate by apiVersion/Kind, as Velero writes it. */
import { gzipSync } from 'node:zlib';

/** Velero's word for each of a restore's item actions. */
const fate: Record<string, string> = {
  created: 'created',
  updated: 'updated',
  unchanged: 'skipped',
  exists: 'skipped',
  skipped: 'skipped',
  failed: 'failed',
};

/** The resource list, sorted as Velero sorts it, gzipped. */
export function encodeRestoreResourceList(
  items: readonly { apiVersion: string; kind: string; namespace?: string; name: string; action: string }[],
): Buffer {
  const list: Record<string, string[]> = {};
  for (const item of items) {
    const key = `${item.apiVersion}/${item.kind}`;
    const entries = list[key] ?? [];
    entries.push(
      `${item.namespace ? `${item.namespace}/` : ''}${item.name}(${fate[item.action] ?? item.action})`,
    );
    list[key] = entries;
  }
  for (const entries of Object.values(list)) entries.sort();
  const sorted = Object.fromEntries(Object.entries(list).sort(([a], [b]) => (a < b ? -1 : 1)));
  return gzipSync(`${JSON.stringify(sorted)}\n`);
}
