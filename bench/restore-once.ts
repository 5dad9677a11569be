/**
 * Runs one restore in its own process and prints its figures as JSON: wall and CPU seconds, both also until
 * the first object was done (reading and checking the backup), and peak RSS (the restore's alone).
 *   node bench/restore-once.ts <kubeconfig> <location-url> <backup> <restore> [parallelism]   (S3 keys from the environment)
 */
import { HttpKubeClient, loadConnection } from '../src/kube/index.ts';
import { defaultRestoreParallelism, runRestore } from '../src/restore/index.ts';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';

const [kubeconfig, location, backupName, name, parallelismArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];
const parallelism = parallelismArg === undefined ? undefined : Number(parallelismArg);
const kube = new HttpKubeClient(await loadConnection({ file: kubeconfig }), {
  // The engine's own default when none is given: a lower client limit would silently cap it.
  maxInFlight: parallelism ?? defaultRestoreParallelism,
});
const store = openObjectStore(parseLocation(location));
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const cpuAtStart = cpuSeconds();
const started = performance.now();
// Until the first object is done nothing has been created: the backup is read and checked.
let prepared: { seconds: number; cpuSeconds: number } | undefined;
const outcome = await runRestore({
  name,
  backupName,
  kube,
  store,
  ...(parallelism === undefined ? {} : { parallelism }),
  onProgress: (progress) => {
    if (!prepared && progress.itemsDone > 0)
      prepared = { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSeconds() - cpuAtStart };
  },
});
const seconds = (performance.now() - started) / 1000;
const cpu = cpuSeconds() - cpuAtStart;
await Promise.all([kube.close(), store.close()]);
process.stdout.write(
  `${JSON.stringify({ phase: outcome.phase, counts: outcome.counts, total: outcome.totalItems, seconds, cpuSeconds: cpu, prepared, peakRssMiB: process.resourceUsage().maxRSS / 1024, errors: outcome.errors })}\n`,
);
