/**
 * What `lifeboat repository check | stats | snapshots` must do, as cases run against one location (the test
 * bed's MinIO in repository.test.ts, a folder in repository-file.test.ts): a repository made by the library
 * from a directory of files of many kinds, two snapshots of it, read by the command in its own process.
 * The last cases damage the repository (a pack changed, another deleted) and see check name both.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repositoryKeys } from '../../src/archive/index.ts';
import { getBuffer } from '../../src/storage/index.ts';
import { backupDirectory, openRepository } from '../../src/volumes/index.ts';
import { buildTree, writeRandomFile } from '../../src/volumes/repository/testing.ts';
import { type CliRun, lifeboat } from '../support/cli.ts';
import { type CommandLocation, cheapKdf } from '../support/repository-locations.ts';

type Json = Record<string, unknown>;
const MiB = 1024 * 1024;
const keys = repositoryKeys();
const secret = 'correct horse battery staple';

/** Registers the cases (with their before and after hooks) in the calling test file. */
export function repositoryCommandCases(target: CommandLocation): void {
  let work: string;
  let logicalBytes = 0;
  let files = 0;
  const run = (args: string[], extra: Record<string, string> = {}): Promise<CliRun> =>
    lifeboat(['repository', ...args], {
      ...target.env(),
      LIFEBOAT_REPOSITORY_SECRET: secret,
      LIFEBOAT_SERVER: '',
      ...extra,
    });
  const ok = (ran: CliRun, what: string) => assert.equal(ran.code, 0, `${what}: ${ran.stderr}${ran.stdout}`);
  const packs = async () => {
    const found: string[] = [];
    for await (const info of target.store().list(keys.dataDir)) found.push(info.key);
    return found.sort();
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'lb-repo-cli-'));
    const source = join(work, 'source');
    await buildTree(source, { bigBytes: 6 * MiB, smallFiles: 200 });
    const repo = await openRepository(target.store(), secret, { create: true, kdf: cheapKdf });
    const tags = { cluster: 'alpha', namespace: 'shop', pvc: 'data-db-0' };
    const uploader = { packSize: 2 * MiB };
    const first = await backupDirectory(repo, source, { tags: { ...tags, backup: 'nightly-1' }, uploader });
    await writeRandomFile(join(source, 'added.bin'), 3 * MiB);
    const second = await backupDirectory(repo, source, {
      tags: { ...tags, backup: 'nightly-2' },
      parent: first.snapshotId,
      uploader,
    });
    logicalBytes = first.manifest.stats.logicalBytes + second.manifest.stats.logicalBytes;
    files = first.manifest.stats.files + second.manifest.stats.files;
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('snapshots lists both, oldest first, with their tags, files and size', async () => {
    const listed = await run(['snapshots', target.url()]);
    ok(listed, 'repository snapshots');
    const lines = listed.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^ID +TIME +CLUSTER +NAMESPACE +PVC +BACKUP +FILES +SIZE$/);
    assert.equal(lines.length, 3, listed.stdout);
    assert.match(
      lines[1] ?? '',
      /^[0-9a-f]{8} +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +alpha +shop +data-db-0 +nightly-1 +\d+ +[\d.]+ MiB$/,
    );
    assert.match(lines[2] ?? '', / nightly-2 /);

    const json = await run(['snapshots', target.url(), '-o', 'json']);
    ok(json, 'repository snapshots -o json');
    const view = JSON.parse(json.stdout) as (Json & { tags: Json; stats: Json })[];
    assert.deepEqual(
      view.map((s) => s.tags.backup),
      ['nightly-1', 'nightly-2'],
    );
    assert.match(String(view[0]?.id), /^[0-9a-f]{64}$/);
    assert.equal(view[1]?.parent, view[0]?.id);
    assert.equal(
      view.reduce((sum, s) => sum + Number(s.stats.logicalBytes), 0),
      logicalBytes,
    );
  });

  test('check and check --read-data pass on an intact repository', async () => {
    const checked = await run(['check', target.url()]);
    ok(checked, 'repository check');
    assert.match(checked.stdout, /: 2 snapshots, \d+ trees and \d+ chunks needed, \d+ packs \(present/);
    assert.match(checked.stdout, /No problems found\.\n$/);

    const read = await run(['check', target.url(), '--read-data', '-o', 'json']);
    ok(read, 'repository check --read-data -o json');
    const result = JSON.parse(read.stdout) as Json & { errors: unknown[] };
    assert.equal(result.ok, true);
    assert.equal(result.readData, true);
    assert.ok(Number(result.packs) >= 3, `several packs (2 MiB each): ${read.stdout}`);
    assert.equal(result.packsRead, result.packs);
    assert.deepEqual(result.errors, []);
  });

  test('stats shows the logical size against the bytes stored', async () => {
    const json = await run(['stats', target.url(), '-o', 'json']);
    ok(json, 'repository stats -o json');
    const stats = JSON.parse(json.stdout) as Json;
    assert.equal(stats.snapshots, 2);
    assert.equal(stats.files, files);
    assert.equal(stats.logicalBytes, logicalBytes);
    const stored = (await packs()).length;
    assert.equal(stats.packs, stored);
    // Two snapshots of nearly the same files: stored about once, so well under the logical size.
    assert.ok(Number(stats.storedBytes) < logicalBytes * 0.7, json.stdout);
    assert.ok(Number(stats.ratio) > 1.4, json.stdout);

    const human = await run(['stats', target.url()]);
    ok(human, 'repository stats');
    assert.match(
      human.stdout,
      /^ {2}Logical size: +[\d.]+ MiB \(what restoring every snapshot would write\)$/m,
    );
    assert.match(human.stdout, new RegExp(`^ {2}Stored: +[\\d.]+ MiB in ${stored} packs`, 'm'));
    assert.match(human.stdout, /^ {2}Ratio: +\d+\.\d\d \(logical size \/ stored\)$/m);
  });

  test('the secret from --secret-file (its trailing line break dropped) wins over the variable', async () => {
    const file = join(work, 'secret');
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
    const listed = await run(['snapshots', target.url(), '--secret-file', file], {
      LIFEBOAT_REPOSITORY_SECRET: 'not the secret',
    });
    ok(listed, 'repository snapshots --secret-file');
    assert.match(listed.stdout, /nightly-2/);
  });

  test('a wrong secret says so and what to give; no secret names both ways to give it', async () => {
    const wrong = await run(['check', target.url()], { LIFEBOAT_REPOSITORY_SECRET: 'guess' });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(
      wrong.stderr,
      /^error: the repository secret does not open the volume repository in .+ \(1 key file\(s\) tried\): give the secret this location was created with/,
    );
    assert.doesNotMatch(wrong.stderr + wrong.stdout, /guess|correct horse/);

    const none = await run(['stats', target.url()], { LIFEBOAT_REPOSITORY_SECRET: '' });
    assert.equal(none.code, 2, none.stderr);
    assert.match(
      none.stderr,
      /needs its secret: give --secret-file FILE .* or set LIFEBOAT_REPOSITORY_SECRET/,
    );

    const missingFile = await run(['stats', target.url(), '--secret-file', join(work, 'nowhere')]);
    assert.equal(missingFile.code, 2, missingFile.stderr);
    assert.match(missingFile.stderr, /--secret-file .*nowhere cannot be read \(ENOENT\)/);
  });

  test('a location without a repository says so', async () => {
    const empty = await run(['check', target.emptyUrl()]);
    assert.equal(empty.code, 2, empty.stderr);
    assert.match(empty.stderr, /^error: no volume repository in .+: create it first/);
  });

  test('check exits 1 naming a deleted pack, and with --read-data a changed one too', async () => {
    const store = target.store();
    const [changed, deleted] = await packs();
    assert.ok(changed && deleted);
    const bytes = Buffer.from(await getBuffer(store, changed));
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await store.put(changed, bytes, { contentLength: bytes.length });
    await store.delete([deleted]);

    const checked = await run(['check', target.url()]);
    assert.equal(checked.code, 1, checked.stdout + checked.stderr);
    assert.match(checked.stdout, new RegExp(`^ {2}missing-pack ${deleted}: the index lists pack`, 'm'));
    // Without --read-data only trees are read: the changed pack is named only when it holds a tree (pack ids
    // are random, so which pack that is varies from run to run), and then as that tree's problem.
    for (const line of checked.stdout.split('\n').filter((text) => text.includes(changed)))
      assert.match(line, /^ {2}tree /, line);
    assert.match(checked.stdout, /The repository is damaged/);

    const read = await run(['check', target.url(), '--read-data']);
    assert.equal(read.code, 1, read.stdout + read.stderr);
    assert.match(read.stdout, new RegExp(`^ {2}missing-pack ${deleted}:`, 'm'));
    assert.match(
      read.stdout,
      new RegExp(`^ {2}pack ${changed}: its name is not the SHA-256 of its bytes`, 'm'),
    );

    const json = await run(['check', target.url(), '--read-data', '-o', 'json']);
    assert.equal(json.code, 1);
    const result = JSON.parse(json.stdout) as { ok: boolean; errors: { key?: string }[] };
    assert.equal(result.ok, false);
    assert.ok(result.errors.some((e) => e.key === changed));
    assert.ok(result.errors.some((e) => e.key === deleted));
  });
}
