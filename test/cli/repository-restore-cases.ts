/**
 * What `lifeboat repository restore LOCATION SNAPSHOT --target DIR` must do, as cases run against one
 * location (the test bed's MinIO in repository-restore.test.ts, a folder in repository-restore-file.test.ts):
 * a repository made by the library from a directory of files of many kinds, restored by the command in its
 * own process and compared entry by entry (contents, modes, owners when root, mtimes, symlinks, hard links,
 * empty directories). The last case damages a pack and sees the restore finish with the damage listed.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repositoryKeys } from '../../src/archive/index.ts';
import { getBuffer } from '../../src/storage/index.ts';
import { backupDirectory, openRepository } from '../../src/volumes/index.ts';
import { buildTree, compareTrees } from '../../src/volumes/repository/testing.ts';
import { type CliRun, lifeboat } from '../support/cli.ts';
import { type CommandLocation, cheapKdf } from '../support/repository-locations.ts';

type Json = Record<string, unknown>;
const MiB = 1024 * 1024;
const keys = repositoryKeys();
const secret = 'a secret for the restore command';

/** Registers the cases (with their before and after hooks) in the calling test file. */
export function repositoryRestoreCases(target: CommandLocation): void {
  let work: string;
  let source: string;
  let snapshotId = '';
  let logicalBytes = 0;
  const run = (args: string[], extra: Record<string, string> = {}): Promise<CliRun> =>
    lifeboat(['repository', 'restore', ...args], {
      ...target.env(),
      LIFEBOAT_REPOSITORY_SECRET: secret,
      LIFEBOAT_SERVER: '',
      ...extra,
    });
  const ok = (ran: CliRun, what: string) => assert.equal(ran.code, 0, `${what}: ${ran.stderr}${ran.stdout}`);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'lb-repo-restore-cli-'));
    source = join(work, 'source');
    await buildTree(source, { bigBytes: 5 * MiB, smallFiles: 150 });
    const repo = await openRepository(target.store(), secret, { create: true, kdf: cheapKdf });
    const backup = await backupDirectory(repo, source, {
      tags: { cluster: 'alpha', namespace: 'shop', pvc: 'data-db-0' },
      uploader: { packSize: 2 * MiB },
    });
    snapshotId = backup.snapshotId;
    logicalBytes = backup.manifest.stats.logicalBytes;
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('restores a snapshot by id prefix into a new directory, every entry as it was', async () => {
    const into = join(work, 'restored', 'new');
    const restored = await run([target.url(), snapshotId.slice(0, 10), '--target', into]);
    ok(restored, 'repository restore');
    assert.match(
      restored.stdout,
      new RegExp(
        `^Restored volume snapshot ${snapshotId.slice(0, 8)} into ${into}: \\d+ files, \\d+ directories, 2 symlinks, 1 hard links, [\\d.]+ MiB in [\\d.]+ s \\([\\d.]+ MiB/s\\)\\n$`,
      ),
    );
    assert.deepEqual(await compareTrees(source, into), []);
  });

  test('-o json gives the full id, the counts and the bytes written', async () => {
    const into = join(work, 'restored-json');
    const restored = await run([target.url(), snapshotId, '--target', into, '-o', 'json']);
    ok(restored, 'repository restore -o json');
    const result = JSON.parse(restored.stdout) as Json;
    assert.equal(result.snapshot, snapshotId);
    assert.equal(result.target, into);
    assert.equal(result.bytes, logicalBytes);
    assert.equal(result.symlinks, 2);
    assert.equal(result.hardlinks, 1);
    assert.deepEqual(result.problems, []);
    assert.equal(restored.stderr, '');
    assert.deepEqual(await compareTrees(source, into), []);
  });

  test('an empty existing directory is fine; one with files is refused and left as it was', async () => {
    const empty = join(work, 'empty-target');
    await mkdir(empty);
    ok(await run([target.url(), snapshotId, '--target', empty]), 'restore into an empty directory');
    assert.deepEqual(await compareTrees(source, empty), []);

    const busy = join(work, 'busy-target');
    await mkdir(busy);
    await writeFile(join(busy, 'keep.txt'), 'mine');
    const refused = await run([target.url(), snapshotId, '--target', busy]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /^error: cannot restore into .*busy-target: it is not empty \(keep\.txt\.\.\.\).*; give --target a new or empty directory/,
    );
    assert.deepEqual(await readdir(busy), ['keep.txt']);
    assert.equal(await readFile(join(busy, 'keep.txt'), 'utf8'), 'mine');
  });

  test('an unknown snapshot or a malformed id says how to list the snapshots', async () => {
    const into = join(work, 'never');
    for (const id of ['0123456789abcdef', 'latest']) {
      const refused = await run([target.url(), id, '--target', into]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(
        refused.stderr,
        new RegExp(
          `^error: volume snapshot "${id}" is not in the repository of .+: list them with \`lifeboat repository snapshots `,
        ),
      );
    }
    await assert.rejects(readdir(into), { code: 'ENOENT' });
  });

  test('no --target, or a wrong secret, is a usage error that says what to give', async () => {
    const missing = await run([target.url(), snapshotId]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /^error: give --target DIR: the directory to restore into/);

    const wrong = await run([target.url(), snapshotId, '--target', join(work, 'wrong')], {
      LIFEBOAT_REPOSITORY_SECRET: 'guess',
    });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /^error: the repository secret does not open the volume repository/);
    assert.doesNotMatch(wrong.stderr + wrong.stdout, /guess|a secret for/);
  });

  test('a damaged pack: the other entries are restored, the damaged ones listed, exit 3', async () => {
    const store = target.store();
    const packs: string[] = [];
    for await (const info of store.list(keys.dataDir)) packs.push(info.key);
    // The largest pack holds chunks of big.bin (trees are small and sit in small packs).
    const sizes = await Promise.all(packs.map(async (key) => (await getBuffer(store, key)).length));
    const largest = packs[sizes.indexOf(Math.max(...sizes))] as string;
    const bytes = Buffer.from(await getBuffer(store, largest));
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    await store.put(largest, bytes, { contentLength: bytes.length });

    const human = await run([target.url(), snapshotId, '--target', join(work, 'damaged-human')]);
    assert.equal(human.code, 3, human.stdout + human.stderr);
    assert.match(human.stdout, /^\d+ entries not \(fully\) restored:$/m);
    assert.match(human.stdout, /^ {2}\S.*: .*does not verify/m);
    assert.match(human.stdout, /repository check URL --read-data/);

    const into = join(work, 'damaged-json');
    const json = await run([target.url(), snapshotId, '--target', into, '-o', 'json']);
    assert.equal(json.code, 3, json.stdout + json.stderr);
    const listed = new Set(
      (JSON.parse(json.stdout) as { problems: { path: string }[] }).problems.map((each) => `/${each.path}`),
    );
    assert.ok(listed.size > 0);
    // What differs from the source is what the command listed; the rest is restored.
    const differing = (await compareTrees(source, into)).map((line) => line.slice(0, line.indexOf(':')));
    assert.ok(differing.length > 0);
    for (const path of differing) assert.ok(listed.has(path), `${path} differs but is not listed`);
  });
}
