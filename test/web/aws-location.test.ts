/**
 * The AWS location form in real Chromium against a real control plane and the test bed's MinIO (which
 * implements STS AssumeRole at its own endpoint): in STS mode, the keys that assume the role, a trust policy
 * naming the account of those keys, the EC2 snapshot actions marked as needed only for backups that include
 * disks; a wrong secret named, the right one validated and saved. The Credentials mode validates too, and a
 * server that lends its own identity says so and assumes the role with it. Screenshots go to
 * test-results/console/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator } from 'playwright-core';
import { consoleSuite } from '../support/console-suite.ts';
import { uniqueName } from '../support/kube.ts';

/** MinIO takes any role ARN; AWS would need this role to exist and trust the keys' account. */
const roleArn = 'arn:aws:iam::123456789012:role/lifeboat-backup';

describe('the AWS location form', () => {
  const suite = consoleSuite({
    name: 'aws',
    locations: [],
    clusters: {},
    server: { jobs: false },
    page: { timezoneId: 'Europe/Berlin', timeoutMs: 60_000 },
  });
  const { project, api, shot } = suite;

  /** Opens the wizard on the AWS details with the bucket, S3 URL, path style and CA of the test bed's MinIO. */
  const openAwsWizard = async (name: string): Promise<Locator> => {
    // A dialog a failed test left open would hide the button.
    const open = suite.page.getByRole('dialog');
    if ((await open.count()) > 0) await open.getByRole('button', { name: 'Close' }).click();
    await suite.page.getByRole('button', { name: 'Add New Backup Location' }).first().click();
    const wizard = suite.page.getByRole('dialog', { name: 'Add New Backup Location' });
    await wizard.getByLabel('AWS S3').check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Name', { exact: true }).fill(name);
    await wizard.getByLabel('Bucket').fill(suite.env.s3.bucket);
    await wizard.getByLabel('Region').fill(suite.env.s3.region);
    await wizard.getByLabel('Prefix').fill(uniqueName(name));
    await wizard.getByLabel('S3 URL', { exact: true }).fill(suite.env.s3.endpoint);
    await wizard.getByLabel('Force path-style addressing').check();
    await wizard.getByLabel('CA certificate (PEM)').fill(readFileSync(suite.env.s3.caCert, 'utf8'));
    return wizard;
  };

  before(async () => {
    await suite.open(`/p/${project}/settings`);
    await suite.page.getByRole('heading', { name: 'Backup Locations', exact: true }).waitFor();
  });

  test('STS: the keys that assume the role are asked for, a wrong secret is named, the right one validates', async () => {
    const { externalId } = await api('GET', `/projects/${project}/locations/aws-external-id`);
    const wizard = await openAwsWizard('aws-role');
    await wizard.getByLabel('STS (assume a role)').check();
    await wizard.getByLabel('Role ARN').fill(roleArn);
    const keys = wizard.getByRole('group', { name: 'Keys that assume the role' });
    await keys.getByText('this server does not lend its own AWS identity').waitFor();

    // The trust policy names whose account assumes the role, and requires this project's external ID.
    for (let tries = 0; (await wizard.getByLabel('External ID').inputValue()) !== externalId; tries++) {
      assert.ok(tries < 300, 'the external ID never reached the form');
      await sleep(100);
    }
    const trust = await wizard.getByLabel('Trust policy').inputValue();
    const principal = JSON.parse(trust).Statement[0];
    assert.equal(
      principal.Principal.AWS,
      'arn:aws:iam::<ID of the AWS account that owns the access key above>:root',
    );
    assert.equal(principal.Condition.StringEquals['sts:ExternalId'], externalId);
    await wizard.getByText('aws sts get-caller-identity --query Account', { exact: false }).first().waitFor();
    assert.match(await wizard.getByLabel("Policy of the keys' user").inputValue(), new RegExp(roleArn));
    const permissions = JSON.parse(await wizard.getByLabel('Permissions policy').inputValue());
    const disks = permissions.Statement.find(
      (s: { Sid: string }) => s.Sid === 'OnlyForBackupsThatIncludeDisks',
    );
    assert.deepEqual(disks.Action, [
      'ec2:DescribeVolumes',
      'ec2:DescribeSnapshots',
      'ec2:CreateTags',
      'ec2:CreateVolume',
      'ec2:CreateSnapshot',
      'ec2:DeleteSnapshot',
    ]);
    await wizard.getByText(/is needed only for backups that include disks/).waitFor();

    // Without keys, the browser says what is missing before asking the server.
    await wizard.getByRole('button', { name: 'Validate' }).click();
    await wizard.getByText('fill in the access key id').waitFor();
    await keys.getByLabel('Access key ID').fill(suite.env.s3.accessKeyId);
    await keys.getByLabel('Secret access key').fill('not-the-secret');
    await wizard.getByRole('button', { name: 'Validate' }).click();
    // MinIO's STS answers AccessDenied to a wrong secret, as AWS's does when the trust policy refuses.
    await wizard.getByText(`could not assume role ${roleArn}: check the access key and secret`).waitFor();
    await shot('sts-wrong-secret');
    await keys.getByLabel('Secret access key').fill(suite.env.s3.secretAccessKey);
    await wizard.getByRole('button', { name: 'Validate' }).click();
    await wizard.getByText(/Validated: wrote a probe object/).waitFor();
    await shot('sts-validated');
    await wizard.getByRole('button', { name: 'Create' }).click();
    await wizard.waitFor({ state: 'hidden' });
    await suite.page
      .getByRole('row', { name: /aws-role/ })
      .getByText('Valid', { exact: true })
      .waitFor();

    const [saved] = (await api('GET', `/projects/${project}/locations`)) as unknown as {
      name: string;
      config: Record<string, unknown>;
      secretFields: string[];
    }[];
    assert.equal(saved?.name, 'aws-role');
    assert.equal(saved.config.endpoint, suite.env.s3.endpoint);
    assert.equal(saved.config.forcePathStyle, true);
    assert.deepEqual(saved.config.credentials, {
      kind: 'sts',
      roleArn,
      accessKeyId: suite.env.s3.accessKeyId,
      externalId,
    });
    assert.deepEqual(saved.secretFields, ['credentials.secretAccessKey']);

    // Edited, the form comes back as saved (the secret kept, not shown) and validates with what is stored.
    await suite.page
      .getByRole('row', { name: /aws-role/ })
      .getByRole('button', { name: 'Edit' })
      .click();
    const edit = suite.page.getByRole('dialog', { name: 'Edit Backup Location' });
    assert.equal(await edit.getByLabel('S3 URL', { exact: true }).inputValue(), suite.env.s3.endpoint);
    assert.equal(await edit.getByLabel('Force path-style addressing').isChecked(), true);
    assert.equal(await edit.getByLabel('STS (assume a role)').isChecked(), true);
    assert.equal(await edit.getByLabel('Access key ID').inputValue(), suite.env.s3.accessKeyId);
    assert.equal(await edit.getByLabel('Secret access key').inputValue(), '');
    await edit.getByRole('button', { name: 'Validate' }).click();
    await edit.getByText(/Validated: wrote a probe object/).waitFor();
    await edit.getByRole('button', { name: 'Cancel' }).click();
    await edit.waitFor({ state: 'hidden' });
  });

  test('Credentials: the keys themselves validate against the same S3 URL', async () => {
    const wizard = await openAwsWizard('aws-keys');
    await wizard.getByLabel('Credentials').check();
    await wizard.getByLabel('Access key ID').fill(suite.env.s3.accessKeyId);
    await wizard.getByLabel('Secret access key').fill(suite.env.s3.secretAccessKey);
    assert.match(await wizard.getByLabel('Permissions policy').inputValue(), /ec2:CreateSnapshot/);
    await wizard.getByRole('button', { name: 'Validate' }).click();
    await wizard.getByText(/Validated: wrote a probe object/).waitFor();
    await shot('keys-validated');
    await wizard.getByRole('button', { name: 'Close' }).click();
    await wizard.waitFor({ state: 'hidden' });
  });

  test("where the server lends its own identity, the form says so and the role is assumed with the server's", async () => {
    // The server's own AWS identity, as the SDK finds it: here the environment's keys (MinIO's).
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = suite.env.s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = suite.env.s3.secretAccessKey;
    suite.server.plane.ctx.allowServerIdentity = true;
    try {
      await suite.page.reload();
      await suite.page.getByRole('heading', { name: 'Backup Locations', exact: true }).waitFor();
      const wizard = await openAwsWizard('aws-server');
      await wizard.getByLabel('STS (assume a role)').check();
      await wizard.getByLabel('Role ARN').fill(roleArn);
      await wizard.getByText('This server may assume roles with its own AWS identity').waitFor();
      const trust = JSON.parse(await wizard.getByLabel('Trust policy').inputValue());
      assert.match(trust.Statement[0].Principal.AWS, /AWS account of the Lifeboat server's own identity/);
      assert.equal(await wizard.getByLabel("Policy of the keys' user").count(), 0);
      await wizard.getByRole('button', { name: 'Validate' }).click();
      await wizard.getByText(/Validated: wrote a probe object/).waitFor();
      await shot('sts-server-identity');
      await wizard.getByRole('button', { name: 'Close' }).click();
    } finally {
      suite.server.plane.ctx.allowServerIdentity = false;
      for (const [name, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
