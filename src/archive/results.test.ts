import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { gzipBomb } from '../../test/support/hostile.ts';
import { maxResultsBytes } from './bounded.ts';
import { ArchiveLimitError, BackupMetadataError } from './errors.ts';
import { Results } from './results.ts';

test('results encode as Velero does and read back', async () => {
  const results = new Results();
  assert.equal(gunzipSync(results.encode()).toString(), '{"errors":{},"warnings":{}}\n');
  results.error('resource: /secrets error: /forbidden', { namespace: 'web' });
  results.warning('cluster thing', { cluster: true });
  assert.equal(results.errorCount, 1);
  const back = await Results.decode(results.encode());
  assert.deepEqual(back.errors, { namespaces: { web: ['resource: /secrets error: /forbidden'] } });
  assert.deepEqual(back.warnings, { cluster: ['cluster thing'] });
  // Velero writes nulls for empty groups.
  const velero = gzipSync('{"errors":{"velero":null,"namespaces":{"a":null}},"warnings":null}\n');
  assert.deepEqual(await Results.decode(velero), { errors: { namespaces: {} }, warnings: {} });
});

test('a results bomb is refused at its limit, and a results file of the wrong shape is named', async () => {
  await assert.rejects(Results.decode(gzipBomb(2 ** 30), 'backups/b/b-results.gz'), (error: unknown) => {
    assert.ok(error instanceof ArchiveLimitError);
    assert.equal(error.limit, maxResultsBytes);
    assert.equal(error.file, 'backups/b/b-results.gz');
    return true;
  });
  await assert.rejects(
    Results.decode(gzipSync('{"errors":{"velero":[{"$gt":1}]}}'), 'backups/b/b-results.gz'),
    (error: unknown) =>
      error instanceof BackupMetadataError &&
      /^backups\/b\/b-results.gz is not Velero's results \(errors.velero\[0\]: /.test(error.message),
  );
  await assert.rejects(Results.decode(gzipSync('{"errors":'), 'r.gz'), /r.gz is not JSON/);
});
