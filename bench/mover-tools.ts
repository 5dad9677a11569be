/**
 * What the mover benchmark (mover.ts) works with: the data set and its 5% change, restic (Debian's package,
 * installed when missing) run against a repository on the test bed's MinIO, and the bytes under a prefix.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { ObjectStore } from '../src/storage/index.ts';
import type { TestbedEnv } from '../test/testbed/testbed.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;

/** The data set's shape: one large random file and many small text files. */
export const smallFiles = 2000;
const smallDirs = 20;

/** The small file `i` (0.5 to 8 KiB of text with random numbers: compressible, as logs and configs are). */
function smallFileBody(i: number, generation: number): string {
  const lines: string[] = [];
  const target = 512 + ((i * 7919) % 7680);
  let length = 0;
  while (length < target) {
    const line = `${generation} file ${i} record ${lines.length} value=${randomBytes(6).toString('hex')} status=ok\n`;
    lines.push(line);
    length += line.length;
  }
  return lines.join('');
}

const smallPath = (dir: string, i: number) =>
  join(dir, 'small', `d${String(i % smallDirs).padStart(2, '0')}`, `f${i}.txt`);

/** Writes the data set into `dir`: `big.bin` of `mib` MiB of random bytes and 2,000 small files; its bytes. */
export async function writeDataSet(dir: string, mib: number): Promise<number> {
  for (let d = 0; d < smallDirs; d++)
    await mkdir(join(dir, 'small', `d${String(d).padStart(2, '0')}`), { recursive: true });
  const big = await open(join(dir, 'big.bin'), 'w');
  try {
    for (let i = 0; i < mib; i++) await big.write(randomBytes(MiB));
  } finally {
    await big.close();
  }
  let bytes = mib * MiB;
  for (let i = 0; i < smallFiles; i++) {
    const body = smallFileBody(i, 0);
    await writeFile(smallPath(dir, i), body);
    bytes += Buffer.byteLength(body);
  }
  return bytes;
}

/**
 * Changes 5% of the data set: 1 MiB regions of `big.bin` spread evenly over it (one per 20 MiB), overwritten
 * with new random bytes in place, and every 20th small file rewritten. Returns the bytes changed.
 */
export async function changeFivePercent(dir: string, mib: number): Promise<number> {
  const regions = Math.max(1, Math.round(mib / 20));
  const big = await open(join(dir, 'big.bin'), 'r+');
  let changed = 0;
  try {
    for (let r = 0; r < regions; r++) {
      const offset = Math.floor(((r + 0.5) * mib) / regions) * MiB - MiB / 2;
      await big.write(randomBytes(MiB), 0, MiB, Math.max(0, offset));
      changed += MiB;
    }
  } finally {
    await big.close();
  }
  for (let i = 0; i < smallFiles; i += 20) {
    const body = smallFileBody(i, 1);
    await writeFile(smallPath(dir, i), body);
    changed += Buffer.byteLength(body);
  }
  return changed;
}

/** SHA-256 of a file, to check that a restore wrote what was backed up. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Objects and bytes under a store's prefix, by listing it. */
export async function bucketBytes(store: ObjectStore): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  for await (const info of store.list('')) {
    objects++;
    bytes += info.size;
  }
  return { objects, bytes };
}

/** Deletes every object under a store's prefix. */
export async function emptyStore(store: ObjectStore): Promise<void> {
  const keys: string[] = [];
  for await (const info of store.list('')) keys.push(info.key);
  for (let i = 0; i < keys.length; i += 1000) await store.delete(keys.slice(i, i + 1000));
}

/** restic's version line, installing Debian's package first when `restic` is not on PATH. */
export async function ensureRestic(print: (line: string) => void): Promise<string> {
  const version = () => run('restic', ['version']).then(({ stdout }) => stdout.trim());
  try {
    return await version();
  } catch {
    print("restic is not on PATH: installing Debian's package (apt-get install -y restic)");
  }
  const install = () =>
    run('apt-get', ['install', '-y', '-q', 'restic'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 16 << 20,
    });
  try {
    await install();
  } catch {
    print('apt-get install failed; updating the package lists (apt-get update) and trying again');
    await run('apt-get', ['update', '-q'], { maxBuffer: 16 << 20 });
    await install();
  }
  return version();
}

/** restic's JSON summary of a backup (the fields the benchmark reports). */
export interface ResticBackupSummary {
  snapshot_id: string;
  data_added: number;
  files_new: number;
  files_changed: number;
  files_unmodified: number;
  total_bytes_processed: number;
}

/** The children's user and system time from the last line `times` printed (`0m1.250000s 0m0.310000s`). */
function childCpuSeconds(stderr: string): number {
  const last = stderr.trim().split('\n').at(-1) ?? '';
  const times = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return times.length === 2 ? (times[0] ?? 0) + (times[1] ?? 0) : Number.NaN;
}

/** restic on a repository under a prefix of the test bed's MinIO, its cache in `cacheDir`. */
export class Restic {
  private readonly args: string[];
  private readonly env: NodeJS.ProcessEnv;

  constructor(testbed: TestbedEnv, prefix: string, password: string, cacheDir: string) {
    const endpoint = testbed.s3.endpoint.replace(/\/+$/, '');
    this.args = [
      '--repo',
      `s3:${endpoint}/${testbed.s3.bucket}/${prefix}`,
      '--cacert',
      testbed.s3.caCert,
      '--cache-dir',
      cacheDir,
      '--option',
      `s3.region=${testbed.s3.region}`,
      '--option',
      's3.bucket-lookup=path',
    ];
    this.env = {
      ...process.env,
      RESTIC_PASSWORD: password,
      AWS_ACCESS_KEY_ID: testbed.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: testbed.s3.secretAccessKey,
    };
  }

  /** CPU seconds (user + system) of the last command, as the shell's `times` counts its child. */
  cpuSeconds = 0;

  async run(args: string[]): Promise<string> {
    // The shell runs restic and then prints its children's CPU times: Node does not give a child's rusage.
    const script = '"$@"; status=$?; times >&2; exit $status';
    try {
      const { stdout, stderr } = await run('sh', ['-c', script, 'sh', 'restic', ...this.args, ...args], {
        env: this.env,
        maxBuffer: 256 << 20,
      });
      this.cpuSeconds = childCpuSeconds(stderr);
      return stdout;
    } catch (error) {
      const { stderr } = error as { stderr?: string };
      throw new Error(`restic ${args[0]} failed: ${stderr?.trim() || (error as Error).message}`);
    }
  }

  init(): Promise<string> {
    return this.run(['init']);
  }

  /** Backs `dir` up (restic finds the parent snapshot by host and path itself); its summary. */
  async backup(dir: string): Promise<ResticBackupSummary> {
    const out = await this.run(['backup', '--json', '--host', 'lifeboat-bench', dir]);
    const summary = out
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message_type?: string })
      .find((message) => message.message_type === 'summary');
    if (!summary) throw new Error(`restic backup printed no summary: ${out.slice(-500)}`);
    return summary as unknown as ResticBackupSummary;
  }

  restore(snapshot: string, target: string): Promise<string> {
    return this.run(['restore', snapshot, '--target', target]);
  }
}
