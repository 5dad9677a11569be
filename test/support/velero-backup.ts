/**
 * A backup in Velero's layout that Lifeboat did not write, as the tests of what a Velero user sees build it:
 * `velero-backup.json` as Velero writes it (no Lifeboat annotation: no size, no include-disks), the tarball
 * with each object under its plain and preferred-version paths, and `<name>-resource-list.json.gz` — but no
 * Lifeboat content index. Written raw through the `ObjectStore` port.
 */
import { gzipSync } from 'node:zlib';
import { backupKeys, TarballWriter } from '../../src/archive/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { backupDocument, type Json } from './hostile.ts';

/** One object of the backup: where Velero files it, and how the resource list names it. */
export interface VeleroObject {
  groupResource: string;
  listKey: string;
  namespace?: string;
  name: string;
  body: Json;
}

/**
 * The objects of namespace `ns`: the namespace, a ConfigMap and a Secret of the same name (so kinds must be
 * told apart by more than their names) and a Deployment.
 */
export function veleroObjects(ns: string): VeleroObject[] {
  const meta = (name: string, namespace?: string) => ({
    name,
    ...(namespace ? { namespace } : {}),
    uid: `uid-${name}`,
    resourceVersion: '7',
  });
  return [
    {
      groupResource: 'namespaces',
      listKey: 'v1/Namespace',
      name: ns,
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns) },
    },
    {
      groupResource: 'configmaps',
      listKey: 'v1/ConfigMap',
      namespace: ns,
      name: 'settings',
      body: { apiVersion: 'v1', data: { color: 'teal' }, kind: 'ConfigMap', metadata: meta('settings', ns) },
    },
    {
      groupResource: 'secrets',
      listKey: 'v1/Secret',
      namespace: ns,
      name: 'settings',
      body: {
        apiVersion: 'v1',
        data: { token: 'c2VjcmV0' },
        kind: 'Secret',
        metadata: meta('settings', ns),
        type: 'Opaque',
      },
    },
    {
      groupResource: 'deployments.apps',
      listKey: 'apps/v1/Deployment',
      namespace: ns,
      name: 'web',
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta('web', ns),
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
          },
        },
      },
    },
  ];
}

/**
 * Writes Velero backup `name` of namespace `ns` into `store`; `snapshotVolumes` left out means unset, as
 * `velero backup create` without `--snapshot-volumes` leaves it. Returns its objects and the tarball's size.
 */
export async function writeVeleroBackup(
  store: ObjectStore,
  name: string,
  ns: string,
  options: { snapshotVolumes?: boolean } = {},
): Promise<{ objects: VeleroObject[]; tarballBytes: number }> {
  const keys = backupKeys(name);
  const objects = veleroObjects(ns);
  const writer = new TarballWriter({ mtime: new Date() });
  const upload = store.put(keys.tarball, writer.stream);
  await writer.writeVersion();
  for (const object of objects) {
    const scope = object.namespace ? `namespaces/${object.namespace}` : 'cluster';
    const version = object.listKey.split('/').at(-2) ?? 'v1';
    const body = Buffer.from(JSON.stringify(object.body));
    await writer.add(`resources/${object.groupResource}/${scope}/${object.name}.json`, body);
    await writer.add(
      `resources/${object.groupResource}/${version}-preferredversion/${scope}/${object.name}.json`,
      body,
    );
  }
  writer.finish();
  await upload;
  const document = backupDocument(name, { madeBy: 'velero' });
  const spec = document.spec as Json;
  delete spec.snapshotVolumes;
  if (options.snapshotVolumes !== undefined) spec.snapshotVolumes = options.snapshotVolumes;
  spec.includedNamespaces = [ns];
  (document.status as Json).progress = { totalItems: objects.length, itemsBackedUp: objects.length };
  await store.put(keys.metadata, Buffer.from(JSON.stringify(document, null, 2)));
  const list: Record<string, string[]> = {};
  for (const object of objects) {
    const names = list[object.listKey] ?? [];
    names.push(object.namespace ? `${object.namespace}/${object.name}` : object.name);
    list[object.listKey] = names;
  }
  const sorted = Object.fromEntries(Object.entries(list).sort(([a], [b]) => (a < b ? -1 : 1)));
  await store.put(keys.resourceList, gzipSync(`${JSON.stringify(sorted)}\n`));
  const tarballBytes = (await store.head(keys.tarball))?.size ?? 0;
  return { objects, tarballBytes };
}
