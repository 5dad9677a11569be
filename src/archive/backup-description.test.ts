import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type BackupDescription,
  backupFolderProblem,
  decodeBackupDescription,
  encodeBackupDescription,
} from './backup-description.ts';
import { BackupMetadataError } from './errors.ts';
import { goDuration, parseGoDuration } from './go-duration.ts';

const description: BackupDescription = {
  name: 'nightly',
  storageLocation: 'default',
  includedNamespaces: ['web'],
  excludedNamespaces: [],
  includedResources: [],
  excludedResources: ['events'],
  clusterResources: 'auto',
  ttlMs: 720 * 3600 * 1000,
  includeDisks: false,
  phase: 'Completed',
  startTimestamp: new Date('2026-11-25T10:00:00.400Z'),
  completionTimestamp: new Date('2026-11-25T10:00:03Z'),
  expiration: new Date('2026-12-25T10:00:00Z'),
  totalItems: 10,
  itemsBackedUp: 10,
  errors: 0,
  warnings: 1,
  sizeBytes: 1234,
  labelSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
};

/** A description as parsed JSON, for a test to vandalise. */
// biome-ignore lint/suspicious/noExplicitAny: any path of the document is written to, as another writer would
type Doc = any;

/** `nightly`'s description as JSON, changed by `mutate`, decoded from folder `folder`. */
function decodeAltered(mutate: (json: Doc) => void, folder = 'nightly') {
  const json = JSON.parse(encodeBackupDescription(description).toString());
  mutate(json);
  return decodeBackupDescription(Buffer.from(JSON.stringify(json)), folder);
}

test('velero-backup.json is a Velero Backup and reads back the same', () => {
  const bytes = encodeBackupDescription(description);
  const json = JSON.parse(bytes.toString());
  assert.equal(json.kind, 'Backup');
  assert.equal(json.apiVersion, 'velero.io/v1');
  assert.equal(json.spec.ttl, '720h0m0s');
  assert.equal(json.status.formatVersion, '1.1.0');
  assert.equal(json.status.startTimestamp, '2026-11-25T10:00:00Z');
  assert.equal(json.spec.includeClusterResources, undefined, 'auto is Velero nil');
  assert.ok(!bytes.toString().endsWith('\n'));
  const back = decodeBackupDescription(bytes, 'nightly');
  assert.equal(back.name, 'nightly');
  assert.equal(back.phase, 'Completed');
  assert.equal(back.ttlMs, description.ttlMs);
  assert.equal(back.sizeBytes, 1234);
  assert.deepEqual(back.excludedResources, ['events']);
  assert.deepEqual(back.labelSelector, description.labelSelector);
  assert.equal(back.warnings, 1);
});

test('decoding refuses what is not a Backup, and a future major format', () => {
  assert.throws(
    () => decodeBackupDescription(Buffer.from('{"kind":"Restore","apiVersion":"velero.io/v1"}'), 'nightly'),
    /backups\/nightly\/velero-backup.json is not a Velero Backup/,
  );
  assert.throws(() => decodeBackupDescription(Buffer.from('nope'), 'nightly'), /is not JSON/);
  assert.throws(
    () =>
      decodeAltered((json) => {
        json.status.formatVersion = '2.0.0';
      }),
    /not supported/,
  );
});

test('a minimal Velero-written Backup decodes with its defaults', () => {
  const velero = {
    kind: 'Backup',
    apiVersion: 'velero.io/v1',
    metadata: { name: 'b1', namespace: 'velero', uid: 'x' },
    spec: {
      includedNamespaces: ['*'],
      ttl: '24h0m0s',
      includeClusterResources: true,
      hooks: {},
      labelSelector: { matchLabels: { app: 'web' }, matchExpressions: null },
    },
    status: {
      phase: 'PartiallyFailed',
      startTimestamp: '2024-01-01T00:00:00Z',
      progress: { totalItems: 3, itemsBackedUp: 2 },
    },
  };
  const back = decodeBackupDescription(Buffer.from(JSON.stringify(velero)), 'b1');
  assert.equal(back.clusterResources, 'always');
  assert.equal(back.expiration.toISOString(), '2024-01-02T00:00:00.000Z');
  assert.equal(back.itemsBackedUp, 2);
  assert.deepEqual(back.labelSelector, { matchLabels: { app: 'web' } });
});

test("Velero's snapshotVolumes unset is told apart from false; Lifeboat's annotation wins; encoding ignores it", () => {
  const velero = (spec: Record<string, unknown>, annotations?: Record<string, string>) =>
    decodeBackupDescription(
      Buffer.from(
        JSON.stringify({
          kind: 'Backup',
          apiVersion: 'velero.io/v1',
          metadata: { name: 'b1', ...(annotations ? { annotations } : {}) },
          spec,
          status: { phase: 'Completed', startTimestamp: '2024-01-01T00:00:00Z' },
        }),
      ),
      'b1',
    );
  const unset = velero({ ttl: '1h' });
  assert.deepEqual([unset.includeDisks, unset.includeDisksSource], [false, 'velero-unset']);
  const nulled = velero({ snapshotVolumes: null });
  assert.deepEqual([nulled.includeDisks, nulled.includeDisksSource], [false, 'velero-unset']);
  const off = velero({ snapshotVolumes: false });
  assert.deepEqual([off.includeDisks, off.includeDisksSource], [false, 'velero-set']);
  const on = velero({ snapshotVolumes: true });
  assert.deepEqual([on.includeDisks, on.includeDisksSource], [true, 'velero-set']);
  const ours = velero({}, { 'lifeboat.io/include-disks': 'false' });
  assert.deepEqual([ours.includeDisks, ours.includeDisksSource], [false, 'lifeboat']);
  // Lifeboat's own backups read back as its own, and the source is never written.
  const back = decodeBackupDescription(encodeBackupDescription(description), 'nightly');
  assert.equal(back.includeDisksSource, 'lifeboat');
  assert.deepEqual(
    encodeBackupDescription({ ...back, includeDisksSource: 'velero-unset' }),
    encodeBackupDescription(back),
  );
});

