/**
 * One vocabulary in the `lifeboat` command (issue 15), run as a user runs it (a child process) against the
 * test bed: how long a backup is kept is `--expiry` on `backup create` and `policy set` (`--ttl` an alias),
 * a backup that could not include the disks asked for shows its warnings in `backup list`, and the
 * break-glass local mode explains a location's problems in the console's sentences — no credentials, an
 * untrusted certificate (with `caCert=`), and a prefix one level above the backups (listed, or a backup
 * asked for by name).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/api/index.ts';
import { explainStorageError } from '../../src/storage/index.ts';
import {
  type CliRun,
  lifeboat,
  namespaceWithSettings,
  serveForCli,
  setUpProjectByCli,
} from '../support/cli.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import { type ClusterEnv, minioLocationUrl, type TestbedEnv, useTestbed } from '../testbed/index.ts';

type Json = Record<string, unknown>;
const hour = 3_600_000;

describe('one vocabulary in the lifeboat command', () => {
  let env: TestbedEnv;
  let a: ClusterEnv;
  let server: RunningServer;
  let token: string;
  let dir: string;
  const project = uniqueName('cli-words');
  const ns = uniqueName('words');
  /** A folder of the test bed's bucket of this test alone. */
  const folder = uniqueName('cli-words');
  const ok = (run: CliRun, what: string) => assert.equal(run.code, 0, `${what}: ${run.stderr}${run.stdout}`);
  const cli = (args: string[]): Promise<CliRun> =>
    lifeboat(args, { LIFEBOAT_SERVER: server.url, LIFEBOAT_TOKEN: token, LIFEBOAT_PROJECT: project });
  /** Local mode: no server in the environment, the MinIO keys (or none) as AWS variables. */
  const local = (args: string[], keys: 'keys' | 'no keys' = 'keys'): Promise<CliRun> =>
    lifeboat(args, {
      LIFEBOAT_SERVER: '',
      AWS_ACCESS_KEY_ID: keys === 'keys' ? env.s3.accessKeyId : '',
      AWS_SECRET_ACCESS_KEY: keys === 'keys' ? env.s3.secretAccessKey : '',
      // Nothing else of the SDK's chain may find keys (nor wait on a metadata service).
      AWS_PROFILE: '',
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });

  before(async () => {
    env = await useTestbed();
    a = env.clusters[0] ?? assert.fail('the test bed has a cluster');
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-cli-words-'));
    await namespaceWithSettings(env, a, ns, { a: '1' });
    server = await serveForCli(join(dir, 'plane'));
    token = server.plane.firstAdminToken ?? '';
    await setUpProjectByCli(cli, {
      env,
      project,
      dir,
      prefix: uniqueName('cli-words-plane'),
      clusters: { prod: a },
    });
  });
  after(async () => {
    await server?.close(5000);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (env) await kubectl(env, a, ['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']);
  });

  test('--expiry is the flag of backup create and policy set; --ttl is its documented alias', async () => {
    for (const command of [
      ['backup', 'create'],
      ['policy', 'set'],
    ]) {
      const help = await lifeboat([...command, '--help']);
      ok(help, `${command.join(' ')} --help`);
      assert.match(help.stdout, /--expiry <duration>\s+how long to keep/);
      assert.match(help.stdout, /--ttl <duration>\s+alias of --expiry/);
    }
    const policy = async (flag: string, value: string) => {
      const set = await cli(
        ['policy', 'set', '--cluster', 'prod', '--prefix', 'nightly', '--location', 'minio'].concat([
          '--schedule',
          'weekly',
          flag,
          value,
        ]),
      );
      ok(set, `policy set ${flag} ${value}`);
      assert.match(set.stdout, new RegExp(`^Expiry: +${value} `, 'm'));
      const got = await cli(['policy', 'get', '--cluster', 'prod', '-o', 'json']);
      return (JSON.parse(got.stdout) as Json).expiryHours;
    };
    assert.equal(await policy('--expiry', '72h'), 72);
    assert.equal(await policy('--ttl', '48h'), 48);
    const both = await cli(
      ['policy', 'set', '--cluster', 'prod', '--prefix', 'n', '--location', 'minio'].concat([
        '--schedule',
        'weekly',
        '--expiry',
        '72h',
        '--ttl',
        '48h',
      ]),
    );
    assert.equal(both.code, 2, both.stdout);
    assert.match(both.stderr, /--expiry 72h and --ttl 48h disagree: --ttl is another name for --expiry/);
    ok(await cli(['policy', 'delete', '--cluster', 'prod']), 'policy delete');
  });

  test('a backup that could not include the disks asked for lists its warnings', async () => {
    const name = uniqueName('disks');
    const created = await cli(
      ['backup', 'create', name, '--cluster', 'prod', '--location', 'minio'].concat([
        '--include-namespaces',
        ns,
        '--include-disks',
        '--expiry',
        '48h',
        '--wait',
        '-o',
        'json',
      ]),
    );
    ok(created, 'backup create --include-disks --wait');
    const view = JSON.parse(created.stdout) as Json;
    assert.equal(view.phase, 'Completed');
    assert.equal(view.warningCount, 1, created.stdout);
    const kept = Date.parse(view.expiresAt as string) - Date.parse(view.createdAt as string);
    assert.ok(Math.abs(kept - 48 * hour) < 60_000, `kept ${kept} ms, asked 48h`);

    const listed = await cli(['backup', 'list', '--cluster', 'prod']);
    ok(listed, 'backup list');
    const [header = '', ...rows] = listed.stdout.trimEnd().split('\n');
    const columns = header.split(/\s{2,}/);
    const row = rows.find((line) => line.startsWith(`${name} `))?.split(/\s{2,}/) ?? [];
    assert.equal(row[columns.indexOf('STATUS')], 'Completed', listed.stdout);
    assert.equal(row[columns.indexOf('WARNINGS')], '1', listed.stdout);

    const described = await cli(['backup', 'describe', name]);
    ok(described, 'backup describe');
    assert.match(
      described.stdout,
      /include disks was asked for, but the backup holds no PersistentVolumeClaims/,
    );
  });

  test('local mode says there are no credentials, in the console’s sentence and where to put them', async () => {
    const run = await local(['backup', 'list', '--location', minioLocationUrl(env, `${folder}/`)], 'no keys');
    assert.equal(run.code, 1, run.stdout);
    const sentence = explainStorageError({ name: 'CredentialsProviderError' }, 'list', {
      provider: 's3',
      bucket: env.s3.bucket,
    });
    assert.ok(run.stderr.includes(sentence), `the console's sentence "${sentence}" in: ${run.stderr}`);
    assert.match(run.stderr, /on the command line, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  test('local mode says the certificate is not trusted and suggests caCert=', async () => {
    const url = minioLocationUrl(env, `${folder}/`).replace(/&caCert=[^&]*/, '');
    assert.ok(!url.includes('caCert'));
    const run = await local(['backup', 'list', '--location', url]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(
      run.stderr,
      new RegExp(
        `the certificate of ${env.s3.endpoint} is not trusted \\([A-Z_]+\\): give the location the CA`,
      ),
    );
    assert.match(run.stderr, /add caCert=\/path\/to\/ca\.pem .* to the location URL/);
    // location validate: the console's check, word for word, then where its fix goes here.
    const validated = await local(['location', 'validate', url]);
    assert.equal(validated.code, 1, validated.stderr);
    assert.match(
      validated.stdout,
      /^ {2}- the certificate of .* is not trusted \([A-Z_]+\): give the location the CA/m,
    );
    assert.match(
      validated.stdout,
      /^On the command line, add caCert=\/path\/to\/ca\.pem .* to the location URL\.$/m,
    );
  });

  test('local mode finds the backups of a prefix one level down', async () => {
    const name = uniqueName('below');
    const prod = minioLocationUrl(env, `${folder}/prod/`);
    const made = await local(
      ['backup', 'create', name, '--location', prod, '--kubeconfig', a.kubeconfig].concat([
        '--include-namespaces',
        ns,
        '--include-cluster-resources',
        'never',
      ]),
    );
    ok(made, 'local backup create');
    const top = await local(['backup', 'list', '--location', minioLocationUrl(env, `${folder}/`)]);
    ok(top, 'backup list one level up');
    assert.equal(
      top.stdout.trim(),
      `no backups in s3://${env.s3.bucket}/${folder}/; found some under s3://${env.s3.bucket}/${folder}/prod/: give that as --location, with the same ?options`,
    );
    // With -o json, stdout stays the JSON (an empty list) and the same hint goes to stderr.
    const json = await local([
      'backup',
      'list',
      '--location',
      minioLocationUrl(env, `${folder}/`),
      '-o',
      'json',
    ]);
    ok(json, 'backup list -o json one level up');
    assert.deepEqual(JSON.parse(json.stdout), []);
    assert.match(json.stderr, /found some under s3:\/\/.*\/prod\/: give that as --location/);
    // Asked for by name at the prefix above, the backup is not found, and the error says where backups are.
    const elsewhere = `no backups in s3://${env.s3.bucket}/${folder}/; found some under s3://${env.s3.bucket}/${folder}/prod/: give that as --location`;
    const described = await local([
      'backup',
      'describe',
      name,
      '--location',
      minioLocationUrl(env, `${folder}/`),
    ]);
    assert.equal(described.code, 2, described.stdout);
    assert.match(described.stderr, new RegExp(`^error: no backup named "${name}" in .*: `));
    assert.ok(described.stderr.includes(elsewhere), described.stderr);
    const planned = await local(
      ['restore', 'create', '--from-backup', name, '--dry-run'].concat([
        '--location',
        minioLocationUrl(env, `${folder}/`),
        '--kubeconfig',
        a.kubeconfig,
      ]),
    );
    assert.equal(planned.code, 2, planned.stdout);
    assert.ok(planned.stderr.includes(elsewhere), planned.stderr);
    const there = await local(['backup', 'list', '--location', prod]);
    ok(there, 'backup list there');
    assert.match(there.stdout, new RegExp(`^${name}\\s+Completed`, 'm'));
  });
});
