/**
 * The AWS location form's pure parts (no browser, no test bed): which fields it shows and requires in each
 * sign-in mode, the request body it sends (S3 URL, path style, CA, STS keys), and the IAM documents it shows
 * (the trust policy naming whose account assumes the role, the EC2 snapshot actions marked as needed only for
 * backups that include disks).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assumerHint,
  assumerPlaceholder,
  assumerPolicy,
  diskSnapshotActions,
  diskSnapshotsSid,
  permissionsPolicy,
  trustPolicy,
} from '../../web/src/locations/aws-policies.ts';
import {
  changedFields,
  emptyForm,
  formFromView,
  isOptional,
  type LocationForm,
  labelOf,
  localIssues,
  shownKeys,
  toBody,
} from '../../web/src/locations/location-form.ts';

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** An AWS form in STS mode, filled as a user would for the test bed's MinIO. */
function stsForm(patch: Partial<LocationForm> = {}): LocationForm {
  return {
    ...emptyForm('aws'),
    awsAuth: 'sts',
    externalId: 'lifeboat-0123',
    name: 'role',
    bucket: 'backups',
    region: 'us-east-1',
    endpoint: 'https://127.0.0.1:9000',
    forcePathStyle: true,
    caCert: pem,
    roleArn: 'arn:aws:iam::123456789012:role/lifeboat',
    accessKeyId: 'AKIA',
    secretAccessKey: 'secret',
    ...patch,
  };
}

describe('the AWS location form', () => {
  test('shows the S3 URL, CA and, in STS mode, the role and the keys that assume it', () => {
    const form = stsForm();
    assert.deepEqual(shownKeys(form), [
      'name',
      'bucket',
      'region',
      'prefix',
      'endpoint',
      'caCert',
      'roleArn',
      'stsEndpoint',
      'accessKeyId',
      'secretAccessKey',
      'externalId',
    ]);
    assert.deepEqual(shownKeys({ ...form, awsAuth: 'keys' }).slice(-2), ['accessKeyId', 'secretAccessKey']);
    assert.equal(labelOf('endpoint', 'aws'), 'S3 URL');
    assert.equal(labelOf('endpoint', 'minio'), 'Endpoint');
    assert.equal(emptyForm('aws').forcePathStyle, false);
    assert.equal(emptyForm('minio').forcePathStyle, true);
  });

  test('sends the S3 URL with path style, the CA and the STS keys under credentials', () => {
    assert.deepEqual(toBody(stsForm()), {
      provider: 'aws',
      name: 'role',
      bucket: 'backups',
      region: 'us-east-1',
      endpoint: 'https://127.0.0.1:9000',
      forcePathStyle: true,
      caCert: pem.trim(),
      credentials: {
        kind: 'sts',
        roleArn: 'arn:aws:iam::123456789012:role/lifeboat',
        accessKeyId: 'AKIA',
        secretAccessKey: 'secret',
        externalId: 'lifeboat-0123',
      },
    });
    // Without an S3 URL, AWS's own addressing applies: no path-style flag is sent.
    const plain = toBody(stsForm({ endpoint: '', caCert: '', accessKeyId: '', secretAccessKey: '' }));
    assert.equal(plain.forcePathStyle, undefined);
    assert.deepEqual(Object.keys(plain.credentials as object), ['kind', 'roleArn', 'externalId']);
  });

  test('STS keys are required unless the server lends its own identity, and always come as a pair', () => {
    const noKeys = stsForm({ accessKeyId: '', secretAccessKey: '' });
    assert.deepEqual(
      [...localIssues(noKeys, undefined).keys()],
      ['credentials.accessKeyId', 'credentials.secretAccessKey'],
    );
    const lent = { ...noKeys, serverIdentity: true };
    assert.equal(isOptional('accessKeyId', lent), true);
    assert.equal(localIssues(lent, undefined).size, 0);
    // Server identity makes nothing optional in the keys mode.
    assert.equal(isOptional('accessKeyId', { ...lent, awsAuth: 'keys' }), false);
    const half = localIssues({ ...lent, accessKeyId: 'AKIA' }, undefined);
    assert.match(half.get('credentials.secretAccessKey') ?? '', /fill in the secret access key/);
    const otherHalf = localIssues({ ...lent, secretAccessKey: 's' }, undefined);
    assert.match(otherHalf.get('credentials.accessKeyId') ?? '', /access key ID that goes with the secret/);
    assert.deepEqual([...localIssues(stsForm({ endpoint: 'x', caCert: '' }), undefined).keys()], []);
  });

  test('an edit keeps the saved secret and sends only what changed', () => {
    const saved = formFromView({
      id: 'loc_1',
      name: 'role',
      provider: 'aws',
      config: {
        bucket: 'backups',
        region: 'us-east-1',
        endpoint: 'https://127.0.0.1:9000',
        forcePathStyle: true,
        caCert: pem,
        credentials: {
          kind: 'sts',
          roleArn: 'arn:aws:iam::123456789012:role/lifeboat',
          accessKeyId: 'AKIA',
          externalId: 'lifeboat-0123',
        },
      },
      secretFields: ['credentials.secretAccessKey'],
    } as unknown as Parameters<typeof formFromView>[0]);
    assert.equal(saved.awsAuth, 'sts');
    assert.equal(saved.forcePathStyle, true);
    assert.equal(saved.endpoint, 'https://127.0.0.1:9000');
    assert.equal(saved.secretAccessKey, '');
    assert.equal(localIssues(saved, saved).size, 0);
    const edited = { ...saved, roleArn: 'arn:aws:iam::123456789012:role/other' };
    assert.deepEqual(changedFields(toBody(saved), toBody(edited)), {
      credentials: { kind: 'sts', roleArn: 'arn:aws:iam::123456789012:role/other' },
    });
  });
});

