import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BackupMetadataError, TarballWriter } from '../archive/index.ts';
import {
  completeResourceList,
  decodeResourceList,
  lowerPlural,
  pathContents,
  readTarballPaths,
} from './contents.ts';

const file = 'backups/b/b-resource-list.json.gz';
const listOf = (json: unknown) => decodeResourceList(gzipSync(`${JSON.stringify(json)}\n`), file);

/** A gzipped tarball of `entries` (path → body), as Velero writes one. */
async function tarball(entries: [string, string][]): Promise<Readable> {
  const writer = new TarballWriter({ mtime: new Date() });
  const chunks: Buffer[] = [];
  writer.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => writer.stream.on('end', resolve));
  await writer.writeVersion();
  for (const [path, body] of entries) await writer.add(path, Buffer.from(body));
  writer.finish();
  await ended;
  return Readable.from([Buffer.concat(chunks)]);
}

test("Velero's resource list decodes: core and grouped kinds, namespaced and cluster-scoped names", async () => {
  const entries = await listOf({
    'apps/v1/Deployment': ['shop/web'],
    'v1/Namespace': ['shop'],
    'rbac.authorization.k8s.io/v1/ClusterRole': ['system:aggregate-to-view'],
  });
  assert.deepEqual(entries, [
    { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
    { group: '', version: 'v1', kind: 'Namespace', name: 'shop' },
    {
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'ClusterRole',
      name: 'system:aggregate-to-view',
    },
  ]);
  assert.deepEqual(await listOf(null), [], 'Velero writes null for a backup of nothing');
});

test("a resource list that cannot be Velero's is refused naming the file and the entry", async () => {
  const refused = async (json: unknown, pattern: RegExp) =>
    assert.rejects(listOf(json), (error: unknown) => {
      assert.ok(error instanceof BackupMetadataError);
      assert.match(error.message, pattern);
      assert.match(error.message, /b-resource-list\.json\.gz/);
      return true;
    });
  await refused(['v1/Pod'], /not an object of lists/);
  await refused({ 'v1/Pod/extra/more': [] }, /"v1\/Pod\/extra\/more" is not an apiVersion\/Kind/);
  await refused({ '../v1/Pod': [] }, /is not an apiVersion\/Kind/);
  await refused({ 'v1/Pod': 'web' }, /is not a list of names/);
  await refused({ 'v1/Pod': ['a/b/c'] }, /lists "a\/b\/c"/);
  await refused({ 'v1/Pod': ['ns/'] }, /lists "ns\/"/);
  await refused({ 'v1/Pod': [7] }, /lists "7"/);
  await refused({ 'v1/Pod': ['bad\u0001name'] }, /lists/);
  await assert.rejects(decodeResourceList(gzipSync('{"v1/Pod":['), file), /is not JSON/);
});

test("the tarball's paths: one item per object (preferred-version copies folded in), sizes, no bodies held", async () => {
  const cm = '{"kind":"ConfigMap"}';
  const paths = await readTarballPaths(
    await tarball([
      ['resources/configmaps/namespaces/shop/settings.json', cm],
      ['resources/configmaps/v1-preferredversion/namespaces/shop/settings.json', cm],
      ['resources/deployments.apps/namespaces/shop/web.json', '{"kind":"Deployment","x":1}'],
      ['resources/namespaces/cluster/shop.json', '{}'],
      ['not/an/object.txt', 'x'],
    ]),
    'b.tar.gz',
  );
  assert.deepEqual(paths.items, [
    { group: '', resource: 'configmaps', namespace: 'shop', name: 'settings', size: cm.length },
    { group: 'apps', resource: 'deployments', namespace: 'shop', name: 'web', size: 27 },
    { group: '', resource: 'namespaces', name: 'shop', size: 2 },
  ]);
  assert.equal(paths.versions.get('configmaps'), 'v1');
  assert.deepEqual(
    pathContents(paths).map((i) => [i.kind, i.version, i.resource, i.name]),
    [
      ['', 'v1', 'configmaps', 'settings'],
      ['', '', 'deployments', 'web'],
      ['', '', 'namespaces', 'shop'],
    ],
  );
});

test('the list completed by the tarball: resources and sizes, kinds told apart by their other objects, objects only the tarball names', async () => {
  const list = await listOf({
    'v1/ConfigMap': ['shop/only-cm', 'shop/same'],
    'v1/Secret': ['shop/only-secret', 'shop/same'],
    'networking.k8s.io/v1/Ingress': ['shop/front'],
  });
  const paths = await readTarballPaths(
    await tarball([
      ['resources/configmaps/namespaces/shop/only-cm.json', 'c'],
      ['resources/configmaps/namespaces/shop/same.json', 'cc'],
      ['resources/configmaps/namespaces/shop/not-listed.json', 'ccc'],
      ['resources/secrets/namespaces/shop/only-secret.json', 'ssss'],
      ['resources/secrets/namespaces/shop/same.json', 'sssss'],
      ['resources/ingresses.networking.k8s.io/namespaces/shop/front.json', 'iiiiii'],
      ['resources/widgets.example.com/cluster/w.json', 'wwwwwww'],
    ]),
    'b.tar.gz',
  );
  const items = completeResourceList(list, paths).map((i) => `${i.kind}|${i.resource}|${i.name}|${i.size}`);
  assert.deepEqual(items, [
    'ConfigMap|configmaps|only-cm|1',
    'ConfigMap|configmaps|same|2',
    'Secret|secrets|only-secret|4',
    'Secret|secrets|same|5',
    'Ingress|ingresses|front|6',
    'ConfigMap|configmaps|not-listed|3',
    '|widgets|w|7',
  ]);
  // Without any tarball path, the list stands alone.
  const bare = completeResourceList(list, { items: [], versions: new Map() });
  assert.deepEqual(bare[0], {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    namespace: 'shop',
    name: 'only-cm',
  });
});

test('lower-case plurals of kinds', () => {
  assert.deepEqual(['Deployment', 'Ingress', 'NetworkPolicy', 'Gateway', 'Box'].map(lowerPlural), [
    'deployments',
    'ingresses',
    'networkpolicies',
    'gateways',
    'boxes',
  ]);
});
