import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downloadWarning, largeRepositoryBytes } from './repository.ts';

const started = { type: 'started', location: 'minio', readData: true, packs: 700 } as const;

test('check --read-data warns what it downloads when the repository is large, and only then', () => {
  const warning = downloadWarning({ ...started, storedBytes: 3 * largeRepositoryBytes });
  assert.match(String(warning), /downloads the whole repository of location minio into the control plane/);
  assert.match(String(warning), /3(\.0)? GiB in 700 packs/);
  assert.equal(downloadWarning({ ...started, storedBytes: largeRepositoryBytes - 1 }), undefined);
  assert.equal(
    downloadWarning({ ...started, readData: false, storedBytes: 3 * largeRepositoryBytes }),
    undefined,
  );
});