describe('the IAM documents shown for AWS', () => {
  test('the trust policy names whose account assumes the role, and requires the external ID', () => {
    const keys = JSON.parse(trustPolicy('lifeboat-0123', 'keys'));
    const statement = keys.Statement[0];
    assert.equal(statement.Principal.AWS, assumerPlaceholder('keys'));
    assert.match(statement.Principal.AWS, /AWS account that owns the access key above/);
    assert.deepEqual(statement.Condition, { StringEquals: { 'sts:ExternalId': 'lifeboat-0123' } });
    assert.match(assumerHint('keys'), /aws sts get-caller-identity --query Account/);
    const server = JSON.parse(trustPolicy('lifeboat-0123', 'server'));
    assert.match(server.Statement[0].Principal.AWS, /Lifeboat server's own identity/);
    assert.deepEqual(JSON.parse(assumerPolicy('arn:aws:iam::1:role/r')).Statement[0], {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: 'arn:aws:iam::1:role/r',
    });
  });

  test('the permissions policy has the bucket, and the EC2 snapshot actions in a statement of their own', () => {
    const policy = JSON.parse(permissionsPolicy(' backups '));
    const [objects, list, disks] = policy.Statement;
    assert.equal(objects.Resource, 'arn:aws:s3:::backups/*');
    assert.equal(list.Resource, 'arn:aws:s3:::backups');
    assert.equal(disks.Sid, diskSnapshotsSid);
    assert.match(diskSnapshotsSid, /Only.*Disks/);
    assert.deepEqual(disks.Action, [
      'ec2:DescribeVolumes',
      'ec2:DescribeSnapshots',
      'ec2:CreateTags',
      'ec2:CreateVolume',
      'ec2:CreateSnapshot',
      'ec2:DeleteSnapshot',
    ]);
    assert.deepEqual(disks.Action, [...diskSnapshotActions]);
    assert.match(permissionsPolicy(''), /arn:aws:s3:::<bucket>/);
  });
});
