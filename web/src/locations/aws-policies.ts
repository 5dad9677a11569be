/**
 * The IAM documents the AWS location wizard shows: the role's trust policy (who may assume it, with this
 * project's external ID), its permissions policy (the bucket, and the EC2 snapshot actions that backups
 * including disks need), and the policy the user of the assuming keys needs. Pure, so they are unit-tested.
 */

/** Whose identity assumes the role: the user of the keys typed in, or the server's own. */
export type Assumer = 'keys' | 'server';

/**
 * The trust policy's principal as a placeholder that says what to put there: it stays visible in the JSON,
 * so nobody pastes the policy without putting the real account in.
 */
export function assumerPlaceholder(assumer: Assumer): string {
  return assumer === 'keys'
    ? 'arn:aws:iam::<ID of the AWS account that owns the access key above>:root'
    : "arn:aws:iam::<ID of the AWS account of the Lifeboat server's own identity>:root";
}

/** One sentence on what replaces the placeholder, and how to find it. */
export function assumerHint(assumer: Assumer): string {
  return assumer === 'keys'
    ? 'Replace the placeholder with the 12-digit ID of the AWS account that owns the access key above: `aws sts get-caller-identity --query Account`, run with that key, prints it. To trust only that user, put its ARN (arn:aws:iam::ID:user/NAME) instead.'
    : 'Replace the placeholder with the 12-digit ID of the AWS account of the identity the Lifeboat server runs with (its instance profile, pod role or environment keys): `aws sts get-caller-identity --query Account`, run where the server runs, prints it.';
}

export function trustPolicy(externalId: string, assumer: Assumer): string {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: assumerPlaceholder(assumer) },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId || '<external ID>' } },
      },
    ],
  };
  return JSON.stringify(policy, null, 2);
}

/** The statement id that marks the EC2 actions as needed only for backups that include disks. */
export const diskSnapshotsSid = 'OnlyForBackupsThatIncludeDisks';

/** The EC2 actions taking, copying out and deleting EBS snapshots needs ("include all disks"). */
export const diskSnapshotActions = [
  'ec2:DescribeVolumes',
  'ec2:DescribeSnapshots',
  'ec2:CreateTags',
  'ec2:CreateVolume',
  'ec2:CreateSnapshot',
  'ec2:DeleteSnapshot',
] as const;

export function permissionsPolicy(bucket: string): string {
  const name = bucket.trim() || '<bucket>';
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BackupObjects',
        Effect: 'Allow',
        Action: [
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        Resource: `arn:aws:s3:::${name}/*`,
      },
      { Sid: 'ListBackups', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${name}` },
      { Sid: diskSnapshotsSid, Effect: 'Allow', Action: [...diskSnapshotActions], Resource: '*' },
    ],
  };
  return JSON.stringify(policy, null, 2);
}

/** What the user of the assuming keys needs in its own policy (AWS checks both sides). */
export function assumerPolicy(roleArn: string): string {
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn.trim() || '<role ARN>' }],
  };
  return JSON.stringify(policy, null, 2);
}
