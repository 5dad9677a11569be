import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLabelSelector } from './label-selector.ts';

test('label selectors in every kubectl form', () => {
  assert.deepEqual(parseLabelSelector('app=web,tier!=db,env in (a, b),!legacy,team'), {
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'NotIn', values: ['db'] },
      { key: 'env', operator: 'In', values: ['a', 'b'] },
      { key: 'legacy', operator: 'DoesNotExist' },
      { key: 'team', operator: 'Exists' },
    ],
  });
  assert.deepEqual(parseLabelSelector('example.com/part-of==shop'), {
    matchLabels: { 'example.com/part-of': 'shop' },
  });
});

test('bad selectors say which term is wrong', () => {
  assert.throws(() => parseLabelSelector('app=web,'), /empty term/);
  assert.throws(() => parseLabelSelector('app=we b'), /cannot read "app=we b"/);
  assert.throws(() => parseLabelSelector('app=-bad-'), /invalid label value "-bad-"/);
});
