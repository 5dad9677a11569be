/**
 * `node bench/backup-writer.ts [--objects N] [--rounds R] [--variants LIST] [--baseline DIR]`: the backup's
 * tarball writer alone, without a cluster: N objects of about 1.3 KB (listed ConfigMaps, their payload half
 * repeated and half random as base64, so it compresses as real data does, not as a run of one letter), each
 * added twice as a backup does (plain and preferred-version paths). Variants are `level/concurrency` of
 * this checkout's writer (default `1/2,6/1,6/2`) and, with --baseline, the writer of another checkout
 * (its default). Rounds are interleaved; each variant prints wall time, CPU of the whole process (thread
 * pool included) and of the main thread, and the gzipped size, with the load average.
 */
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { loadAverage, median } from './lifeboat-cli.ts';
import { listedConfigMap } from './listed-objects.ts';

interface Writer {
  readonly stream: NodeJS.ReadableStream;
  readonly bytes: number;
  writeVersion(): Promise<void>;
  add(name: string, data: Buffer | readonly Buffer[]): Promise<void>;
  finish(): void;
}
type WriterClass = new (options: { mtime: Date; level?: number; concurrency?: number }) => Writer;

function objects(count: number): { name: string; parts: Buffer[] }[] {
  const prefix = Buffer.from('{"kind":"ConfigMap","apiVersion":"v1",');
  return Array.from({ length: count }, (_, i) => {
    const name = `obj-${i}`;
    const body = listedConfigMap(i, 'bench-lists-100000-000');
    const raw = Buffer.from(JSON.stringify(body));
    return { name, parts: [prefix, raw.subarray(1)] };
  });
}

async function run(
  Writer: WriterClass,
  options: { level?: number; concurrency?: number },
  items: { name: string; parts: Buffer[] }[],
): Promise<{ seconds: number; cpu: number; mainCpu: number; bytes: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const mainCpu = process.threadCpuUsage();
  const writer = new Writer({ mtime: new Date(), ...options });
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  const drained = pipeline(writer.stream, sink);
  await writer.writeVersion();
  // As the backup does: six lists at once, each writing its objects in turn.
  const lanes = 6;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < items.length; i += lanes) {
        const item = items[i] as { name: string; parts: Buffer[] };
        await writer.add(`resources/configmaps/namespaces/bench/${item.name}.json`, item.parts);
        await writer.add(
          `resources/configmaps/v1-preferredversion/namespaces/bench/${item.name}.json`,
          item.parts,
        );
      }
    }),
  );
  writer.finish();
  await drained;
  const used = process.cpuUsage(cpu);
  const mainUsed = process.threadCpuUsage(mainCpu);
  return {
    seconds: (performance.now() - started) / 1000,
    cpu: (used.user + used.system) / 1e6,
    mainCpu: (mainUsed.user + mainUsed.system) / 1e6,
    bytes,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string' },
      rounds: { type: 'string' },
      variants: { type: 'string' },
      baseline: { type: 'string' },
    },
  });
  const count = Number(values.objects ?? 100_000);
  const rounds = Number(values.rounds ?? 3);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const current = (await import('../src/archive/tarball-writer.ts')).TarballWriter as unknown as WriterClass;
  const variants: {
    label: string;
    Writer: WriterClass;
    options: { level?: number; concurrency?: number };
  }[] = (values.variants ?? '1/2,6/1,6/2').split(',').map((variant) => {
    const [level, concurrency] = variant.split('/').map(Number);
    return {
      label: `level ${level}, ${concurrency} at once`,
      Writer: current,
      options: { ...(level ? { level } : {}), ...(concurrency ? { concurrency } : {}) },
    };
  });
  if (values.baseline) {
    const path = resolve(values.baseline, 'src/archive/tarball-writer.ts');
    const Writer = (await import(path)).TarballWriter as WriterClass;
    variants.unshift({ label: `baseline ${values.baseline}`, Writer, options: {} });
  }
  const items = objects(count);
  const size = items.reduce((sum, item) => sum + Buffer.byteLength(Buffer.concat(item.parts)), 0);
  print(
    `tarball writer: ${count} objects of ${(size / count).toFixed(0)} B each, added twice; ${rounds} rounds; ${loadAverage()}`,
  );
  const done = variants.map(() => [] as Awaited<ReturnType<typeof run>>[]);
  for (let round = 1; round <= rounds; round++) {
    for (const [i, variant] of variants.entries()) {
      const result = await run(variant.Writer, variant.options, items);
      done[i]?.push(result);
      print(
        `round ${round} ${variant.label}: ${result.seconds.toFixed(2)} s, CPU ${result.cpu.toFixed(2)} s (main thread ${result.mainCpu.toFixed(2)} s), ${(result.bytes / 2 ** 20).toFixed(2)} MiB; ${loadAverage()}`,
      );
    }
  }
  print(`\nmedians of ${rounds} rounds:`);
  for (const [i, variant] of variants.entries()) {
    const results = done[i] ?? [];
    const perObject = (median(results.map((r) => r.mainCpu)) / count) * 1e6;
    print(
      `  ${variant.label}: ${median(results.map((r) => r.seconds)).toFixed(2)} s, CPU ${median(results.map((r) => r.cpu)).toFixed(2)} s, main thread ${perObject.toFixed(1)} µs of CPU per object, ${(median(results.map((r) => r.bytes)) / 2 ** 20).toFixed(2)} MiB`,
    );
  }
  print(`  ${loadAverage()}`);
  return 0;
}

process.exitCode = await main();
