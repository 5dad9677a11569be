/**
 * What an AWS administrator needs to let Lifeboat assume a role: the external ID, and the two policy
 * documents to paste into IAM, with the bucket filled in as it is typed.
 */
import { Field } from '../components/ui.tsx';
import { CopyButton } from './CopyButton.tsx';

/** Stays visible in the trust policy so nobody pastes it without putting the real account in. */
const lifeboatPrincipal = "arn:aws:iam::<Lifeboat's AWS account ID>:root";

export function trustPolicy(externalId: string): string {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: lifeboatPrincipal },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
  return JSON.stringify(policy, null, 2);
}

export function permissionsPolicy(bucket: string): string {
  const name = bucket.trim() || '<bucket>';
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
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
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${name}` },
    ],
  };
  return JSON.stringify(policy, null, 2);
}

export function AwsRoleSetup(props: { bucket: string; externalId: string; error: string | undefined }) {
  const trust = trustPolicy(props.externalId);
  const permissions = permissionsPolicy(props.bucket);
  return (
    <>
      <Field
        label="External ID"
        error={props.error}
        hint="Chosen by Lifeboat for this project: the role's trust policy must require it, so no other project can use the role through Lifeboat."
      >
        {(id) => (
          <div className="row">
            <input id={id} value={props.externalId} readOnly />
            <CopyButton text={props.externalId} label="Copy" />
          </div>
        )}
      </Field>
      <Field
        label="Trust policy"
        hint="Paste it as the role's trust policy, with Lifeboat's AWS account ID in place of the placeholder."
      >
        {(id) => <textarea id={id} value={trust} readOnly rows={14} />}
      </Field>
      <CopyButton text={trust} label="Copy trust policy" />
      <Field label="Permissions policy" hint="Attach it to the role: what Lifeboat may do in the bucket.">
        {(id) => <textarea id={id} value={permissions} readOnly rows={18} />}
      </Field>
      <CopyButton text={permissions} label="Copy permissions policy" />
    </>
  );
}
