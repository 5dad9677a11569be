/**
 * Break-glass restore of copied volume data: the console is gone, the user has the bucket, a kubeconfig and
 * the repository secret (a passphrase they chose, in a file). `lifeboat restore create` in local mode, run as
 * a child process, restores a backup whose claim's data is in the location's volume repository into the
 * other cluster under another class: a mover pod of the test bed's image, given the store's keys from the
 * environment and the address pods reach MinIO at, fills the claim before the pod that reads it starts.
 * Without the secret the dry run names the claim and says how to give it; a wrong secret is a usage error
 * before anything is created.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliRun, lifeboat } from '../support/cli.ts';
import { kubectl, uniqueName } from '../support/kube.ts';
import { backupWithMovedData, checksumsOf, readerLog } from '../support/moved-data.ts';
import { type EngineBed, type NodeCluster, nodeCluster, openEngineBed } from '../support/volumes.ts';
import { minioLocationUrl, type TestbedEnv, useTestbedWithNodes } from '../testbed/index.ts';

let env: TestbedEnv;
let bed: EngineBed<readonly [NodeCluster, NodeCluster]>;
let work = '';
const prefix = uniqueName('cli-moved');
const backup = `${prefix}-b`;
const namespaces: string[] = [];
const files = {
  'known.txt': `restored with the command line ${randomBytes(6).toString('hex')}`,
  'deep/er/file': 'w'.repeat(50_000),
};
let ns = '';
let secretFile = '';
let passphrase = '';

const ok = (run: CliRun, what: string) => assert.equal(run.code, 0, `${what}: ${run.stderr}${run.stdout}`);

before(async () => {
  env = await useTestbedWithNodes();
  bed = await openEngineBed(env, [nodeCluster(env, 0), nodeCluster(env, 1)], prefix);
  work = await mkdtemp(join(tmpdir(), 'lb-cli-moved-'));
  passphrase = `a passphrase the team chose ${randomBytes(4).toString('hex')}`;
  secretFile = join(work, 'repository-secret');
  await writeFile(secretFile, `${passphrase}\n`);
  const [source] = bed.clusters;
  ({ ns } = await backupWithMovedData({
    env,
    source,
    kube: bed.kubes[0],
    store: bed.store,
    prefix,
    backup,
    work,
    files,
    secret: passphrase,
  }));
  namespaces.push(ns);
});

after(async () => {
  await bed?.close(namespaces);
  if (work) await rm(work, { recursive: true, force: true });
});

/** `restore create` in local mode into cluster b, `ns` mapped to `into` and a's class to b's second one. */
function restoreInto(into: string, extra: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  namespaces.push(into);
  const [source, target] = bed.clusters;
  return lifeboat(
    [
      'restore',
      'create',
      `${into}-r`,
      '--from-backup',
      backup,
      '--location',
      minioLocationUrl(env, prefix),
      '--kubeconfig',
      target.kubeconfig,
      '--namespace-mappings',
      `${ns}:${into}`,
      '--storage-class-mappings',
      `${source.node.storageClasses[0]}:${target.node.storageClasses[1]}`,
      ...extra,
    ],
    { AWS_ACCESS_KEY_ID: env.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: env.s3.secretAccessKey, ...extraEnv },
  );
}

const moverFlags = () => [
  '--mover-image',
  env.images?.lifeboat ?? '',
  '--mover-endpoint',
  env.s3.podEndpoint ?? '',
];

test('without the secret, the dry run names the claim and says how to give it', async () => {
  const into = `${ns}-p`;
  const plan = await restoreInto(into, ['--dry-run']);
  assert.equal(plan.code, 3, plan.stderr + plan.stdout);
  assert.match(plan.stdout, /is in the location's volume repository/);
  assert.match(plan.stdout, /--repository-secret-file FILE or LIFEBOAT_REPOSITORY_SECRET/);
  const withSecret = await restoreInto(into, [
    '--dry-run',
    '--repository-secret-file',
    secretFile,
    ...moverFlags(),
  ]);
  ok(withSecret, 'the dry run with the secret');
  assert.match(withSecret.stdout, /repository [0-9a-f]{8}\s+-\s+class yes\s+restore \(fill 48\.9 KiB\)$/m);
});

test('a wrong secret is a usage error, and nothing is created', async () => {
  const into = `${ns}-w`;
  const wrong = join(work, 'wrong');
  await writeFile(wrong, 'not the passphrase\n');
  const run = await restoreInto(into, ['--repository-secret-file', wrong, ...moverFlags()]);
  assert.equal(run.code, 2, run.stderr + run.stdout);
  assert.match(run.stderr, /secret/i);
  const [, target] = bed.clusters;
  assert.equal(
    (await kubectl(env, target, ['get', 'namespace', into, '--ignore-not-found', '-o', 'name'])).trim(),
    '',
  );
});

test('with the secret in the environment, a mover pod fills the claim in the other cluster before its pod', async () => {
  const into = `${ns}-r`;
  const run = await restoreInto(into, moverFlags(), { LIFEBOAT_REPOSITORY_SECRET: passphrase });
  ok(run, 'the restore');
  assert.match(run.stdout, /Completed/);
  const [, target] = bed.clusters;
  assert.equal(await readerLog(env, target, into), checksumsOf(files));
  const left = await kubectl(env, target, [
    'get',
    'pods,secrets',
    '-n',
    into,
    '-l',
    'lifeboat.io/mover',
    '-o',
    'name',
  ]);
  assert.equal(left.trim(), '', 'no mover pod or Secret is left');
});
