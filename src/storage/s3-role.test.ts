import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stsEndpointOf } from './s3-role.ts';

test("a role is assumed at the STS endpoint given, else at an S3 URL that is not AWS's, else at AWS STS", () => {
  assert.equal(stsEndpointOf({}), undefined);
  assert.equal(stsEndpointOf({ endpoint: 'https://minio.example:9000' }), 'https://minio.example:9000');
  assert.equal(
    stsEndpointOf({ endpoint: 'https://minio.example:9000', stsEndpoint: 'https://sts.example' }),
    'https://sts.example',
  );
  for (const aws of [
    'https://s3.eu-west-1.amazonaws.com',
    'https://bucket.vpce-0a1b-2c3d.s3.us-east-1.vpce.amazonaws.com',
    'https://s3.cn-north-1.amazonaws.com.cn',
  ])
    assert.equal(stsEndpointOf({ endpoint: aws }), undefined, aws);
  // A look-alike host is not AWS's.
  assert.equal(stsEndpointOf({ endpoint: 'https://evilamazonaws.com' }), 'https://evilamazonaws.com');
});
