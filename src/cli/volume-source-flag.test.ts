import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './io.ts';
import { volumeSource, volumeSourceText } from './volume-source-flag.ts';

test('--volume-source takes auto, snapshot or copy; anything else is a usage error naming them', () => {
  assert.equal(volumeSource(undefined), undefined, 'not given: auto');
  for (const mode of ['auto', 'snapshot', 'copy'] as const) assert.equal(volumeSource(mode), mode);
  for (const bad of ['Copy', 'both', '']) {
    assert.throws(
      () => volumeSource(bad),
      (error: Error) => {
        assert.ok(error instanceof UsageError);
        assert.match(
          error.message,
          new RegExp(
            `^--volume-source must be auto \\(.*\\), snapshot \\(.*\\) or copy \\(.*\\), got "${bad}"$`,
          ),
        );
        return true;
      },
    );
  }
});

test('describe words each volume source with what it means', () => {
  assert.equal(volumeSourceText('copy'), "copy (copies in the location's volume repository only)");
  assert.equal(
    volumeSourceText('auto'),
    'auto (the kept CSI snapshot where the target can use it, else the copy)',
  );
});
