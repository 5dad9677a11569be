/**
 * Runs one restore in its own process and prints its figures as JSON (peak RSS is the restore's alone).
 *   node bench/restore-once.ts <kubeconfig> <location-url> <backup> <restore> [parallelism]   (S3 keys from the environment)
 */
import { HttpKubeClient, loadConnection } from '../src/kube/index.ts';
import { runRestore } from '../src/restore/index.ts';
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
  maxInFlight: parallelism ?? 32,
});
const store = openObjectStore(parseLocation(location));
const started = performance.now();
const outcome = await runRestore({
  name,
  backupName,
  kube,
  store,
  ...(parallelism === undefined ? {} : { parallelism }),
});
const seconds = (performance.now() - started) / 1000;
await Promise.all([kube.close(), store.close()]);
process.stdout.write(
  `${JSON.stringify({ phase: outcome.phase, counts: outcome.counts, total: outcome.totalItems, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, errors: outcome.errors })}\n`,
);
