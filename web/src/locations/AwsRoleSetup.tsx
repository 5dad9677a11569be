/**
 * What an AWS administrator needs to let Lifeboat assume a role: the external ID, the role's trust policy
 * naming whose identity assumes it, the policy that identity's user needs, and the role's permissions, with
 * the bucket and role filled in as they are typed.
 */
import { Field } from '../components/ui.tsx';
import {
  type Assumer,
  assumerHint,
  assumerPolicy,
  diskSnapshotsSid,
  permissionsPolicy,
  trustPolicy,
} from './aws-policies.ts';
import { CopyButton } from './CopyButton.tsx';

export function AwsRoleSetup(props: {
  bucket: string;
  roleArn: string;
  externalId: string;
  assumer: Assumer;
  error: string | undefined;
}) {
  const trust = trustPolicy(props.externalId, props.assumer);
  const assuming = assumerPolicy(props.roleArn);
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
      <Field label="Trust policy" hint={`Paste it as the role's trust policy. ${assumerHint(props.assumer)}`}>
        {(id) => <textarea id={id} value={trust} readOnly rows={14} />}
      </Field>
      <CopyButton text={trust} label="Copy trust policy" />
      {props.assumer === 'keys' ? (
        <>
          <Field
            label="Policy of the keys' user"
            hint="Attach it to the IAM user of the access key above: AWS lets it assume the role only when both this policy and the role's trust policy allow it."
          >
            {(id) => <textarea id={id} value={assuming} readOnly rows={10} />}
          </Field>
          <CopyButton text={assuming} label="Copy user policy" />
        </>
      ) : null}
      <PermissionsPolicy bucket={props.bucket} attachTo="the role" />
    </>
  );
}

/** The permissions Lifeboat needs, for the role (STS) or for the user of the keys (Credentials). */
export function PermissionsPolicy(props: { bucket: string; attachTo: string }) {
  const permissions = permissionsPolicy(props.bucket);
  return (
    <>
      <Field
        label="Permissions policy"
        hint={`Attach it to ${props.attachTo}: what Lifeboat may do in the bucket. The statement ${diskSnapshotsSid} (EC2 snapshot actions) is needed only for backups that include disks (EBS volume snapshots): leave it out if no backup does.`}
      >
        {(id) => <textarea id={id} value={permissions} readOnly rows={24} />}
      </Field>
      <CopyButton text={permissions} label="Copy permissions policy" />
    </>
  );
}
