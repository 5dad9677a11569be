/** Step 2 of the location wizard: the fields of the chosen provider. */
import { type ChangeEvent, type ReactNode, useId } from 'react';
import { Field } from '../components/ui.tsx';
import { AwsRoleSetup, PermissionsPolicy } from './AwsRoleSetup.tsx';
import {
  type AwsAuth,
  type AzureAuth,
  isOptional,
  type LocationForm,
  labelOf,
  pathOf,
  secretKeys,
  type TextKey,
} from './location-form.ts';

export interface FieldsProps {
  form: LocationForm;
  editing: boolean;
  onChange: (patch: Partial<LocationForm>) => void;
  errorFor: (path: string) => string | undefined;
}

const hints: Partial<Record<TextKey, string>> = {
  name: "Lower-case letters, digits and '-'; policies and backups refer to the location by it.",
  prefix: "Optional: a folder inside the bucket, without leading or trailing '/'.",
  caCert: 'Optional: the certificate authority of a server with a private certificate.',
  serviceAccountKey:
    "Optional: the service account's whole JSON key file. Without it, the server's Application Default Credentials are used.",
  subscriptionId: 'Optional.',
  resourceGroup: 'Optional.',
  moverEndpoint:
    "Optional: the store's URL as pods in your clusters reach it (the data mover's pods copy volume data), when it differs from the one Lifeboat uses — such as an in-cluster address. Default: the same URL.",
};

/** Hints of the AWS form, where they differ from the others'. */
function awsHint(key: TextKey, form: LocationForm): string | undefined {
  switch (key) {
    case 'endpoint':
      return 'Optional: the URL of an S3-compatible store (such as MinIO; most need path-style addressing) or of a private AWS endpoint. Default: AWS S3 for the region.';
    case 'stsEndpoint':
      return "Optional: where the role is assumed. Default: the S3 URL when it is not AWS's (MinIO serves STS there), else AWS STS for the region.";
    case 'accessKeyId':
      if (form.awsAuth === 'keys') return undefined;
      return form.serverIdentity
        ? "Optional on this server: leave both keys empty to assume the role with the server's own AWS identity."
        : 'The key that assumes the role: its IAM user needs sts:AssumeRole on the role (policy below).';
    default:
      return undefined;
  }
}

function hintOf(key: TextKey, form: LocationForm): string | undefined {
  if (form.provider === 'aws') {
    const hint = awsHint(key, form);
    if (hint) return hint;
  }
  if (key === 'endpoint')
    return form.provider === 'minio'
      ? 'Such as https://minio.example.com:9000'
      : form.provider === 'gcp'
        ? 'Optional: default Google Cloud Storage.'
        : 'Optional: default https://<account>.blob.core.windows.net';
  if (key === 'region' && form.provider === 'minio') return 'Optional: default us-east-1.';
  return hints[key];
}

function TextField(props: FieldsProps & { field: TextKey; multiline?: boolean; upload?: string }) {
  const { form, field } = props;
  const secret = secretKeys.has(field);
  const placeholder = secret && props.editing ? 'unchanged — leave empty to keep' : undefined;
  const common = {
    value: form[field],
    placeholder,
    'aria-required': !isOptional(field, form),
    autoComplete: 'off',
    spellCheck: false,
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      props.onChange({ [field]: event.target.value }),
  };
  const readFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file)
      file.text().then(
        (text) => props.onChange({ [field]: text }),
        () => props.onChange({ [field]: '' }),
      );
  };
  return (
    <>
      <Field
        label={labelOf(field, form.provider)}
        hint={hintOf(field, form)}
        error={props.errorFor(pathOf(field, form.provider))}
      >
        {(id) =>
          props.multiline ? (
            <textarea id={id} rows={6} {...common} />
          ) : (
            <input id={id} type={secret ? 'password' : 'text'} {...common} />
          )
        }
      </Field>
      {props.upload ? (
        <Field label={props.upload}>
          {(id) => (
            <input
              id={id}
              type="file"
              accept={field === 'caCert' ? '.pem,.crt,.cer' : '.json'}
              onChange={readFile}
            />
          )}
        </Field>
      ) : null}
    </>
  );
}

function Choice<T extends string>(props: {
  legend: string;
  name: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (value: T) => void;
}): ReactNode {
  return (
    <fieldset className="field">
      <legend>{props.legend}</legend>
      {props.options.map((option) => (
        <label key={option.value} className="check">
          <input
            type="radio"
            name={props.name}
            checked={props.value === option.value}
            onChange={() => props.onChange(option.value)}
          />
          {option.label}
        </label>
      ))}
    </fieldset>
  );
}

function PathStyle(props: FieldsProps & { label: string }) {
  return (
    <label className="check">
      <input
        type="checkbox"
        checked={props.form.forcePathStyle}
        onChange={(event) => props.onChange({ forcePathStyle: event.target.checked })}
      />
      {props.label}
    </label>
  );
}

