import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  contentsNote,
  contentsTable,
  contentsViewText,
  describeVolumes,
  includeDisksText,
} from './backup-output.ts';

const none = { state: 'none', reason: null, items: [], snapshotted: 0 } as const;

test("Velero's unset snapshotVolumes is said as what Velero does, not as false", () => {
  assert.equal(
    includeDisksText(false, 'velero-unset'),
    "not set — Velero's default, snapshots where a snapshotter is configured",
  );
  assert.equal(includeDisksText(false, 'velero-set'), 'false');
  assert.equal(includeDisksText(true, undefined), 'true');
  assert.match(
    describeVolumes(false, 'velero-unset', { ...none, items: [] }),
    /none recorded \(Velero snapshots only/,
  );
  assert.match(describeVolumes(false, 'lifeboat', { ...none, items: [] }), /taken without --include-disks/);
});

test('where the contents come from is said, with no note for Lifeboat’s index', () => {
  assert.equal(contentsNote('lifeboat-index', null, 'f'), '');
  assert.match(
    contentsNote('velero-resource-list', null, 'b-resource-list.json.gz'),
    /Velero's resource list \(b-resource-list\.json\.gz\).*no per-object checksums/,
  );
  assert.match(contentsNote('tarball', 'cut short', 'f'), /tarball's paths.*\nWarning: cut short\n$/s);
  assert.match(contentsNote('none', null, 'f'), /nothing to list/);
});

test('contents tables: sizes for a Velero backup, resources where the kinds are unknown', () => {
  const text = contentsTable({
    source: 'tarball',
    items: [
      {
        group: 'apps',
        version: '',
        kind: '',
        resource: 'deployments',
        namespace: 'shop',
        name: 'web',
        size: 2048,
      },
      { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' },
    ],
  });
  const [header, first, second] = text.split('\n');
  assert.match(header ?? '', /API VERSION +KIND +NAMESPACE +NAME +SIZE/);
  assert.match(first ?? '', /^apps +deployments +shop +web +2\.0 KiB/);
  assert.match(second ?? '', /^v1 +ConfigMap +shop +settings +-/);
  const view = contentsViewText(
    {
      indexed: false,
      source: 'velero-resource-list',
      warning: null,
      totalItems: 1,
      namespaces: [{ namespace: 'shop', kinds: [{ kind: 'Deployment', group: 'apps', items: ['web'] }] }],
    },
    'b-resource-list.json.gz',
  );
  assert.match(
    view,
    /^Contents from Velero's resource list.*\nNAMESPACE +KIND +NAME\nshop +Deployment\.apps +web/s,
  );
});
