import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isSecret,
  lastAppliedAnnotation,
  redactedChangedValue,
  redactedValue,
  redactSecret,
} from './secret-redaction.ts';

const stored = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'db',
    annotations: { [lastAppliedAnnotation]: '{"data":{"password":"aHVudGVyMg=="}}', team: 'shop' },
  },
  type: 'Opaque',
  data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' },
  stringData: { note: 'plain text' },
};

test("a Secret keeps its keys, never its values, nor kubectl's copy of them", () => {
  const shown = redactSecret(stored);
  assert.deepEqual(shown.data, { password: redactedValue, user: redactedValue });
  assert.deepEqual(shown.stringData, { note: redactedValue });
  const annotations = (shown.metadata as { annotations: Record<string, string> }).annotations;
  assert.equal(annotations.team, 'shop');
  assert.doesNotMatch(annotations[lastAppliedAnnotation] ?? '', /aHVudGVyMg/);
  assert.doesNotMatch(JSON.stringify(shown), /aHVudGVyMg|YWRtaW4|plain text/);
  assert.equal(stored.data.password, 'aHVudGVyMg==', 'the object passed in is left as it was');
});

test('a live Secret says which values differ from the backup, without showing either', () => {
  const live = { ...stored, data: { password: 'bmV3', user: 'YWRtaW4=', token: 'dA==' } };
  const shown = redactSecret(live, stored);
  assert.deepEqual(shown.data, {
    password: redactedChangedValue,
    user: redactedValue,
    token: redactedChangedValue,
  });
  assert.doesNotMatch(JSON.stringify(shown), /bmV3|YWRtaW4|dA==/);
});

test('a value that is not a map of strings is not shown either; Secrets are known by path or kind', () => {
  assert.equal(redactSecret({ ...stored, data: 'c2VjcmV0' }).data, redactedValue);
  assert.ok(isSecret({ kind: 'Secret', apiVersion: 'v1' }));
  assert.ok(isSecret({ kind: 'Other' }, { group: '', resource: 'secrets' }));
  assert.ok(!isSecret({ kind: 'ConfigMap', apiVersion: 'v1' }, { group: '', resource: 'configmaps' }));
  assert.ok(
    !isSecret(
      { kind: 'Secret', apiVersion: 'example.com/v1' },
      { group: 'example.com', resource: 'secrets' },
    ),
  );
});