function AwsFields(props: FieldsProps) {
  const { form } = props;
  const keysGiven = form.accessKeyId.trim() !== '' || form.secretAccessKey.trim() !== '';
  return (
    <>
      <TextField {...props} field="name" />
      <TextField {...props} field="bucket" />
      <TextField {...props} field="region" />
      <TextField {...props} field="prefix" />
      <TextField {...props} field="endpoint" />
      <PathStyle {...props} label="Force path-style addressing" />
      <TextField {...props} field="caCert" multiline upload="Upload CA certificate" />
      <Choice<AwsAuth>
        legend="How Lifeboat signs in to AWS"
        name="aws-auth"
        value={form.awsAuth}
        options={[
          { value: 'keys', label: 'Credentials' },
          { value: 'sts', label: 'STS (assume a role)' },
        ]}
        onChange={(awsAuth) => props.onChange({ awsAuth })}
      />
      {form.awsAuth === 'keys' ? (
        <>
          <TextField {...props} field="accessKeyId" />
          <TextField {...props} field="secretAccessKey" />
          <PermissionsPolicy bucket={form.bucket} attachTo="the IAM user of these keys" />
        </>
      ) : (
        <>
          <TextField {...props} field="roleArn" />
          <TextField {...props} field="stsEndpoint" />
          <fieldset className="field">
            <legend>Keys that assume the role</legend>
            {form.serverIdentity ? (
              <p className="muted">
                This server may assume roles with its own AWS identity (LIFEBOAT_ALLOW_SERVER_IDENTITY=true):
                leave the keys empty to use it, or give the keys of an IAM user that may assume the role.
              </p>
            ) : (
              <p className="muted">
                Give the keys of an IAM user that may assume the role: this server does not lend its own AWS
                identity to projects.
              </p>
            )}
            <TextField {...props} field="accessKeyId" />
            <TextField {...props} field="secretAccessKey" />
          </fieldset>
          <AwsRoleSetup
            bucket={form.bucket}
            roleArn={form.roleArn}
            externalId={form.externalId}
            assumer={form.serverIdentity && !keysGiven ? 'server' : 'keys'}
            error={props.errorFor(pathOf('externalId', 'aws'))}
          />
        </>
      )}
    </>
  );
}

function MinioFields(props: FieldsProps) {
  return (
    <>
      <TextField {...props} field="name" />
      <TextField {...props} field="endpoint" />
      <TextField {...props} field="bucket" />
      <TextField {...props} field="region" />
      <TextField {...props} field="prefix" />
      <PathStyle {...props} label="Path-style addressing" />
      <TextField {...props} field="caCert" multiline upload="Upload CA certificate" />
      <TextField {...props} field="accessKeyId" />
      <TextField {...props} field="secretAccessKey" />
    </>
  );
}

function GcpFields(props: FieldsProps) {
  return (
    <>
      <TextField {...props} field="name" />
      <TextField {...props} field="bucket" />
      <TextField {...props} field="prefix" />
      <TextField {...props} field="serviceAccountKey" multiline upload="Upload key file" />
      <TextField {...props} field="endpoint" />
    </>
  );
}

function AzureFields(props: FieldsProps) {
  const { form } = props;
  return (
    <>
      <TextField {...props} field="name" />
      <TextField {...props} field="storageAccount" />
      <TextField {...props} field="container" />
      <TextField {...props} field="prefix" />
      <TextField {...props} field="endpoint" />
      <Choice<AzureAuth>
        legend="How Lifeboat signs in to Azure"
        name="azure-auth"
        value={form.azureAuth}
        options={[
          { value: 'servicePrincipal', label: 'Service principal' },
          { value: 'sharedKey', label: 'Account key' },
        ]}
        onChange={(azureAuth) => props.onChange({ azureAuth })}
      />
      {form.azureAuth === 'servicePrincipal' ? (
        <>
          <TextField {...props} field="tenantId" />
          <TextField {...props} field="clientId" />
          <TextField {...props} field="clientSecret" />
          <TextField {...props} field="subscriptionId" />
          <TextField {...props} field="resourceGroup" />
        </>
      ) : (
        <TextField {...props} field="accountKey" />
      )}
    </>
  );
}

/** How the data mover uses the location: every provider has these, and both are optional. */
function VolumeDataFields(props: FieldsProps) {
  const hintId = useId();
  const keepHintId = useId();
  return (
    <fieldset className="field">
      <legend>Volume data (optional)</legend>
      <div className="field">
        <label className="check" style={{ marginBottom: 0 }}>
          <input
            type="checkbox"
            checked={props.form.copyVolumeData}
            onChange={(event) => props.onChange({ copyVolumeData: event.target.checked })}
            aria-describedby={hintId}
          />
          Copy volume data here by default
        </label>
        <div className="hint" id={hintId}>
          Backups that include disks copy each snapshot's data into this location, encrypted and deduplicated,
          so disks restore into any cluster or storage class. A backup or schedule may choose otherwise.
        </div>
      </div>
      <div className="field" style={{ marginLeft: 26 }}>
        <label className="check" style={{ marginBottom: 0 }}>
          <input
            type="checkbox"
            checked={props.form.copyVolumeData && props.form.keepVolumeSnapshots}
            disabled={!props.form.copyVolumeData}
            onChange={(event) => props.onChange({ keepVolumeSnapshots: event.target.checked })}
            aria-describedby={keepHintId}
          />
          Keep the CSI snapshots too by default
        </label>
        <div className="hint" id={keepHintId}>
          Otherwise each snapshot is deleted once its data is copied (as Velero does). Kept, it stays in the
          storage beside the copy until the backup is deleted. A backup or schedule may choose otherwise.
        </div>
      </div>
      <TextField {...props} field="moverEndpoint" />
    </fieldset>
  );
}

function FieldsOf(props: FieldsProps) {
  switch (props.form.provider) {
    case 'aws':
      return <AwsFields {...props} />;
    case 'minio':
      return <MinioFields {...props} />;
    case 'gcp':
      return <GcpFields {...props} />;
    case 'azure':
      return <AzureFields {...props} />;
  }
}

export function ProviderFields(props: FieldsProps) {
  return (
    <>
      <FieldsOf {...props} />
      <VolumeDataFields {...props} />
    </>
  );
}
