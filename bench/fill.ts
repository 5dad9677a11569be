/**
 * Fills a test-bed cluster for benchmarking by hand: `node bench/fill.ts <kubeconfig> <objects>`.
 * (`npm run bench` does this itself; this is for repeated measurements against one filled cluster.)
 */
import { processIo } from '../src/cli/index.ts';
import { HttpKubeClient, loadConnection } from '../src/kube/index.ts';
import { fillCluster } from './cluster-fill.ts';

const [kubeconfig, count] = process.argv.slice(2);
if (!kubeconfig || !count) {
  processIo.stderr('usage: node bench/fill.ts <kubeconfig> <objects>\n');
  process.exit(2);
}
const kube = new HttpKubeClient(await loadConnection({ file: kubeconfig }), { maxInFlight: 32 });
await fillCluster(kube, Number(count), 'bench', (line) => processIo.stdout(`${line}\n`));
await kube.close();