test('a description without a size annotation reads as size 0 (the catalog then asks the store)', () => {
  const back = decodeAltered((json) => {
    delete json.metadata.annotations['lifeboat.io/size-bytes'];
  });
  assert.equal(back.sizeBytes, 0);
});

test('a description naming another backup than its folder is refused, whatever else it says', () => {
  // A decoy: folder `decoy`, naming `nightly`, expired — expiry must never act on `nightly` because of it.
  const error = (() => {
    try {
      decodeAltered((json) => {
        json.status.expiration = '2001-01-01T00:00:00Z';
      }, 'decoy');
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof BackupMetadataError);
  assert.equal(error.file, 'backups/decoy/velero-backup.json');
  assert.equal(
    error.message,
    'backups/decoy/velero-backup.json describes a backup named "nightly": a backup\'s name is its folder, so this description was copied or altered — Lifeboat will not read, restore or delete it as "decoy"; delete the folder or put it back under its own name',
  );
});

test('folders that cannot be backup names are refused before anything is read', () => {
  for (const folder of ['..', 'a..b', 'a.-b', 'a/b', 'Nightly', 'x'.repeat(64), '-a', '', 'a\nb']) {
    assert.ok(backupFolderProblem(folder), folder);
    assert.throws(
      () => decodeBackupDescription(encodeBackupDescription({ ...description, name: folder }), folder),
      (e: unknown) => e instanceof BackupMetadataError && /is not a valid backup name/.test(e.message),
      folder,
    );
  }
  assert.equal(backupFolderProblem('nightly-2026.11.25'), undefined);
  assert.match(backupFolderProblem('a\nb') ?? '', /"a\\nb"/, 'control characters are escaped');
});

test('impossible values are refused with the file and the reason', () => {
  const cases: [string, (json: Doc) => void, RegExp][] = [
    [
      'unparsable start',
      (j) => {
        j.status.startTimestamp = 'yesterday';
      },
      /startTimestamp[\s\S]*RFC 3339/,
    ],
    [
      'invalid date',
      (j) => {
        j.status.completionTimestamp = '2026-13-45T99:99:99Z';
      },
      /is not a date/,
    ],
    [
      'absurd year',
      (j) => {
        j.status.expiration = '9999-01-01T00:00:00Z';
      },
      /between the years 2000/,
    ],
    [
      'huge TTL',
      (j) => {
        j.spec.ttl = '99999999999h';
      },
      /TTL of more than a century/,
    ],
    [
      'negative TTL',
      (j) => {
        j.spec.ttl = '-1h';
      },
      /TTL that is not a duration/,
    ],
    [
      'unsafe count',
      (j) => {
        j.status.errors = 2 ** 60;
      },
      /errors/,
    ],
    [
      'negative count',
      (j) => {
        j.status.progress.totalItems = -5;
      },
      /totalItems/,
    ],
    [
      'fractional count',
      (j) => {
        j.status.warnings = 1.5;
      },
      /warnings/,
    ],
    [
      'unknown phase',
      (j) => {
        j.status.phase = 'Pwned';
      },
      /not a phase of a Velero Backup/,
    ],
    [
      'size not a number',
      (j) => {
        j.metadata.annotations['lifeboat.io/size-bytes'] = 'lots';
      },
      /size/,
    ],
    [
      'selector not a selector',
      (j) => {
        j.spec.labelSelector = [[[[]]]];
      },
      /labelSelector/,
    ],
  ];
  for (const [what, mutate, reason] of cases)
    assert.throws(
      () => decodeAltered(mutate),
      (e: unknown) =>
        e instanceof BackupMetadataError &&
        e.message.startsWith('backups/nightly/velero-backup.json ') &&
        reason.test(e.message),
      what,
    );
  // JSON has no Infinity, but 1e400 parses to it.
  assert.throws(
    () =>
      decodeBackupDescription(
        Buffer.from(
          encodeBackupDescription(description).toString().replace('"totalItems": 10', '"totalItems": 1e400'),
        ),
        'nightly',
      ),
    /totalItems/,
  );
});

test('Go durations both ways', () => {
  assert.equal(goDuration(90 * 60 * 1000), '1h30m0s');
  assert.equal(goDuration(45_000), '45s');
  assert.equal(parseGoDuration('720h'), 720 * 3600 * 1000);
  assert.equal(parseGoDuration('1h30m0s'), 90 * 60 * 1000);
  assert.equal(parseGoDuration('90m'), 90 * 60 * 1000);
  assert.throws(() => parseGoDuration('30 days'), /not a duration/);
  assert.throws(() => parseGoDuration(''), /not a duration/);
});
