/**
 * Runs one backup in its own process and prints its figures as JSON, so peak RSS is the backup's alone.
 *   node bench/backup-once.ts <kubeconfig> <location-url> <name> [namespaces,...]   (S3 keys from the environment)
 */
import { runBackup } from '../src/backup/index.ts';
import { HttpKubeClient, loadConnection } from '../src/kube/index.ts';
import { openObjectStore, parseLocation } from '../src/storage/index.ts';

const [kubeconfig, location, name, namespaces] = process.argv.slice(2) as [string, string, string, string?];
const kube = new HttpKubeClient(await loadConnection({ file: kubeconfig }), { maxInFlight: 8 });
const store = openObjectStore(parseLocation(location));
const started = performance.now();
const outcome = await runBackup({
  name,
  kube,
  store,
  ...(namespaces ? { includeNamespaces: namespaces.split(',') } : {}),
});
const seconds = (performance.now() - started) / 1000;
await Promise.all([kube.close(), store.close()]);
process.stdout.write(
  `${JSON.stringify({
    phase: outcome.description.phase,
    items: outcome.description.itemsBackedUp,
    bytes: outcome.description.sizeBytes,
    seconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    errors: outcome.errors,
  })}\n`,
);
